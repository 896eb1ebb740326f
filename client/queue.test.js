'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, plain } = require('./load.js');

// The queue with a run() that starts a job which can be cancelled.
function setup(concurrency) {
  const page = load(['defaults', 'queue']);
  page.options.concurrency = concurrency;
  const ran = [];
  const cancelled = [];
  page.run = (item) => {
    ran.push(item.name);
    item.job = { running: true, cancel: () => cancelled.push(item.name) };
  };
  const item = (name) => { const it = { name }; page.enqueue(it); return it; };
  return { page, ran, cancelled, item };
}

test('at most options.concurrency run at once; the next starts when one ends', () => {
  const { page, ran, item } = setup(2);
  const [a] = ['a', 'b', 'c', 'd'].map(item);
  page.pump();
  assert.deepEqual(ran, ['a', 'b']);
  assert.equal(page.running, 2);
  a.job = null;
  page.release();
  assert.deepEqual(ran, ['a', 'b', 'c']);
  assert.equal(page.queue.length, 1);
});

test('stop: a queued upload leaves the queue, a running one frees its place', () => {
  const { page, ran, cancelled, item } = setup(1);
  const a = item('a');
  const b = item('b');
  const c = item('c');
  page.pump();
  assert.equal(page.stop(b), true);
  assert.deepEqual(plain(page.queue.map((it) => it.name)), ['c']);
  assert.equal(page.stop(a), true);
  assert.deepEqual(cancelled, ['a']);
  assert.deepEqual(ran, ['a', 'c']);
  assert.equal(page.running, 1);
  assert.equal(page.stop(b), false, 'nothing left to stop');
});
