'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain, clock, storage, xhr } = require('./load.js');

const MiB = 1 << 20;
const base = '/uploads/s3/';

class FormData {
  constructor() { this.fields = []; }
  append(name, value) { this.fields.push([name, value]); }
}

// A direct upload of a file of size bytes against a fake mount and bucket:
// parts of 5 MiB above a threshold of 8 MiB.
function setup(size, kept = {}, globals = {}) {
  const { XMLHttpRequest, sent } = xhr();
  const timers = clock();
  const localStorage = storage(kept);
  const page = load(['defaults', 'format', 'reply', 'resume', 'tus-protocol', 'direct'], {
    XMLHttpRequest, FormData, localStorage,
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, ...globals,
  });
  const bytes = (start, end) => ({ start, end, arrayBuffer: async () => new Uint8Array(end - start).buffer });
  const file = { name: 'film mov.bin', size, type: 'video/quicktime', lastModified: 7, slice: bytes, arrayBuffer: bytes(0, size).arrayBuffer };
  const said = [];
  const progress = [];
  const done = [];
  const job = page.toBucket({
    file, field: 'doc', url: base, chunk: 5 * MiB, threshold: 8 * MiB,
    say: (m) => said.push(m),
    progress: (loaded, total) => progress.push([loaded, total]),
    done: (reply) => done.push(plain(reply)),
  });
  const mark = page.fingerprint(file, 'doc', base);
  // The requests not answered yet, in the order sent.
  const open = () => sent.filter((r) => !r.answered && !r.aborted);
  const answer = (r, ...args) => { r.answered = true; r.respond(...args); };
  return { page, job, file, sent, open, answer, timers, localStorage, mark, said, progress, done };
}

const stored = '{"is_valid":true,"filename":"film mov.bin","size":3,"stored":"REF","key":"tmp/k1"}';

test('a small file: params, one presigned PUT of it to the bucket with the signed headers, then the claim', () => {
  const s = setup(3);
  const params = s.open()[0];
  assert.equal(params.method, 'GET');
  assert.equal(params.url, base + 'params?filename=film%20mov.bin&type=video%2Fquicktime&metadata[field]=doc&size=3&method=PUT');
  s.answer(params, 200, JSON.stringify({ method: 'PUT', url: 'http://bucket.test/b/tmp/k1?X-Amz-Signature=S', headers: { 'X-Amz-Meta-Sticky-Field': 'doc' }, fields: {}, key: 'tmp/k1' }));
  const put = s.open()[0];
  assert.equal(put.method, 'PUT');
  assert.equal(put.url, 'http://bucket.test/b/tmp/k1?X-Amz-Signature=S');
  assert.equal(put.body, s.file);
  assert.equal(put.headers['X-Amz-Meta-Sticky-Field'], 'doc');
  put.upload.onprogress({ loaded: 2, total: 4 });
  s.answer(put, 200);
  const claim = s.open()[0];
  assert.equal(claim.method, 'POST');
  assert.equal(claim.url, base + 'complete?key=tmp%2Fk1');
  s.answer(claim, 200, stored);
  assert.deepEqual(s.progress, [[2, 4]]);
  assert.equal(s.done.length, 1);
  assert.equal(s.done[0].ok, true);
  assert.equal(s.done[0].data.stored, 'REF');
  assert.equal(s.localStorage.map.size, 0, 'nothing kept of a one-request upload');
});

test('a refusal of the mount ends the upload with its sentence, no retry', () => {
  const s = setup(3);
  s.answer(s.open()[0], 413, '{"is_valid":false,"errors":{"upload":["The file is too large."]}}');
  assert.deepEqual(s.done.map((d) => [d.ok, d.status, d.message]), [[false, 413, 'The file is too large.']]);
  assert.deepEqual(s.timers.pending(), []);
});

test('the claim refusing the file (wrong type) is the reply', () => {
  const s = setup(3);
  s.answer(s.open()[0], 200, JSON.stringify({ method: 'PUT', url: 'http://bucket.test/b/k', headers: {}, key: 'k' }));
  s.answer(s.open()[0], 204);
  s.answer(s.open()[0], 415, '{"is_valid":false,"errors":{"upload":["Only PDF files are accepted."]}}');
  assert.deepEqual(s.done.map((d) => [d.ok, d.status, d.message]), [[false, 415, 'Only PDF files are accepted.']]);
});

// Starts a 12 MiB multipart upload: parts of 5, 5 and 2 MiB.
function multipart(kept) {
  const s = setup(12 * MiB, kept);
  if (kept) return s;
  const create = s.open()[0];
  assert.equal(create.method, 'POST');
  assert.equal(create.url, base + 'multipart');
  assert.deepEqual(JSON.parse(create.body), { filename: 'film mov.bin', type: 'video/quicktime', metadata: { field: 'doc', size: String(12 * MiB) } });
  s.answer(create, 200, '{"key":"tmp/k2","uploadId":"U1"}');
  return s;
}

// Signs every part asked for, with the part's number in the URL.
function signAll(s) {
  for (const r of s.open().filter((r) => r.method === 'GET' && /multipart\/U1\/batch/.test(r.url))) {
    const urls = {}, headers = {};
    for (const n of numbers(r)) {
      urls[n] = 'http://bucket.test/part' + n;
      headers[n] = { 'x-amz-checksum-sha256': 'C' + n };
    }
    s.answer(r, 200, JSON.stringify({ presignedUrls: urls, headers }));
  }
}

// The part numbers a batch request asks to sign.
const numbers = (r) => /partNumbers=([\d,]+)/.exec(r.url)[1].split(',').map(Number);

const puts = (s) => s.open().filter((r) => r.method === 'PUT');

test('a big file: parts signed with their sizes in one request, sent three at once, each PUT with its headers, then completed', () => {
  const s = multipart();
  assert.deepEqual(JSON.parse(s.localStorage.getItem(s.mark)).id, 'U1', 'kept for a reload');
  assert.deepEqual(JSON.parse(s.localStorage.getItem(s.mark)).etags, []);
  const signs = s.open().map((r) => r.url);
  assert.deepEqual(signs, [base + `multipart/U1/batch?key=tmp%2Fk2&partNumbers=1,2,3&sizes=${5 * MiB},${5 * MiB},${2 * MiB}`]);
  signAll(s);
  const ps = puts(s);
  assert.deepEqual(ps.map((r) => [r.url, plain(r.body), r.headers['x-amz-checksum-sha256']]), [
    ['http://bucket.test/part1', { start: 0, end: 5 * MiB }, 'C1'],
    ['http://bucket.test/part2', { start: 5 * MiB, end: 10 * MiB }, 'C2'],
    ['http://bucket.test/part3', { start: 10 * MiB, end: 12 * MiB }, 'C3'],
  ]);
  ps[1].upload.onprogress({ loaded: MiB, total: 5 * MiB });
  s.answer(ps[1], 200, '', { ETag: '"e2"' });
  s.answer(ps[2], 200, '', { ETag: '"e3"' });
  assert.deepEqual(JSON.parse(s.localStorage.getItem(s.mark)).etags, [null, '"e2"', '"e3"'], 'the parts acknowledged kept');
  assert.equal(s.open().length, 1, 'not completed while a part is on its way');
  s.answer(ps[0], 200, '', { ETag: '"e1"' });
  const complete = s.open()[0];
  assert.equal(complete.url, base + 'multipart/U1/complete?key=tmp%2Fk2');
  assert.deepEqual(JSON.parse(complete.body), { parts: [{ PartNumber: 1, ETag: '"e1"' }, { PartNumber: 2, ETag: '"e2"' }, { PartNumber: 3, ETag: '"e3"' }] });
  s.answer(complete, 200, stored);
  assert.deepEqual(s.progress, [[MiB, 12 * MiB], [5 * MiB, 12 * MiB], [7 * MiB, 12 * MiB], [12 * MiB, 12 * MiB]]);
  assert.equal(s.done[0].ok, true);
  assert.equal(s.localStorage.getItem(s.mark), null, 'forgotten once done');
});

test('more parts than options.parts wait their turn; they are signed twice options.parts at a time', () => {
  const s = setup(37 * MiB);
  s.answer(s.open()[0], 200, '{"key":"k","uploadId":"U1"}');
  assert.deepEqual(s.open().map(numbers), [[1, 2, 3, 4, 5, 6]]);
  signAll(s);
  assert.deepEqual(puts(s).map((p) => p.url), [1, 2, 3].map((n) => 'http://bucket.test/part' + n));
  s.answer(puts(s)[0], 200, '', { ETag: 'e1' });
  assert.equal(s.open().at(-1).url, 'http://bucket.test/part4', 'signed already: sent at once');
  for (const n of [2, 3, 4]) s.answer(puts(s).find((p) => p.url.endsWith('part' + n)), 200, '', { ETag: 'e' + n });
  assert.deepEqual(s.open().filter((r) => r.method === 'GET').map(numbers), [[7, 8]]);
});

test('a part cut off is signed and sent again after backoff; the others go on', () => {
  const s = multipart();
  signAll(s);
  const [p1, p2] = puts(s);
  s.answer(p1, 0);
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
  s.answer(p2, 200, '', { ETag: 'e2' });
  s.timers.tick(1000);
  assert.deepEqual(numbers(s.open().at(-1)), [1], 'part 1 signed again');
  signAll(s);
  assert.equal(puts(s).at(-1).url, 'http://bucket.test/part1');
});

test('parts cut off together wait as one: 1 s each, then 2 s each', () => {
  const s = multipart();
  signAll(s);
  for (const p of puts(s)) s.answer(p, 0);
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…', 'Connection lost, retrying in 1 s…', 'Connection lost, retrying in 1 s…']);
  s.timers.tick(1000);
  signAll(s);
  assert.equal(puts(s).length, 3, 'all three sent again after 1 s');
  for (const p of puts(s)) s.answer(p, 0);
  assert.deepEqual(s.said.slice(3), ['Connection lost, retrying in 2 s…', 'Connection lost, retrying in 2 s…', 'Connection lost, retrying in 2 s…']);
});

test('a part without progress for options.stall counts as cut off', () => {
  const s = multipart();
  signAll(s);
  const [p1] = puts(s);
  s.timers.tick(s.page.options.stall);
  assert.equal(p1.aborted, true);
  assert.equal(s.said[0], 'Connection lost, retrying in 1 s…');
});

test('patience runs out after options.retries: the upload stays kept, to resume', () => {
  const s = multipart();
  for (let i = 0; i <= s.page.options.retries; i++) {
    signAll(s);
    s.answer(puts(s)[0], 0);
    s.timers.tick(16000);
  }
  assert.equal(s.done.length, 1);
  assert.equal(s.done[0].message, 'The upload failed: the network connection was lost.');
  assert.equal(s.open().length, 0, 'the other parts stopped');
  assert.notEqual(s.localStorage.getItem(s.mark), null);
});

test('after a reload the kept upload lists its parts and sends only the missing', () => {
  const kept = { ['sticky:' + JSON.stringify([base, 'doc', 'film mov.bin', 12 * MiB, 7])]: JSON.stringify({ key: 'tmp/k2', id: 'U1', expires: 1, etags: [null, 'e2'] }) };
  const s = multipart(kept);
  const list = s.open()[0];
  assert.equal(list.method, 'GET');
  assert.equal(list.url, base + 'multipart/U1?key=tmp%2Fk2');
  // Part 2 was acknowledged and is there; part 1 was cut off, and part 3
  // is not what the bucket acknowledged.
  s.answer(list, 200, JSON.stringify([{ PartNumber: 1, ETag: 'x', Size: 3 }, { PartNumber: 2, ETag: 'e2', Size: 5 * MiB }, { PartNumber: 3, ETag: 'y', Size: 2 * MiB }]));
  assert.deepEqual(s.said, ['Resuming at 41 %…']);
  assert.deepEqual(s.open().map(numbers), [[1, 3]]);
  signAll(s);
  for (const p of puts(s)) s.answer(p, 200, '', { ETag: 'e' + p.url.at(-1) });
  assert.deepEqual(JSON.parse(s.open()[0].body).parts.map((p) => p.ETag), ['e1', 'e2', 'e3']);
});

test('a kept upload the bucket no longer has starts again', () => {
  const kept = { ['sticky:' + JSON.stringify([base, 'doc', 'film mov.bin', 12 * MiB, 7])]: JSON.stringify({ key: 'k', id: 'OLD', expires: 1 }) };
  const s = multipart(kept);
  s.answer(s.open()[0], 410, '{"is_valid":false,"errors":{"upload":["gone"]}}');
  assert.equal(s.open()[0].url, base + 'multipart');
});

test('cancel aborts what runs, aborts the multipart upload and forgets it', () => {
  const s = multipart();
  signAll(s);
  const running = puts(s);
  s.job.cancel();
  assert.ok(running.every((r) => r.aborted));
  const del = s.sent.at(-1);
  assert.equal(del.method, 'DELETE');
  assert.equal(del.url, base + 'multipart/U1?key=tmp%2Fk2');
  assert.equal(s.localStorage.getItem(s.mark), null);
  assert.deepEqual(s.done, [], 'a cancelled upload is not done');
});

test('a claim the server is still busy with (409) is asked again', () => {
  const s = setup(3);
  s.answer(s.open()[0], 200, JSON.stringify({ method: 'PUT', url: 'http://bucket.test/b/k', headers: {}, key: 'k' }));
  s.answer(s.open()[0], 204);
  s.answer(s.open()[0], 409, '{"is_valid":false,"errors":{"upload":["busy"]}}');
  s.timers.tick(1000);
  s.answer(s.open()[0], 200, stored);
  assert.equal(s.done[0].ok, true);
});

// A browser that takes SHA-256s: a fake digest, the length's low byte 32 times.
const hashing = {
  btoa,
  crypto: { subtle: { digest: async (algorithm, buffer) => (assert.equal(algorithm, 'SHA-256'), new Uint8Array(32).fill(buffer.byteLength % 256).buffer) } },
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('with SHA-256s: the file sent whole declares its checksum, and a PUT the bucket refuses (400: spoilt) is sent again', async () => {
  const s = setup(3, {}, hashing);
  await settle();
  const sum = encodeURIComponent(Buffer.alloc(32, 3).toString('base64'));
  assert.equal(s.open()[0].url, base + 'params?filename=film%20mov.bin&type=video%2Fquicktime&metadata[field]=doc&size=3&sha256=' + sum + '&method=PUT');
  s.answer(s.open()[0], 200, JSON.stringify({ method: 'PUT', url: 'http://bucket.test/b/k', headers: { 'x-amz-checksum-sha256': 'S' }, key: 'k' }));
  s.answer(s.open()[0], 400, '<Error><Code>BadDigest</Code></Error>');
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
  s.timers.tick(1000);
  assert.equal(s.open()[0].method, 'PUT');
  assert.equal(s.open()[0].headers['x-amz-checksum-sha256'], 'S');
  s.answer(s.open()[0], 200);
  s.answer(s.open()[0], 200, stored);
  assert.equal(s.done[0].ok, true);
});

test('with SHA-256s: the multipart upload asks for them, each part is signed with its own, and a part refused (400) is sent again', async () => {
  const s = setup(12 * MiB, undefined, hashing);
  const create = s.open()[0];
  assert.equal(JSON.parse(create.body).checksum, 'sha256');
  s.answer(create, 200, '{"key":"tmp/k2","uploadId":"U1"}');
  await settle();
  const five = Buffer.alloc(32, (5 * MiB) % 256).toString('base64'), two = Buffer.alloc(32, (2 * MiB) % 256).toString('base64');
  assert.equal(s.open()[0].url, base + `multipart/U1/batch?key=tmp%2Fk2&partNumbers=1,2,3&sizes=${5 * MiB},${5 * MiB},${2 * MiB}&sha256=` +
    encodeURIComponent([five, five, two].join()));
  signAll(s);
  const [p1] = puts(s);
  s.answer(p1, 400, '<Error><Code>BadDigest</Code></Error>');
  assert.deepEqual(s.said, ['Connection lost, retrying in 1 s…']);
  s.timers.tick(1000);
  await settle();
  assert.match(s.open().at(-1).url, /multipart\/U1\/batch\?.*partNumbers=1&.*&sha256=/, 'part 1 signed again');
  signAll(s);
  for (const p of puts(s)) s.answer(p, 200, '', { ETag: '"E' + /part(\d)/.exec(p.url)[1] + '"' });
  await settle();
  signAll(s);
  for (const p of puts(s)) s.answer(p, 200, '', { ETag: '"E' + /part(\d)/.exec(p.url)[1] + '"' });
  const complete = s.open()[0];
  assert.match(complete.url, /multipart\/U1\/complete/);
  assert.deepEqual(JSON.parse(complete.body).parts, [
    { PartNumber: 1, ETag: '"E1"', ChecksumSHA256: five },
    { PartNumber: 2, ETag: '"E2"', ChecksumSHA256: five },
    { PartNumber: 3, ETag: '"E3"', ChecksumSHA256: two },
  ], 'each part with its checksum, so that the bucket need not list them');
});
