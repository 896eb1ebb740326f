'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { page, file } = require('./fakedom.js');

function field() {
  const p = page();
  const w = p.single();
  p.document.body.append(w);
  p.ctx.listenForInput();
  const input = w.querySelector('input[type=file]');
  const send = (target, type, props) => {
    const e = new p.Event(type, { bubbles: true, cancelable: true, props });
    target.dispatchEvent(e);
    return e;
  };
  return { ...p, w, input, send, button: (n) => w.querySelector('.sticky-' + n) };
}

test('choosing a file binds the field and uploads it', () => {
  const { ctx, w, input, send, uploads } = field();
  input.files = [file('a.png')];
  send(input, 'change');
  assert.ok(ctx.states.get(w), 'bound on first use');
  assert.equal(uploads[0].file.name, 'a.png');
});

test('the buttons: cancel, retry, remove, replace', () => {
  const { w, input, send, uploads, button, ok, document } = field();
  input.files = [file('a.png')];
  send(input, 'change');
  button('cancel').click();
  assert.equal(uploads[0].cancelled, true);
  assert.equal(document.activeElement, button('retry'));
  button('retry').click();
  assert.equal(uploads.length, 2);
  uploads[1].done(ok('a.png'));
  let picked = 0;
  input.click = () => picked++;
  button('replace').click();
  assert.equal(picked, 1);
  button('remove').click();
  assert.equal(w.querySelector('input[type=hidden]').value, '');
});

test('files dragged over mark the wrapper; dropped, they upload', () => {
  const { w, send, uploads } = field();
  const transfer = { types: ['Files'], files: [file('d.png')] };
  const over = send(w, 'dragover', { dataTransfer: transfer });
  assert.equal(over.defaultPrevented, true);
  assert.equal(transfer.dropEffect, 'copy');
  assert.equal(w.hasAttribute('data-sticky-drop'), true);
  send(w, 'dragleave', { relatedTarget: null });
  assert.equal(w.hasAttribute('data-sticky-drop'), false);
  assert.equal(send(w, 'dragover', { dataTransfer: { types: ['text/plain'] } }).defaultPrevented, false, 'text is not ours');
  send(w, 'drop', { dataTransfer: transfer });
  assert.equal(uploads[0].file.name, 'd.png');
});

test('a paste on the page goes to the only field', () => {
  const { send, uploads, document } = field();
  const e = send(document.body, 'paste', { clipboardData: { files: [file('p.png')] } });
  assert.equal(e.defaultPrevented, true);
  assert.equal(uploads[0].file.name, 'p.png');
});
