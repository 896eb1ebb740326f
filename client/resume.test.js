'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain, storage } = require('./load.js');

test('fingerprint: name, size, lastModified, field and endpoint', () => {
  const { fingerprint } = load(['resume']);
  const f = { name: 'film.mov', size: 20 << 20, lastModified: 1700000000000, type: 'video/quicktime' };
  const k = fingerprint(f, 'video', '/uploads/tus/');
  assert.ok(k.startsWith('sticky:'));
  assert.deepEqual(JSON.parse(k.slice(7)), ['/uploads/tus/', 'video', 'film.mov', 20 << 20, 1700000000000]);
  assert.equal(fingerprint({ ...f }, 'video', '/uploads/tus/'), k, 'another File object of the same file');
  for (const other of [
    fingerprint({ ...f, name: 'film2.mov' }, 'video', '/uploads/tus/'),
    fingerprint({ ...f, size: f.size + 1 }, 'video', '/uploads/tus/'),
    fingerprint({ ...f, lastModified: 1 }, 'video', '/uploads/tus/'),
    fingerprint(f, 'clip', '/uploads/tus/'),
    fingerprint(f, 'video', '/other/tus/'),
  ]) assert.notEqual(other, k);
  // Separators in names cannot make two files collide.
  assert.notEqual(fingerprint({ ...f, name: 'a","b' }, 'c', '/u/'), fingerprint({ ...f, name: 'b' }, 'a","c', '/u/'));
});

test('remember keeps and forgets; eachKept sees only sticky keys', () => {
  const localStorage = storage();
  const { fingerprint, remember, eachKept } = load(['resume'], { localStorage });
  const key = fingerprint({ name: 'a.bin', size: 9, lastModified: 3 }, 'doc', '/t/');
  remember(key, { url: 'http://x/t/1', expires: 5 });
  localStorage.setItem('other', '1'); // seen first: eachKept goes from the end
  assert.equal(localStorage.getItem(key), '{"url":"http://x/t/1","expires":5}');
  const seen = [];
  eachKept((file, k, value) => seen.push(plain([file, k, value])));
  assert.deepEqual(seen, [[['/t/', 'doc', 'a.bin', 9, 3], key, { url: 'http://x/t/1', expires: 5 }]]);
  remember(key);
  assert.equal(localStorage.getItem(key), null);
  assert.equal(localStorage.getItem('other'), '1');
});

test('a localStorage that throws is no error', () => {
  const { remember, eachKept } = load(['resume'], { localStorage: storage({}, true) });
  remember('sticky:x', { url: 'u' });
  remember('sticky:x');
  let called = false;
  eachKept(() => { called = true; });
  assert.equal(called, false);
});
