'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain, clock, storage, xhr } = require('./load.js');

const endpoint = '/uploads/tus/';
const file = {
  name: 'film.mov', size: 12, type: 'video/quicktime', lastModified: 7,
  slice: (start, end) => ({ start, end }),
};

// A resumable upload of file in chunks of 5 bytes, against a fake server,
// in a page without crypto.subtle unless given one.
function setup(kept = {}, { crypto, upload = file } = {}) {
  const { XMLHttpRequest, sent } = xhr();
  const timers = clock();
  const localStorage = storage(kept);
  const page = load(['defaults', 'format', 'reply', 'resume', 'tus-protocol', 'tus'], {
    XMLHttpRequest, localStorage, URL, btoa, window: { location: { href: 'http://app.test/documents/new' }, crypto },
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
  });
  const said = [];
  const progress = [];
  const done = [];
  const job = page.resumable({
    file: upload, field: 'video', url: endpoint, chunk: 5,
    say: (m) => said.push(m),
    progress: (loaded, total) => progress.push([loaded, total]),
    done: (reply) => done.push(plain(reply)),
  });
  const key = page.fingerprint(upload, 'video', endpoint);
  const last = () => sent[sent.length - 1];
  return { page, job, sent, last, timers, localStorage, key, said, progress, done };
}

const location = 'http://app.test/uploads/tus/abc';

test('create, then PATCH chunk after chunk until the server signs a reference', () => {
  const s = setup();
  const create = s.last();
  assert.equal(create.method, 'POST');
  assert.equal(create.url, endpoint);
  assert.equal(create.headers['Tus-Resumable'], '1.0.0');
  assert.equal(create.headers['Upload-Length'], '12');
  create.respond(201, '', { Location: 'abc', 'Upload-Expires': 'Wed, 01 Jan 2031 00:00:00 GMT' });
  assert.deepEqual(JSON.parse(s.localStorage.getItem(s.key)), { url: location, expires: Date.UTC(2031, 0, 1) });
  const offsets = [];
  for (const next of ['5', '10']) {
    offsets.push([s.last().method, s.last().url, s.last().headers['Upload-Offset'], plain(s.last().body)]);
    s.last().respond(204, '', { 'Upload-Offset': next });
  }
  offsets.push([s.last().method, s.last().url, s.last().headers['Upload-Offset'], plain(s.last().body)]);
  s.last().upload.onprogress({ loaded: 1 });
  s.last().respond(204, '', { 'Upload-Offset': '12', 'Sticky-Ref': 'REF', 'Sticky-Reply': '{"filename":"film.mov","size":12}' });
  assert.deepEqual(offsets, [
    ['PATCH', location, '0', { start: 0, end: 5 }],
    ['PATCH', location, '5', { start: 5, end: 10 }],
    ['PATCH', location, '10', { start: 10, end: 12 }],
  ]);
  assert.deepEqual(s.progress, [[11, 12]]);
  assert.deepEqual(s.done, [{ ok: true, status: 204, data: { filename: 'film.mov', size: 12, is_valid: true, stored: 'REF', type: 'video/quicktime' } }]);
  assert.equal(s.localStorage.getItem(s.key), null, 'a finished upload is forgotten');
});

test('a lost connection: wait, ask the offset, go on from there', () => {
  const s = setup();
  s.last().respond(201, '', { Location: 'abc' });
  s.last().respond(0);
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
  assert.deepEqual(s.timers.pending(), [1000]);
  s.timers.tick(1000);
  assert.equal(s.last().method, 'HEAD');
  s.last().respond(200, '', { 'Upload-Offset': '5' });
  assert.deepEqual(s.said.slice(1), ['Resuming at 41 %…']);
  assert.deepEqual(s.progress, [[5, 12]]);
  assert.equal(s.last().method, 'PATCH');
  assert.equal(s.last().headers['Upload-Offset'], '5');
});

test('a chunk that arrives resets the patience', () => {
  const s = setup();
  s.last().respond(201, '', { Location: 'abc' });
  s.last().respond(0);
  s.timers.tick(1000);
  s.last().respond(200, '', { 'Upload-Offset': '0' });
  s.last().respond(204, '', { 'Upload-Offset': '5' });
  s.last().respond(0);
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…', 'Connection lost, retrying in 1 s…']);
});

test('a request without progress for options.stall counts as lost', () => {
  const s = setup();
  const create = s.last();
  s.timers.tick(s.page.options.stall);
  assert.equal(create.aborted, true);
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
});

test('after a reload the kept upload resumes; one the server lost starts again', () => {
  let s = setup({ ['sticky:' + JSON.stringify([endpoint, 'video', 'film.mov', 12, 7])]: JSON.stringify({ url: location, expires: 1 }) });
  assert.equal(s.last().method, 'HEAD');
  assert.equal(s.last().url, location);
  s.last().respond(404);
  assert.equal(s.last().method, 'POST');
  assert.equal(s.localStorage.getItem(s.key), null);
  s = setup({ [JSON.stringify('x')]: 'y' });
  assert.equal(s.last().method, 'POST');
});

test('a refusal ends the upload with the server sentence', () => {
  const s = setup();
  s.last().respond(415, 'Only images are accepted.');
  assert.equal(s.done.length, 1);
  assert.equal(s.done[0].ok, false);
  assert.equal(s.done[0].message, 'Only images are accepted.');
  assert.deepEqual(s.timers.pending(), []);
});

test('patience runs out after options.retries', () => {
  const s = setup();
  for (let i = 0; i < s.page.options.retries; i++) {
    s.last().respond(503);
    s.timers.tick(16000);
  }
  s.last().respond(503);
  assert.equal(s.said.length, s.page.options.retries);
  assert.equal(s.done[0].message, 'The upload failed (HTTP 503).');
});

test('cancel aborts, deletes the upload on the server and forgets it', () => {
  const s = setup();
  s.last().respond(201, '', { Location: 'abc' });
  const patch = s.last();
  s.job.cancel();
  assert.equal(patch.aborted, true);
  assert.equal(s.last().method, 'DELETE');
  assert.equal(s.last().url, location);
  assert.equal(s.last().headers['Tus-Resumable'], '1.0.0');
  assert.equal(s.localStorage.getItem(s.key), null);
  assert.deepEqual(s.done, [], 'a cancelled upload is not done');
});

// A file of real bytes, sliced into Blobs, for chunks with checksums.
const content = Buffer.from('hello, tus!!');
const realFile = {
  name: 'film.mov', size: content.length, type: 'video/quicktime', lastModified: 7,
  slice: (start, end) => new Blob([content.subarray(start, end)]),
};
const sha256 = (b) => 'sha256 ' + require('node:crypto').createHash('sha256').update(b).digest('base64');
// Waits until the chunk is hashed and its PATCH sent (or a second passed).
async function hashed(s, n = s.sent.length + 1) {
  for (let i = 0; i < 100 && s.sent.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('each PATCH carries its chunk checksum where the browser can hash', async () => {
  const s = setup({}, { crypto: globalThis.crypto, upload: realFile });
  s.last().respond(201, '', { Location: 'abc' });
  await hashed(s);
  assert.equal(s.last().method, 'PATCH');
  assert.equal(s.last().headers['Upload-Checksum'], sha256(content.subarray(0, 5)));
  s.last().respond(204, '', { 'Upload-Offset': '5' });
  await hashed(s);
  assert.equal(s.last().headers['Upload-Offset'], '5');
  assert.equal(s.last().headers['Upload-Checksum'], sha256(content.subarray(5, 10)));
});

test('without crypto.subtle the chunks go without a checksum', () => {
  const s = setup({}, { upload: realFile });
  s.last().respond(201, '', { Location: 'abc' });
  assert.equal(s.last().method, 'PATCH');
  assert.equal(s.last().headers['Upload-Checksum'], undefined);
});

test('a chunk damaged on the way (460) is sent again, as a retry', async () => {
  const s = setup({}, { crypto: globalThis.crypto, upload: realFile });
  s.last().respond(201, '', { Location: 'abc' });
  await hashed(s);
  s.last().respond(460, '{"is_valid":false,"errors":{"upload":["A piece of the file arrived damaged."]}}');
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
  assert.deepEqual(s.done, []);
  s.timers.tick(1000);
  assert.equal(s.last().method, 'HEAD');
  s.last().respond(200, '', { 'Upload-Offset': '0' });
  await hashed(s);
  assert.equal(s.last().method, 'PATCH');
  assert.equal(s.last().headers['Upload-Offset'], '0');
  assert.equal(s.last().headers['Upload-Checksum'], sha256(content.subarray(0, 5)));
  // Counted with the other retries: the next failure waits longer.
  s.last().respond(460);
  assert.deepEqual(s.timers.pending(), [2000]);
});

test('cancelled while a chunk is hashed: nothing more is sent', async () => {
  const s = setup({}, { crypto: globalThis.crypto, upload: realFile });
  s.last().respond(201, '', { Location: 'abc' });
  s.job.cancel();
  const n = s.sent.length;
  await hashed(s);
  assert.equal(s.sent.length, n);
  assert.equal(s.last().method, 'DELETE');
});
