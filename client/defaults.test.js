'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { load } = require('./load.js');

const { messages, options } = load(['defaults']);

test('messages the brief fixes', () => {
  assert.equal(messages.cancelled, 'Upload cancelled.');
  assert.equal(messages.removed, 'File removed.');
  assert.equal(messages.waiting, 'Waiting for the upload to finish…');
  assert.equal(messages.uploaded, '{name} uploaded.');
});

test('docs/client.md lists every message with its default', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'client.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `(\w+)` \| `([^`]*)` \|$/gm)].map((m) => [m[1], m[2]]));
  for (const [key, text] of Object.entries(messages)) assert.equal(rows.get(key), text, key);
});

test('options: the documented defaults', () => {
  assert.equal(options.chunkThreshold, 8 << 20);
  assert.equal(options.chunkSize, 5 << 20);
  assert.equal(options.concurrency, 3);
  assert.ok(options.retries >= 4 && options.retries <= 10);
  assert.ok(options.stall >= 30000);
});

test('messagesOf: the wrapper\'s data-messages over the defaults, read once', () => {
  const states = new Map();
  const page = load(['defaults'], { states });
  const wrapper = (json) => ({ getAttribute: (name) => (name === 'data-messages' ? json : null) });
  const german = wrapper('{"removed":"Datei entfernt."}');
  states.set(german, {});
  const msgs = page.messagesOf(german);
  assert.equal(msgs.removed, 'Datei entfernt.');
  assert.equal(msgs.cancelled, 'Upload cancelled.', 'what the server leaves out stays English');
  page.messages.cancelled = 'Stopped.';
  assert.equal(msgs.cancelled, 'Stopped.', 'a page\'s change shows through');
  assert.equal(page.messagesOf(german), msgs);
  for (const broken of [null, '', 'not json', '"text"', '42']) {
    assert.equal(page.messagesOf(wrapper(broken)).removed, 'File removed.', String(broken));
  }
});
