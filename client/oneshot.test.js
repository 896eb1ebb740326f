'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain, xhr } = require('./load.js');

class FormData {
  constructor() { this.fields = []; }
  append(name, value) { this.fields.push([name, value]); }
}

function setup() {
  const { XMLHttpRequest, sent } = xhr();
  const page = load(['defaults', 'format', 'reply', 'oneshot'], { XMLHttpRequest, FormData });
  const events = [];
  const file = { name: 'a.pdf', size: 10 };
  const job = page.oneShot({
    file, field: 'doc', url: '/uploads/',
    progress: (loaded, total) => events.push(['progress', loaded, total]),
    done: (reply) => events.push(['done', plain(reply)]),
  });
  return { job, request: sent[0], sent, events, file };
}

test('one POST to the endpoint: the field first, then the file', () => {
  const { request, sent, file } = setup();
  assert.equal(sent.length, 1);
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/uploads/');
  assert.deepEqual(request.headers, { Accept: 'application/json' });
  assert.deepEqual(request.body.fields, [['field', 'doc'], ['upload', file]]);
});

test('progress when the browser knows the total; the reply read once loaded', () => {
  const { request, events } = setup();
  request.upload.onprogress({ lengthComputable: false, loaded: 3 });
  request.upload.onprogress({ lengthComputable: true, loaded: 4, total: 10 });
  request.respond(200, '{"is_valid":true,"filename":"a.pdf","stored":"REF"}');
  assert.deepEqual(events, [
    ['progress', 4, 10],
    ['done', { ok: true, status: 200, data: { is_valid: true, filename: 'a.pdf', stored: 'REF' } }],
  ]);
});

test('a refusal and a lost connection give their sentences', () => {
  let s = setup();
  s.request.respond(413, '{"is_valid":false,"errors":{"upload":["Too large."]}}');
  assert.equal(s.events[0][1].message, 'Too large.');
  s = setup();
  s.request.respond(0);
  assert.equal(s.events[0][1].message, 'The upload failed: the network connection was lost.');
});

test('cancel aborts the request', () => {
  const { job, request } = setup();
  job.cancel();
  assert.equal(request.aborted, true);
});
