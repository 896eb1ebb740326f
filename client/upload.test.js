'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page, file } = require('./fakedom.js');

function field(attrs) {
  const p = page();
  const w = p.single(attrs);
  p.document.body.append(w);
  return { ...p, w, item: p.ctx.bind(w), status: () => w.querySelector('.sticky-status').textContent };
}

test('a small file goes in one request, a big one over tus', () => {
  const { ctx, item, uploads } = field({ 'data-tus': '/uploads/tus/', 'data-chunk-threshold': '1KiB', 'data-chunk-size': '512' });
  ctx.start(item, file('a.png', 1024));
  assert.equal(uploads[0].kind, 'oneShot');
  assert.equal(uploads[0].url, '/uploads/');
  assert.equal(uploads[0].field, 'doc');
  ctx.start(item, file('b.png', 1025));
  assert.equal(uploads[0].cancelled, true, 'a new choice stops the last');
  assert.equal(uploads[1].kind, 'resumable');
  assert.equal(uploads[1].url, '/uploads/tus/');
  assert.equal(uploads[1].chunk, 512);
});

test('with data-direct every file goes straight to the bucket, with the threshold of parts', () => {
  const { ctx, item, uploads } = field({ 'data-tus': '/uploads/tus/', 'data-direct': '/uploads/s3/', 'data-chunk-threshold': '1KiB' });
  for (const size of [1024, 1025]) {
    ctx.start(item, file('a.png', size));
    const job = uploads.at(-1);
    assert.deepEqual([job.kind, job.url, job.threshold, job.chunk], ['toBucket', '/uploads/s3/', 1024, 5 << 20]);
  }
});

test('success: the reference, name and size shown, events in order', () => {
  const { ctx, w, item, uploads, events, ok, status } = field();
  ctx.start(item, file('a.png'));
  assert.equal(status(), 'Uploading a.png…');
  uploads[0].progress(60, 100);
  assert.equal(w.querySelector('progress').value, 60);
  uploads[0].done(ok('a.png'));
  assert.equal(w.querySelector('input[type=hidden]').value, 'REF-a.png');
  assert.equal(w.querySelector('.sticky-name').textContent, 'a.png');
  assert.equal(w.querySelector('.sticky-size').textContent, '2 KiB');
  assert.equal(w.hasAttribute('data-kept'), true);
  assert.equal(w.getAttribute('data-sticky-state'), 'done');
  assert.deepEqual(events, ['before-upload', 'start', 'progress', 'success']);
  assert.equal(status(), 'a.png uploaded.', '"Uploading…" does not outlast the upload, even within a second of it');
  assert.equal(ctx.running, 0);
});

test('a refusal: the sentence shown, the input cleared and marked', () => {
  const { ctx, w, item, uploads, events } = field();
  const input = w.querySelector('input[type=file]');
  input.value = 'C:\\fakepath\\a.png';
  ctx.start(item, file('a.png'));
  uploads[0].done({ ok: false, status: 415, message: 'Only PDF files are accepted.' });
  assert.equal(w.querySelector('.sticky-error').textContent, 'Only PDF files are accepted.');
  assert.equal(input.value, '');
  assert.equal(input.getAttribute('aria-invalid'), 'true');
  assert.equal(w.getAttribute('data-sticky-state'), 'failed');
  assert.equal(w.querySelector('.sticky-retry').hidden, true, 'no Retry for a file that would be refused again');
  assert.deepEqual(events.slice(-1), ['error']);
});

test('a failure that may pass on a second try offers Retry', () => {
  const { ctx, w, item, uploads } = field();
  ctx.start(item, file('a.png'));
  uploads[0].done({ ok: false, status: 503, message: 'The file could not be stored right now.' });
  assert.equal(w.querySelector('.sticky-retry').hidden, false);
});

test('sticky:before-upload can say no', () => {
  const { ctx, document, item, uploads, w } = field();
  document.addEventListener('sticky:before-upload', (e) => e.preventDefault());
  ctx.start(item, file('a.png'));
  assert.equal(uploads.length, 0);
  assert.equal(item.file, null);
  assert.equal(w.hasAttribute('data-sticky-state'), false);
});

test('cancel stops the upload and says so; a late reply is ignored', () => {
  const { ctx, w, item, uploads, events, ok, status } = field();
  ctx.start(item, file('a.png'));
  ctx.cancel(item);
  assert.equal(uploads[0].cancelled, true);
  assert.equal(status(), 'Upload cancelled.');
  assert.equal(w.getAttribute('data-sticky-state'), 'cancelled');
  uploads[0].done(ok('a.png'));
  assert.equal(w.querySelector('input[type=hidden]').value, '');
  assert.deepEqual(events, ['before-upload', 'start', 'cancel']);
});

test('progress: milestones of the whole batch, politely', () => {
  const { ctx, item, uploads, timers, status } = field();
  ctx.start(item, file('a.png'));
  timers.tick(1000);
  for (const loaded of [10, 30, 40, 55]) uploads[0].progress(loaded, 100);
  timers.tick(1000);
  assert.equal(status(), 'a.png: 50% uploaded.');
});

test('processing after 100 %: "Checking…", the status route asked until done, the submission held', () => {
  const { XMLHttpRequest, sent } = require('./load.js').xhr();
  const p = page({ XMLHttpRequest });
  const w = p.single();
  p.document.body.append(w);
  const { ctx, timers, uploads, ok, events } = p, item = ctx.bind(w), status = () => w.querySelector('.sticky-status').textContent;
  ctx.start(item, file('a.png'));
  uploads[0].done(ok('a.png', { processing: true, status_url: '/uploads/status?field=doc&stored=REF-a.png' }));
  assert.equal(w.getAttribute('data-sticky-state'), 'checking');
  assert.equal(status(), 'Checking a.png…');
  assert.equal(w.querySelector('input[type=hidden]').value, '', 'no reference to post before the checks are done');
  assert.equal(ctx.busy({ elements: [w.querySelector('input[type=file]')] }), true, 'a submission waits');
  assert.equal(ctx.running, 0, 'the next upload may start');
  timers.tick(500);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, 'GET');
  assert.equal(sent[0].url, '/uploads/status?field=doc&stored=REF-a.png');
  sent[0].respond(202, JSON.stringify({ is_valid: true, processing: true, stored: 'REF-a.png', status_url: sent[0].url }));
  timers.tick(750);
  sent[1].respond(0); // a lost connection: asked again
  timers.tick(1125);
  sent[2].respond(200, JSON.stringify({ is_valid: true, filename: 'a.png', size: 2048, stored: 'REF-a.png' }));
  assert.equal(w.getAttribute('data-sticky-state'), 'done');
  assert.equal(w.querySelector('input[type=hidden]').value, 'REF-a.png');
  assert.equal(status(), 'a.png uploaded.');
  assert.deepEqual(events.slice(-1), ['success']);
});

test('processing that fails: the processor\'s sentence is the field\'s error', () => {
  const { XMLHttpRequest, sent } = require('./load.js').xhr();
  const p = page({ XMLHttpRequest });
  const w = p.single();
  p.document.body.append(w);
  const { ctx, timers, uploads, ok } = p, item = ctx.bind(w);
  ctx.start(item, file('a.png'));
  uploads[0].done(ok('a.png', { processing: true, status_url: '/uploads/status?x' }));
  timers.tick(500);
  sent[0].respond(422, JSON.stringify({ is_valid: false, errors: { upload: ['This file contains a virus.'] } }));
  assert.equal(w.getAttribute('data-sticky-state'), 'failed');
  assert.equal(w.querySelector('.sticky-error').textContent, 'This file contains a virus.');
  assert.equal(w.querySelector('input[type=hidden]').value, '');
  timers.tick(10000);
  assert.equal(sent.length, 1, 'no more asking');
});

// A page made while a kept file's checks still ran: the field says
// data-checking with the status route's URL.
function checkingField(attrs) {
  const { XMLHttpRequest, sent } = require('./load.js').xhr();
  const p = page({ XMLHttpRequest });
  const w = p.single({ 'data-kept': true, 'data-checking': '/uploads/status?field=doc&stored=REF', ...attrs });
  w.querySelector('input[type=hidden]').value = 'REF';
  w.querySelector('.sticky-name').textContent = 'scan.pdf';
  p.document.body.append(w);
  const item = p.ctx.bind(w);
  return { ...p, w, item, sent, status: () => w.querySelector('.sticky-status').textContent };
}

test('a kept file still being checked when the page was made is asked after, and kept once done', () => {
  const { ctx, w, sent, timers, events, status } = checkingField();
  assert.equal(w.getAttribute('data-sticky-state'), 'checking');
  assert.equal(status(), 'Checking scan.pdf…');
  assert.equal(w.querySelector('.sticky-kept').hidden, false, 'the kept file shown meanwhile');
  assert.equal(ctx.busy({ elements: [w.querySelector('input[type=file]')] }), true, 'a submission waits');
  timers.tick(500);
  assert.equal(sent[0].url, '/uploads/status?field=doc&stored=REF');
  sent[0].respond(202, JSON.stringify({ is_valid: true, processing: true, stored: 'REF' }));
  timers.tick(750);
  sent[1].respond(200, JSON.stringify({ is_valid: true, filename: 'scan.pdf', size: 3072, stored: 'REF' }));
  assert.equal(w.getAttribute('data-sticky-state'), 'done');
  assert.equal(w.querySelector('input[type=hidden]').value, 'REF');
  assert.equal(w.querySelector('.sticky-size').textContent, '3 KiB');
  assert.equal(ctx.busy({ elements: [w.querySelector('input[type=file]')] }), false);
  assert.deepEqual(events.slice(-1), ['success']);
});

test('a kept file whose checks fail after the page was made is no longer kept, and not offered again', () => {
  const { w, sent, timers } = checkingField();
  timers.tick(500);
  sent[0].respond(422, JSON.stringify({ is_valid: false, errors: { upload: ['This file contains a virus.'] } }));
  assert.equal(w.getAttribute('data-sticky-state'), 'failed');
  assert.equal(w.querySelector('.sticky-error').textContent, 'This file contains a virus.');
  assert.equal(w.querySelector('input[type=hidden]').value, '', 'no reference left to post');
  assert.equal(w.hasAttribute('data-kept'), false);
  assert.equal(w.querySelector('.sticky-retry').hidden, true, 'nothing to send again');
  assert.equal(w.querySelector('.sticky-kept').hidden, true);
});

test('a kept row still being checked is asked after too', () => {
  const { XMLHttpRequest, sent } = require('./load.js').xhr();
  const p = page({ XMLHttpRequest });
  const w = p.list({ 'data-kept': true });
  const row = p.h('li', { class: 'sticky-item', 'data-kept': true, 'data-checking': '/uploads/status?field=photos&stored=R1' },
    p.h('input', { type: 'hidden', name: '_photos', value: 'R1' }), p.h('span', { class: 'sticky-name' }, 'cat.jpg'),
    p.h('span', { class: 'sticky-size' }, '1 KiB'), p.h('progress', { class: 'sticky-progress' }), p.h('button', { class: 'sticky-cancel' }, 'Cancel'),
    p.h('button', { class: 'sticky-retry' }, 'Retry'), p.h('button', { class: 'sticky-remove' }, 'Remove'), p.h('p', { class: 'sticky-error' }));
  w.querySelector('.sticky-list').append(row);
  p.document.body.append(w);
  p.ctx.bind(w);
  assert.equal(row.getAttribute('data-sticky-state'), 'checking');
  p.timers.tick(500);
  assert.equal(sent[0].url, '/uploads/status?field=photos&stored=R1');
  sent[0].respond(200, JSON.stringify({ is_valid: true, filename: 'cat.jpg', size: 1024, stored: 'R1' }));
  assert.equal(row.getAttribute('data-sticky-state'), 'done');
  assert.equal(row.querySelector('input[type=hidden]').value, 'R1');
});
