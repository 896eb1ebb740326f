'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page } = require('./fakedom.js');

test('bind: a complete wrapper is bound once; incomplete markup is left alone', () => {
  const { ctx, document, single, list } = page();
  const w = single();
  const noEndpoint = single({ 'data-endpoint': false });
  const l = list();
  document.body.append(w, noEndpoint, l);
  ctx.scan();
  assert.ok(w.classList.contains('sticky-js'));
  assert.equal(w.querySelector('.sticky-remove-nojs').hidden, true);
  assert.equal(ctx.states.get(w).isList, false);
  assert.equal(ctx.states.get(l).isList, true);
  assert.equal(ctx.bind(noEndpoint), null);
  assert.ok(!noEndpoint.classList.contains('sticky-js'));
  assert.equal(ctx.bind(w), ctx.states.get(w), 'the same state again');
});

test('bind: an upload a reload interrupted is mentioned', () => {
  const { ctx, document, single, timers } = page();
  ctx.localStorage.setItem('sticky:' + JSON.stringify(['/uploads/tus/', 'doc', 'film.mov', 9, 1]), '{}');
  const w = single({ 'data-tus': '/uploads/tus/' });
  document.body.append(w);
  ctx.bind(w);
  timers.tick(0);
  assert.equal(w.querySelector('.sticky-status').textContent,
    'The upload of film.mov was interrupted. Choose the same file again to resume it.');
});

test('bind: a direct upload a reload interrupted is mentioned too', () => {
  const { ctx, document, single, timers } = page();
  ctx.localStorage.setItem('sticky:' + JSON.stringify(['/uploads/s3/', 'doc', 'film.mov', 9, 1]), '{}');
  const w = single({ 'data-direct': '/uploads/s3/' });
  document.body.append(w);
  ctx.bind(w);
  timers.tick(0);
  assert.match(w.querySelector('.sticky-status').textContent, /^The upload of film.mov was interrupted/);
});

test('render: the controls of each phase', () => {
  const { ctx, document, single } = page();
  const w = single();
  document.body.append(w);
  const item = ctx.bind(w);
  const shown = () => ['progress', 'cancel', 'retry', 'kept', 'replace', 'remove']
    .filter((n) => !w.querySelector('.sticky-' + n).hidden).join(' ');
  ctx.render(item, 'uploading');
  assert.equal(shown(), 'progress cancel');
  assert.equal(w.getAttribute('data-sticky-state'), 'uploading');
  ctx.render(item, 'failed');
  assert.equal(shown(), 'retry');
  item.refused = true; // refused for its size or type: it would fail again
  ctx.render(item, 'failed');
  assert.equal(shown(), '');
  item.refused = false;
  w.querySelector('input[type=hidden]').value = 'REF';
  ctx.render(item, 'done');
  assert.equal(shown(), 'kept replace remove');
  ctx.render(item, '');
  assert.equal(w.hasAttribute('data-sticky-state'), false);
});

test('render: focus on a control now hidden moves to a visible one', () => {
  const { ctx, document, single } = page();
  const w = single();
  document.body.append(w);
  const item = ctx.bind(w);
  ctx.render(item, 'uploading');
  w.querySelector('.sticky-cancel').focus();
  ctx.render(item, 'cancelled');
  assert.equal(document.activeElement, w.querySelector('.sticky-retry'));
});

test('syncRequired: a required field needs no file once one is kept', () => {
  const { ctx, document, single } = page();
  const w = single({ 'data-required': true });
  const optional = single();
  document.body.append(w, optional);
  ctx.scan();
  const input = w.querySelector('input[type=file]');
  ctx.syncRequired(w);
  assert.equal(input.required, true);
  w.querySelector('input[type=hidden]').value = 'REF';
  ctx.syncRequired(w);
  assert.equal(input.required, false);
  ctx.syncRequired(optional);
  assert.equal(optional.querySelector('input[type=file]').required, false);
});
