'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page } = require('./fakedom.js');

test('partsOf: a wrapper\'s own parts, not its rows\'', () => {
  const { ctx, document, list, h } = page();
  const w = list();
  document.body.append(w);
  const row = w.querySelector('template').content.firstElementChild.cloneNode(true);
  w.querySelector('.sticky-list').append(row);
  const parts = ctx.partsOf(w);
  assert.equal(parts.input, w.querySelector('input[type=file]'));
  assert.equal(parts.remove, null, 'the row\'s button is the row\'s');
  assert.equal(parts.status, w.querySelector('.sticky-status'));
  const rowParts = ctx.partsOf(row);
  assert.equal(rowParts.remove, row.querySelector('.sticky-remove'));
  assert.equal(rowParts.input, parts.input, 'a row uploads through its wrapper\'s input');
  assert.equal(rowParts.ref, row.querySelector('input[type=hidden]'));
  assert.equal(ctx.own(w, '.sticky-name'), null);
  w.append(h('span', { class: 'sticky-name' }));
  assert.ok(ctx.own(w, '.sticky-name'));
});

test('partsOf: a single field\'s reference is the hidden input named _F', () => {
  const { ctx, document, h, single } = page();
  const w = single();
  w.children.unshift(h('input', { type: 'hidden', name: 'csrf' }));
  w.children[0].parentNode = w;
  document.body.append(w);
  assert.equal(ctx.partsOf(w).ref.name, '_doc');
});

test('visible, focusFirst, sizeOption, fieldOf', () => {
  const { ctx, document, single } = page();
  const w = single({ 'data-chunk-size': '2MiB', 'data-field': 'other' });
  document.body.append(w);
  const p = ctx.partsOf(w);
  assert.equal(ctx.visible(p.replace), false);
  assert.equal(ctx.visible(p.input), true);
  assert.equal(ctx.focusFirst([null, p.retry, p.input]), true);
  assert.equal(document.activeElement, p.input);
  w.hidden = true;
  assert.equal(ctx.visible(p.input), false, 'inside something hidden');
  assert.equal(ctx.focusFirst([p.input]), false);
  assert.equal(ctx.sizeOption(w, 'chunk-size', 1), 2 << 20);
  assert.equal(ctx.sizeOption(w, 'chunk-threshold', 7), 7);
  assert.equal(ctx.fieldOf(w), 'other');
  w.removeAttribute('data-field');
  assert.equal(ctx.fieldOf(w), 'doc');
});

test('fire: sticky: events bubble with their detail; a listener may cancel', () => {
  const { ctx, document, single } = page();
  const w = single();
  document.body.append(w);
  let seen;
  document.addEventListener('sticky:try', (e) => { seen = e.detail; e.preventDefault(); });
  assert.equal(ctx.fire(w, 'try', { a: 1 }), true, 'not cancelable unless asked');
  assert.equal(ctx.fire(w, 'try', { a: 2 }, true), false);
  assert.deepEqual(seen, { a: 2 });
});
