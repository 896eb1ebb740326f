'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page, file } = require('./fakedom.js');

test('sameFile', () => {
  const { ctx } = page();
  const a = { name: 'a.pdf', size: 3, type: 'application/pdf', lastModified: 1 };
  assert.equal(ctx.sameFile(a, a), true);
  assert.equal(ctx.sameFile(a, { ...a }), true);
  assert.equal(ctx.sameFile(a, { ...a, size: 4 }), false);
  assert.equal(ctx.sameFile(a, { ...a, lastModified: 2 }), false);
  assert.equal(ctx.sameFile(a, null), false);
  assert.equal(ctx.sameFile(undefined, undefined), false);
});

function field() {
  class DataTransfer {
    constructor() { this.list = []; this.items = { add: (f) => this.list.push(f) }; }
    get files() { return this.list; }
  }
  const p = page({ DataTransfer });
  const w = p.single();
  p.document.body.append(w);
  p.ctx.bind(w);
  return { ...p, w, input: w.querySelector('input[type=file]') };
}

test('chooseFile: a dropped file becomes the input\'s; the same file kept is not sent again', () => {
  const { ctx, w, input, uploads, ok } = field();
  const a = file('a.png');
  ctx.chooseFile(w, [a, file('b.png')]);
  assert.deepEqual(input.files, [a]);
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].file, a);
  uploads[0].done(ok('a.png'));
  ctx.chooseFile(w, [{ ...a }], 1);
  assert.equal(uploads.length, 1);
  ctx.chooseFile(w, [file('c.png')], 1);
  assert.equal(uploads.length, 2);
});

test('chooseFile: choosing nothing cancels the upload', () => {
  const { ctx, w, uploads } = field();
  ctx.chooseFile(w, [file('a.png')], 1);
  ctx.chooseFile(w, [], 1);
  assert.equal(uploads[0].cancelled, true);
  assert.equal(w.getAttribute('data-sticky-state'), 'cancelled');
});

test('keep unticks the no-script remove box', () => {
  const { ctx, w } = field();
  const box = w.querySelector('.sticky-remove-nojs').querySelector('input');
  box.checked = true;
  ctx.keep(w, ctx.partsOf(w));
  assert.equal(box.checked, false);
  assert.equal(w.hasAttribute('data-kept'), true);
});

test('remove: the field is empty again, the focus on its input', () => {
  const { ctx, w, input, uploads, ok, events, document } = field();
  ctx.chooseFile(w, [file('a.png')], 1);
  uploads[0].done(ok('a.png'));
  input.value = 'a.png';
  ctx.remove(ctx.states.get(w));
  assert.equal(w.querySelector('input[type=hidden]').value, '');
  assert.equal(input.value, '');
  assert.equal(w.hasAttribute('data-kept'), false);
  assert.equal(w.querySelector('.sticky-status').textContent, 'File removed.');
  assert.equal(document.activeElement, input);
  assert.equal(events.at(-1), 'remove');
});
