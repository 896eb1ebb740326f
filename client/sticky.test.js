// Unit tests for the pure parts of sticky.js. Run: node --test client/
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const file = path.join(__dirname, 'sticky.js');
const sticky = require(file);
const { fmt, formatSize, percentOf, milestone, errorMessage, readReply, rejected, sameFile, messages } = sticky;

test('loading in node runs no browser code and defines no globals', () => {
  assert.equal(typeof globalThis.StickyUploads, 'undefined');
  assert.equal(typeof formatSize, 'function');
});

test('gzip -9 size of sticky.js stays within 6 KiB', () => {
  const size = zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
  assert.ok(size <= 6144, `sticky.js is ${size} bytes gzipped, the budget is 6144`);
});

test('sticky.js never builds HTML from strings', () => {
  const src = fs.readFileSync(file, 'utf8');
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(']) {
    assert.ok(!src.includes(sink), `sticky.js uses ${sink}`);
  }
});

test('formatSize matches the Go side (steps of 1024)', () => {
  // Expected values printed by sticky.SizeString.
  const cases = [
    [0, '0 bytes'],
    [1, '1 byte'],
    [2, '2 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KB'],
    [1280, '1.2 KB'], // an exact tie rounds to even, like Go's strconv
    [1331, '1.3 KB'],
    [1536, '1.5 KB'],
    [1792, '1.8 KB'],
    [2304, '2.2 KB'],
    [1048524, '1023.9 KB'],
    [1048525, '1 MB'],
    [1258291, '1.2 MB'],
    [20971520, '20 MB'],
    [12345678, '11.8 MB'],
    [1073741824, '1 GB'],
    [5497558138880, '5 TB'],
    [1152921504606846976, '1024 PB'],
  ];
  for (const [n, want] of cases) assert.equal(formatSize(n), want, `formatSize(${n})`);
});

test('formatSize gives nothing for nonsense', () => {
  for (const n of [-1, NaN, Infinity, undefined, null, '12']) assert.equal(formatSize(n), '');
});

test('percentOf', () => {
  assert.equal(percentOf(0, 0), 0);
  assert.equal(percentOf(5, 0), 0);
  assert.equal(percentOf(50, 200), 25);
  assert.equal(percentOf(199, 200), 99);
  assert.equal(percentOf(200, 200), 100);
  assert.equal(percentOf(300, 200), 100);
});

// Runs a sequence of progress values through milestone() the way the
// script does and returns what it would announce.
function announced(percents) {
  let last = 0;
  const said = [];
  for (const p of percents) {
    const m = milestone(last, p);
    if (m) {
      said.push(m);
      last = m;
    }
  }
  return said;
}

test('milestones: 25, 50 and 75 once each, not every percent', () => {
  const every = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(announced(every), [25, 50, 75]);
  assert.deepEqual(announced([0, 10, 24, 25, 25, 26, 49]), [25]);
});

test('milestones: a jump announces only the highest one reached', () => {
  assert.deepEqual(announced([3, 100]), [75]);
  assert.deepEqual(announced([30, 60, 61, 99, 100]), [25, 50, 75]);
  assert.equal(milestone(75, 100), 0);
  assert.equal(milestone(0, 24), 0);
});

test('errorMessage shows the server sentence verbatim', () => {
  const data = { is_valid: false, errors: { upload: ['The file is larger than 20 MB.', 'second'] } };
  assert.equal(errorMessage(413, data), 'The file is larger than 20 MB.');
  // Markup is kept as text; the script puts it in textContent.
  const html = { errors: { upload: ['<img src=x onerror=alert(1)> is not allowed'] } };
  assert.equal(errorMessage(415, html), '<img src=x onerror=alert(1)> is not allowed');
});

test('errorMessage falls back to other error keys, then to the status', () => {
  assert.equal(errorMessage(400, { errors: { field: ['Unknown field.'] } }), 'Unknown field.');
  assert.equal(errorMessage(400, { errors: { upload: [] } }), 'The upload failed (HTTP 400).');
  assert.equal(errorMessage(400, { errors: { upload: ['  '] } }), 'The upload failed (HTTP 400).');
  assert.equal(errorMessage(502, null), 'The upload failed (HTTP 502).');
  assert.equal(errorMessage(0, null), 'The upload failed: the network connection was lost.');
  assert.match(errorMessage(200, null), /could not be read/);
});

test('errorMessage uses replaced messages', () => {
  const fr = { ...messages, http: "L'envoi a échoué (HTTP {status})." };
  assert.equal(errorMessage(503, null, fr), "L'envoi a échoué (HTTP 503).");
});

test('readReply: success needs is_valid and a stored reference', () => {
  const ok = readReply(200, JSON.stringify({
    is_valid: true, filename: 'report.pdf', size: 1234, type: 'application/pdf', stored: 'ref-1',
  }));
  assert.equal(ok.ok, true);
  assert.equal(ok.data.stored, 'ref-1');
  assert.equal(readReply(200, '{"is_valid":true}').ok, false);
  assert.equal(readReply(200, '{"is_valid":true,"stored":""}').ok, false);
  assert.equal(readReply(500, '{"is_valid":true,"stored":"x"}').ok, false);
});

test('readReply: failures carry a readable message', () => {
  const body = JSON.stringify({ is_valid: false, errors: { upload: ['Only PDF files are accepted.'] } });
  assert.deepEqual(
    [readReply(415, body).ok, readReply(415, body).message],
    [false, 'Only PDF files are accepted.'],
  );
  assert.equal(readReply(200, body).message, 'Only PDF files are accepted.');
  assert.equal(readReply(502, '<html>Bad gateway</html>').message, 'The upload failed (HTTP 502).');
  assert.equal(readReply(0, '').message, 'The upload failed: the network connection was lost.');
  assert.equal(readReply(200, 'not json').ok, false);
});

test('fmt fills placeholders and leaves unknown ones', () => {
  assert.equal(fmt(messages.uploading, { name: 'report.pdf' }), 'Uploading report.pdf…');
  assert.equal(fmt(messages.progress, { name: 'a.png', percent: 50 }), 'a.png: 50% uploaded.');
  assert.equal(fmt('{name} {nope}', { name: '{percent}' }), '{percent} {nope}');
});

test('sameFile', () => {
  const a = { name: 'a.pdf', size: 3, type: 'application/pdf', lastModified: 1 };
  assert.equal(sameFile(a, a), true);
  assert.equal(sameFile(a, { ...a }), true);
  assert.equal(sameFile(a, { ...a, size: 4 }), false);
  assert.equal(sameFile(a, { ...a, lastModified: 2 }), false);
  assert.equal(sameFile(a, null), false);
  assert.equal(sameFile(undefined, undefined), false);
});

test('messages the brief fixes', () => {
  assert.equal(messages.cancelled, 'Upload cancelled.');
  assert.equal(messages.removed, 'File removed.');
  assert.equal(messages.waiting, 'Waiting for the upload to finish…');
  assert.equal(fmt(messages.uploaded, { name: 'report.pdf' }), 'report.pdf uploaded.');
});

test('rejected: only refusals of the file itself clear the input', () => {
  for (const s of [400, 403, 413, 415]) assert.equal(rejected(s), true, String(s));
  for (const s of [0, 200, 405, 429, 500, 502, 503, 507]) assert.equal(rejected(s), false, String(s));
});
