'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page, file } = require('./fakedom.js');
const { plain } = require('./load.js');

function field() {
  const p = page();
  const w = p.list();
  p.document.body.append(w);
  p.ctx.bind(w);
  const complete = [];
  w.addEventListener('sticky:complete', (e) => complete.push(e.detail));
  const rows = () => w.querySelectorAll('.sticky-item');
  return { ...p, w, rows, complete, status: () => w.querySelector('.sticky-status').textContent };
}

test('a row a file, labelled buttons, one announcement for the batch', () => {
  const { ctx, w, rows, uploads, status } = field();
  ctx.addFiles(w, [file('a.png', 2048), file('b.png')]);
  assert.equal(rows().length, 2);
  assert.equal(w.querySelector('.sticky-list').hidden, false);
  assert.equal(rows()[0].querySelector('.sticky-name').textContent, 'a.png');
  assert.equal(rows()[0].querySelector('.sticky-size').textContent, '2 KiB');
  assert.equal(rows()[1].querySelector('.sticky-remove').getAttribute('aria-label'), 'Remove b.png');
  assert.equal(uploads.length, 2);
  assert.equal(status(), '2 files uploading.');
});

test('a file already in the list is not added twice', () => {
  const { ctx, w, rows } = field();
  ctx.addFiles(w, [file('a.png')]);
  ctx.addFiles(w, [file('a.png'), file('b.png')]);
  assert.equal(rows().length, 2);
});

test('the batch done: sticky:complete with every reply, and a sum', () => {
  const { ctx, w, uploads, complete, ok, status, timers } = field();
  ctx.addFiles(w, [file('a.png'), file('b.png')]);
  uploads[0].done(ok('a.png'));
  uploads[1].done({ ok: false, status: 415, message: 'No.' });
  timers.tick(1000);
  assert.equal(status(), '1 of 2 files uploaded.');
  assert.equal(complete.length, 1);
  assert.deepEqual(plain(complete[0].replies.map((r) => r.stored)), ['REF-a.png']);
  assert.equal(complete[0].field, 'photos');
});

test('removing a row moves the focus to the next row, or the input', () => {
  const { ctx, w, rows, uploads, document, ok } = field();
  ctx.addFiles(w, [file('a.png'), file('b.png')]);
  const [a, b] = rows();
  assert.equal(b.querySelector('.sticky-remove').hidden, true, 'no remove while uploading');
  uploads[1].done(ok('b.png'));
  ctx.remove(ctx.states.get(a));
  assert.equal(uploads[0].cancelled, true);
  assert.equal(rows().length, 1);
  assert.equal(document.activeElement, b.querySelector('.sticky-remove'));
  ctx.remove(ctx.states.get(b));
  assert.equal(w.querySelector('.sticky-list').hidden, true);
  assert.equal(document.activeElement, w.querySelector('input[type=file]'));
});

test('a field in another language: its data-messages label the rows and say the batch', () => {
  const p = page();
  const w = p.list();
  w.setAttribute('data-messages', JSON.stringify({ removeNamed: '{name} entfernen', cancelNamed: '{name} abbrechen', uploadingMany: '{count} Dateien werden hochgeladen.', point: ',' }));
  p.document.body.append(w);
  p.ctx.bind(w);
  p.ctx.addFiles(w, [file('a.png', 1536), file('b.png')]);
  const row = w.querySelectorAll('.sticky-item')[0];
  assert.equal(row.querySelector('.sticky-remove').getAttribute('aria-label'), 'a.png entfernen');
  assert.equal(row.querySelector('.sticky-cancel').getAttribute('aria-label'), 'a.png abbrechen');
  assert.equal(row.querySelector('.sticky-retry').getAttribute('aria-label'), 'Retry a.png', 'what the field leaves out is English');
  assert.equal(row.querySelector('.sticky-size').textContent, '1,5 KiB');
  assert.equal(w.querySelector('.sticky-status').textContent, '2 Dateien werden hochgeladen.');
});
