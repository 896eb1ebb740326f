'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain } = require('./load.js');

const { metadata, tusHeaders, offsetOf, tusReply, retryable, backoff, options, messages, fmt } =
  load(['defaults', 'format', 'tus-protocol'], { btoa, escape, unescape });

// chunkChecksum in a page with window.crypto (a secure context) or without.
function checksumOf(blob, crypto) {
  const { chunkChecksum } = load(['tus-protocol'], { btoa, window: { crypto } });
  return new Promise((resolve) => chunkChecksum(blob, resolve));
}

test('metadata: base64 of UTF-8 values, empty values left out', () => {
  const h = metadata({ filename: 'Zoë — été.pdf', filetype: 'application/pdf', field: 'doc' });
  const pairs = h.split(',').map((p) => p.split(' '));
  assert.deepEqual(pairs.map((p) => p[0]), ['filename', 'filetype', 'field']);
  assert.deepEqual(pairs.map((p) => Buffer.from(p[1], 'base64').toString('utf8')), ['Zoë — été.pdf', 'application/pdf', 'doc']);
  assert.equal(metadata({ filename: 'a', filetype: '', field: 'f' }), 'filename YQ==,field Zg==');
  assert.ok(!/[^A-Za-z0-9+/=, ]/.test(metadata({ filename: '<script>,\n"x".txt' })), 'only base64 and separators');
});

test('tusHeaders: creation and PATCH', () => {
  const file = { name: 'film.mov', size: 20 << 20, type: 'video/quicktime', lastModified: 1 };
  const create = tusHeaders(file, 'video');
  assert.deepEqual(Object.keys(create), ['Upload-Length', 'Upload-Metadata']);
  assert.equal(create['Upload-Length'], String(20 << 20));
  assert.equal(create['Upload-Metadata'], metadata({ filename: 'film.mov', filetype: 'video/quicktime', field: 'video' }));
  assert.deepEqual(plain(tusHeaders(file, 'video', 0)), { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' });
  assert.equal(tusHeaders(file, 'video', 5 << 20)['Upload-Offset'], '5242880');
  // Every value is a string, as setRequestHeader sends it.
  for (const h of [create, tusHeaders(file, 'video', 7)]) {
    for (const v of Object.values(h)) assert.equal(typeof v, 'string');
  }
});

test('offsetOf: Upload-Offset as a number from 0 to the size', () => {
  assert.equal(offsetOf('0', 10), 0);
  assert.equal(offsetOf('5242880', 20 << 20), 5 << 20);
  assert.equal(offsetOf('10', 10), 10);
  for (const h of [null, '', '11', '-1', '1.5', ' 3', '3 ', '0x10', 'abc']) assert.equal(offsetOf(h, 10), -1, String(h));
});

test('tusReply: Sticky-Ref and Sticky-Reply make the one-shot reply', () => {
  const file = { name: 'big.bin', size: 42, type: 'application/octet-stream' };
  const full = tusReply('REF', JSON.stringify({
    is_valid: true, filename: 'big.bin', size: 42, type: 'application/octet-stream', stored: 'REF',
    thumbnail: { name: 'big-thumb.jpg', width: 100, height: 80 },
  }), file);
  assert.equal(full.stored, 'REF');
  assert.equal(full.thumbnail.width, 100);
  // No reply header, or a broken one: the file tells the rest.
  assert.deepEqual(plain(tusReply('R2', '', file)), { is_valid: true, stored: 'R2', filename: 'big.bin', size: 42, type: 'application/octet-stream' });
  assert.equal(tusReply('R3', '{broken', file).filename, 'big.bin');
  // The header's ref wins over the reply's.
  assert.equal(tusReply('R4', '{"stored":"other"}', file).stored, 'R4');
  // Non-ASCII JSON comes through XHR as latin-1 bytes; it is read as UTF-8.
  const latin1 = Buffer.from(JSON.stringify({ filename: 'été.png' }), 'utf8').toString('latin1');
  assert.equal(tusReply('R5', latin1, file).filename, 'été.png');
  assert.equal(tusReply('R6', '{"filename":"\\u00e9t\\u00e9.png"}', file).filename, 'été.png');
});

test('retryable: the network, damaged chunks and passing server trouble, not refusals', () => {
  for (const s of [0, 409, 423, 429, 460, 500, 502, 503, 504]) assert.equal(retryable(s), true, String(s));
  for (const s of [200, 204, 400, 403, 404, 410, 413, 415, 501, 507]) assert.equal(retryable(s), false, String(s));
});

test('chunkChecksum: sha256 of the chunk in base64, where the browser can hash', async () => {
  const bytes = Buffer.from('a chunk of the file, hashed before it is sent');
  const want = 'sha256 ' + require('node:crypto').createHash('sha256').update(bytes).digest('base64');
  assert.equal(await checksumOf(new Blob([bytes]), globalThis.crypto), want);
  assert.equal(await checksumOf(new Blob([]), globalThis.crypto), 'sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  // Not a secure context: no crypto.subtle, no checksum.
  assert.equal(await checksumOf(new Blob([bytes]), {}), null);
  assert.equal(await checksumOf(new Blob([bytes]), undefined), null);
  // A failing digest sends the chunk without one.
  assert.equal(await checksumOf(new Blob([bytes]), { subtle: { digest: () => Promise.reject(new Error('no')) } }), null);
});

test('backoff: 1, 2, 4, 8 s, then capped at 16 s', () => {
  const waits = Array.from({ length: options.retries }, (_, n) => backoff(n) / 1000);
  assert.deepEqual(waits.slice(0, 6), [1, 2, 4, 8, 16, 16]);
  assert.ok(waits.every((w) => w <= 16));
  // The whole patience of the default: about a minute and a quarter.
  const total = waits.reduce((a, b) => a + b, 0);
  assert.ok(total >= 30 && total <= 120, `total wait ${total} s`);
  assert.equal(fmt(messages.retrying, { seconds: backoff(2) / 1000 }), 'Connection lost, retrying in 4 s…');
});
