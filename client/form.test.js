'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page, file } = require('./fakedom.js');

function form() {
  const p = page();
  const w = p.single();
  const l = p.list();
  const submit = p.h('button', { type: 'submit' }, 'Save');
  const f = p.h('form', {}, w, l, submit);
  const sent = [];
  f.requestSubmit = (submitter) => sent.push(submitter);
  p.document.body.append(f);
  p.ctx.scan();
  p.ctx.watchForms();
  const submitEvent = () => {
    const e = new p.Event('submit', { bubbles: true, cancelable: true, props: { submitter: submit } });
    f.dispatchEvent(e);
    return e;
  };
  return { ...p, w, l, f, submit, sent, submitEvent };
}

test('a submission waits for the uploads, then goes with its submitter', () => {
  const { ctx, w, l, sent, submit, submitEvent, uploads, ok } = form();
  ctx.chooseFile(w, [file('a.png')], 1);
  ctx.addFiles(l, [file('b.png')]);
  assert.equal(ctx.busy(w.form), true);
  const e = submitEvent();
  assert.equal(e.defaultPrevented, true);
  assert.equal(w.querySelector('.sticky-status').textContent, 'Waiting for the upload to finish…');
  uploads[0].done(ok('a.png'));
  assert.deepEqual(sent, [], 'one upload still going');
  uploads[1].done(ok('b.png'));
  assert.deepEqual(sent, [submit]);
  assert.equal(submitEvent().defaultPrevented, false, 'nothing to wait for');
});

test('a failed upload drops the submission held back', () => {
  const { ctx, w, sent, submitEvent, uploads } = form();
  ctx.chooseFile(w, [file('a.png')], 1);
  submitEvent();
  uploads[0].done({ ok: false, status: 500, message: 'x' });
  assert.deepEqual(sent, []);
});

test('the bytes of an uploaded single file are not posted; _F stands for them', () => {
  const { ctx, w, f, uploads, ok, Event } = form();
  const a = file('a.png');
  w.querySelector('input[type=file]').files = [a];
  ctx.chooseFile(w, [a], 1);
  uploads[0].done(ok('a.png'));
  const deleted = [];
  f.dispatchEvent(new Event('formdata', { bubbles: true, props: { formData: { delete: (n) => deleted.push(n) } } }));
  assert.deepEqual(deleted, ['doc']);
  const parameters = { doc: a, title: 'x' };
  f.dispatchEvent(new Event('htmx:configRequest', { bubbles: true, props: { detail: { parameters } } }));
  assert.deepEqual(Object.keys(parameters), ['title']);
  w.querySelector('input[type=file]').files = [file('other.png')];
  deleted.length = 0;
  f.dispatchEvent(new Event('formdata', { bubbles: true, props: { formData: { delete: (n) => deleted.push(n) } } }));
  assert.deepEqual(deleted, [], 'a file chosen since is posted');
});

test('resubmit: the submitter only if it is the form\'s; without requestSubmit, a click', () => {
  const { ctx, f, submit, sent, h } = form();
  ctx.resubmit(f, h('button'));
  assert.deepEqual(sent, [null]);
  delete f.requestSubmit;
  let clicked = 0;
  submit.click = () => clicked++;
  ctx.resubmit(f, submit);
  assert.equal(clicked, 1);
});
