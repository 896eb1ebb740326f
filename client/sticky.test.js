// Unit tests for the pure parts of sticky.js. Run: node --test client/
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const file = path.join(__dirname, 'sticky.js');
const sticky = require(file);
const {
  fmt, formatSize, parseSize, percentOf, milestone, tally, errorMessage, readReply, tusReply, rejected,
  retryable, backoff, fingerprint, metadata, tusHeaders, offsetOf, sameFile, messages, options,
} = sticky;

test('loading in node runs no browser code and defines no globals', () => {
  assert.equal(typeof globalThis.StickyUploads, 'undefined');
  assert.equal(typeof formatSize, 'function');
});

test('gzip -9 size of sticky.js stays within 10 KiB', () => {
  const size = zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
  assert.ok(size <= 10240, `sticky.js is ${size} bytes gzipped, the budget is 10240`);
});

test('sticky.js never builds HTML from strings', () => {
  const src = fs.readFileSync(file, 'utf8');
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'createContextualFragment', 'DOMParser', '.style']) {
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

// ---- Big files (tus) ----

test('parseSize reads sizes like the Go side (units of 1024)', () => {
  const cases = [
    ['1000', 1000], ['5MiB', 5 << 20], ['5 MiB', 5 << 20], ['8MB', 8 << 20], ['512KiB', 512 << 10],
    ['512 kb', 512 << 10], ['1.5GiB', 1.5 * (1 << 30)], ['1G', 1 << 30], ['2t', 2 * 2 ** 40], [' 64 ', 64], ['7b', 7],
  ];
  for (const [s, want] of cases) assert.equal(parseSize(s), want, s);
  for (const s of [null, undefined, '', 'MiB', '-1', '5 PiB', '1e6', 'five', '5 MiBs']) {
    assert.ok(Number.isNaN(parseSize(s)), String(s));
  }
});

test('options: the documented defaults', () => {
  assert.equal(options.chunkThreshold, 8 << 20);
  assert.equal(options.chunkSize, 5 << 20);
  assert.equal(options.concurrency, 3);
  assert.ok(options.retries >= 4 && options.retries <= 10);
  assert.ok(options.stall >= 30000);
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

test('retryable: the network and passing server trouble, not refusals', () => {
  for (const s of [0, 409, 423, 429, 500, 502, 503, 504]) assert.equal(retryable(s), true, String(s));
  for (const s of [200, 204, 400, 403, 404, 410, 413, 415, 460, 501, 507]) assert.equal(retryable(s), false, String(s));
});

test('fingerprint: name, size, lastModified, field and endpoint', () => {
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
  assert.deepEqual(tusHeaders(file, 'video', 0), { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' });
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

// The chunks a resumable upload sends for a file of size, starting at
// offset: what the script's PATCH loop slices.
function chunks(size, chunk, offset = 0) {
  const out = [];
  for (let off = offset; off < size; off = Math.min(off + chunk, size)) out.push([off, Math.min(off + chunk, size)]);
  return out;
}

test('chunks cover the file once, from the server offset', () => {
  assert.deepEqual(chunks(20 << 20, 5 << 20).length, 4);
  assert.deepEqual(chunks(11, 5), [[0, 5], [5, 10], [10, 11]]);
  assert.deepEqual(chunks(11, 5, 7), [[7, 11]]);
  assert.deepEqual(chunks(11, 5, 11), []);
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
  assert.deepEqual(tusReply('R2', '', file), { is_valid: true, stored: 'R2', filename: 'big.bin', size: 42, type: 'application/octet-stream' });
  assert.equal(tusReply('R3', '{broken', file).filename, 'big.bin');
  // The header's ref wins over the reply's.
  assert.equal(tusReply('R4', '{"stored":"other"}', file).stored, 'R4');
  // Non-ASCII JSON comes through XHR as latin-1 bytes; it is read as UTF-8.
  const latin1 = Buffer.from(JSON.stringify({ filename: 'été.png' }), 'utf8').toString('latin1');
  assert.equal(tusReply('R5', latin1, file).filename, 'été.png');
  assert.equal(tusReply('R6', '{"filename":"\\u00e9t\\u00e9.png"}', file).filename, 'été.png');
});

test('readReply for tus: JSON or a plain sentence, never markup or tusd codes', () => {
  const r = (s, b) => readReply(s, b, messages, 1).message;
  assert.equal(r(415, 'Only images are accepted.\n'), 'Only images are accepted.');
  assert.equal(r(413, '{"is_valid":false,"errors":{"upload":["The file is larger than 20 MB."]}}'), 'The file is larger than 20 MB.');
  assert.equal(r(403, '<html>Forbidden</html>'), 'The upload failed (HTTP 403).');
  assert.equal(r(404, 'ERR_UPLOAD_NOT_FOUND: upload not found\n'), 'The upload failed (HTTP 404).');
  assert.equal(r(500, ''), 'The upload failed (HTTP 500).');
  assert.equal(r(0, ''), messages.network);
  assert.equal(r(204, ''), messages.badReply);
  // The one-shot endpoint keeps its contract: non-JSON is generic.
  assert.equal(readReply(415, 'Only images are accepted.').message, 'The upload failed (HTTP 415).');
});

test('the resume message', () => {
  assert.equal(fmt(messages.resuming, { percent: percentOf(42, 100) }), 'Resuming at 42 %…');
});

// ---- Many files: announcements ----

// Plays a batch through tally() like the script: files start, then settle
// one by one (true: uploaded, false: failed); returns what is said.
function play(names, outcomes) {
  const said = [];
  let busy = 0;
  let ok = 0;
  for (const n of names) {
    busy++;
    said.push(tally('start', 0, 0, busy, n));
  }
  outcomes.forEach((good, i) => {
    busy--;
    if (good) ok++;
    const m = tally(good ? 'ok' : 'bad', names.length, ok, busy, names[i]);
    if (m !== null) said.push(m);
  });
  return said;
}

test('tally: one file speaks like a single field', () => {
  assert.deepEqual(play(['a.png'], [true]), ['Uploading a.png…', 'a.png uploaded.']);
  assert.deepEqual(play(['a.png'], [false]), ['Uploading a.png…', '']);
});

test('tally: a batch says how many, each file, then sums up once', () => {
  // The script announces only the last start message of a batch added at once.
  const said = play(['a.png', 'b.png', 'c.png'], [true, true, true]);
  assert.equal(said[2], '3 files uploading.');
  assert.deepEqual(said.slice(3), ['a.png uploaded.', 'b.png uploaded.', 'All 3 files uploaded.']);
  // A failure is not announced politely (its row has an alert), only counted.
  assert.deepEqual(play(['a', 'b', 'c'], [true, false, true]).slice(3), ['a uploaded.', '2 of 3 files uploaded.']);
  assert.deepEqual(play(['a', 'b'], [false, false]).slice(2), ['0 of 2 files uploaded.']);
});

test('tally uses replaced messages', () => {
  const de = { ...messages, allUploaded: 'Alle {count} Dateien hochgeladen.' };
  assert.equal(tally('ok', 4, 4, 0, 'x', de), 'Alle 4 Dateien hochgeladen.');
});

test('aggregated milestones over a batch speak at most three times', () => {
  // Three files of different sizes progress in turns; the batch percent
  // (sum of bytes sent / sum of sizes) goes through milestone().
  const sizes = [10, 30, 60];
  const sent = [0, 0, 0];
  const said = [];
  let m = 0;
  for (let step = 0; step < 60; step++) {
    const i = step % 3;
    sent[i] = Math.min(sizes[i], sent[i] + 2);
    const pc = percentOf(sent.reduce((a, b) => a + b), 100);
    const next = milestone(m, pc);
    if (next) { m = next; said.push(fmt(messages.progressMany, { count: 3, percent: next })); }
  }
  assert.deepEqual(said, ['3 files: 25% uploaded.', '3 files: 50% uploaded.', '3 files: 75% uploaded.']);
});
