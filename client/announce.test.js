'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./load.js');
const { page } = require('./fakedom.js');

const { tally, messages, fmt, milestone, percentOf } = load(['defaults', 'format', 'announce']);

// Plays a batch through tally() like the script: files start, then settle
// one by one (true: uploaded, false: failed); returns what is said.
function play(names, outcomes) {
  const said = [];
  let busy = 0;
  let ok = 0;
  for (const n of names) said.push(tally('start', 0, 0, ++busy, n));
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
  const sizes = [10, 30, 60];
  const sent = [0, 0, 0];
  const said = [];
  let m = 0;
  for (let step = 0; step < 60; step++) {
    const i = step % 3;
    sent[i] = Math.min(sizes[i], sent[i] + 2);
    const next = milestone(m, percentOf(sent.reduce((a, b) => a + b), 100));
    if (next) { m = next; said.push(fmt(messages.progressMany, { count: 3, percent: next })); }
  }
  assert.deepEqual(said, ['3 files: 25% uploaded.', '3 files: 50% uploaded.', '3 files: 75% uploaded.']);
});

test('say: at most one sentence a second, the latest waiting wins, answers at once', () => {
  const { ctx, document, single, timers } = page();
  const w = single();
  document.body.append(w);
  ctx.bind(w);
  const status = w.querySelector('.sticky-status');
  ctx.say(w, 'one');
  assert.equal(status.textContent, 'one');
  ctx.say(w, 'two');
  ctx.say(w, 'three');
  ctx.say(w, 'progress', -1);
  assert.equal(status.textContent, 'one', 'held back for a second');
  timers.tick(1000);
  assert.equal(status.textContent, 'three');
  ctx.say(w, 'answer', 1);
  assert.equal(status.textContent, 'answer', 'an answer to the user is said now');
  timers.tick(1000);
  ctx.say(w, 'answer', 1);
  assert.equal(status.textContent, 'answer\u00a0', 'the same sentence again is changed, so it is heard');
  timers.tick(5000);
  assert.deepEqual(timers.pending(), []);
  ctx.say(w, null);
  assert.equal(status.textContent, 'answer\u00a0');
});
