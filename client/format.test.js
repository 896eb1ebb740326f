'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./load.js');

const { fmt, formatSize, parseSize, percentOf, milestone, messages } = load(['defaults', 'format']);

test('formatSize matches the Go side (steps of 1024)', () => {
  // Expected values printed by sticky.SizeString.
  const cases = [
    [0, '0 bytes'], [1, '1 byte'], [2, '2 bytes'], [1023, '1023 bytes'], [1024, '1 KiB'],
    [1280, '1.2 KiB'], // an exact tie rounds to even, like Go's strconv
    [1331, '1.3 KiB'], [1536, '1.5 KiB'], [1792, '1.8 KiB'], [2304, '2.2 KiB'],
    [1048524, '1023.9 KiB'], [1048525, '1 MiB'], [1258291, '1.2 MiB'], [20971520, '20 MiB'],
    [12345678, '11.8 MiB'], [1073741824, '1 GiB'], [5497558138880, '5 TiB'], [1152921504606846976, '1024 PiB'],
  ];
  for (const [n, want] of cases) assert.equal(formatSize(n), want, `formatSize(${n})`);
});

test('formatSize gives nothing for nonsense', () => {
  for (const n of [-1, NaN, Infinity, undefined, null, '12']) assert.equal(formatSize(n), '');
});

test('parseSize reads sizes like the Go side (KiB is 1024, KB is 1000)', () => {
  const cases = [
    ['1000', 1000], ['5MiB', 5 << 20], ['5 MiB', 5 << 20], ['8MB', 8e6], ['512KiB', 512 << 10],
    ['512 kb', 512000], ['1.5GiB', 1.5 * (1 << 30)], ['1G', 1 << 30], ['2t', 2 * 2 ** 40], [' 64 ', 64], ['7b', 7],
  ];
  for (const [s, want] of cases) assert.equal(parseSize(s), want, s);
  for (const s of [null, undefined, '', 'MiB', '-1', '5 PiB', '1e6', 'five', '5 MiBs']) {
    assert.ok(Number.isNaN(parseSize(s)), String(s));
  }
});

test('percentOf', () => {
  assert.equal(percentOf(0, 0), 0);
  assert.equal(percentOf(5, 0), 0);
  assert.equal(percentOf(50, 200), 25);
  assert.equal(percentOf(199, 200), 99);
  assert.equal(percentOf(200, 200), 100);
  assert.equal(percentOf(300, 200), 100);
});

// Runs progress values through milestone() as the script does; returns what it says.
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
  assert.deepEqual(announced(Array.from({ length: 101 }, (_, i) => i)), [25, 50, 75]);
  assert.deepEqual(announced([0, 10, 24, 25, 25, 26, 49]), [25]);
});

test('milestones: a jump announces only the highest one reached', () => {
  assert.deepEqual(announced([3, 100]), [75]);
  assert.deepEqual(announced([30, 60, 61, 99, 100]), [25, 50, 75]);
  assert.equal(milestone(75, 100), 0);
  assert.equal(milestone(0, 24), 0);
});

test('fmt fills placeholders and leaves unknown ones', () => {
  assert.equal(fmt(messages.uploading, { name: 'report.pdf' }), 'Uploading report.pdf…');
  assert.equal(fmt(messages.progress, { name: 'a.png', percent: 50 }), 'a.png: 50% uploaded.');
  assert.equal(fmt('{name} {nope}', { name: '{percent}' }), '{percent} {nope}');
  assert.equal(fmt(messages.resuming, { percent: percentOf(42, 100) }), 'Resuming at 42 %…');
});

test('formatSize: in the words of a language', () => {
  const de = { byte: '1 Byte', bytes: '{n} Bytes', point: ',' };
  assert.equal(formatSize(1, de), '1 Byte');
  assert.equal(formatSize(812, de), '812 Bytes');
  assert.equal(formatSize(1.2 * 1024 * 1024, de), '1,2 MiB');
  assert.equal(formatSize(20 << 20, de), '20 MiB');
  assert.equal(formatSize(1.5 * 1024), '1.5 KiB');
});
