'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./load.js');

const { errorMessage, readReply, rejected, messages } = load(['defaults', 'format', 'reply']);

test('errorMessage shows the server sentence verbatim', () => {
  const data = { is_valid: false, errors: { upload: ['The file is larger than 20 MiB.', 'second'] } };
  assert.equal(errorMessage(413, data), 'The file is larger than 20 MiB.');
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
  assert.equal(readReply(415, body).ok, false);
  assert.equal(readReply(415, body).message, 'Only PDF files are accepted.');
  assert.equal(readReply(200, body).message, 'Only PDF files are accepted.');
  assert.equal(readReply(502, '<html>Bad gateway</html>').message, 'The upload failed (HTTP 502).');
  assert.equal(readReply(0, '').message, 'The upload failed: the network connection was lost.');
  assert.equal(readReply(200, 'not json').ok, false);
});

test('readReply for tus: JSON or a plain sentence, never markup or tusd codes', () => {
  const r = (s, b) => readReply(s, b, messages, 1).message;
  assert.equal(r(415, 'Only images are accepted.\n'), 'Only images are accepted.');
  assert.equal(r(413, '{"is_valid":false,"errors":{"upload":["The file is larger than 20 MiB."]}}'), 'The file is larger than 20 MiB.');
  assert.equal(r(403, '<html>Forbidden</html>'), 'The upload failed (HTTP 403).');
  assert.equal(r(404, 'ERR_UPLOAD_NOT_FOUND: upload not found\n'), 'The upload failed (HTTP 404).');
  assert.equal(r(500, ''), 'The upload failed (HTTP 500).');
  assert.equal(r(0, ''), messages.network);
  assert.equal(r(204, ''), messages.badReply);
  // The one-shot endpoint keeps its contract: non-JSON is generic.
  assert.equal(readReply(415, 'Only images are accepted.').message, 'The upload failed (HTTP 415).');
});

test('rejected: only refusals of the file itself clear the input', () => {
  for (const s of [400, 403, 413, 415]) assert.equal(rejected(s), true, String(s));
  for (const s of [0, 200, 405, 429, 500, 502, 503, 507]) assert.equal(rejected(s), false, String(s));
});
