'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { load, storage } = require('./load.js');
const { dom } = require('./fakedom.js');

const all = fs.readdirSync(path.join(__dirname, 'src')).map((f) => f.replace(/\.js$/, '')).filter((f) => f !== 'boot').concat('boot');

class XMLHttpRequest { constructor() { this.upload = {}; } }
class FormData {}
class MutationObserver {
  constructor(fn) { MutationObserver.last = this; this.fn = fn; }
  observe(target, how) { this.target = target; this.how = how; }
}

function boot(globals = {}) {
  const { document, h, globals: domGlobals } = dom();
  const window = {};
  const localStorage = storage({
    'sticky:["/t/","doc","old.bin",1,1]': JSON.stringify({ url: 'u', expires: Date.now() - 1 }),
    'sticky:["/t/","doc","new.bin",1,1]': JSON.stringify({ url: 'u', expires: Date.now() + 1e6 }),
  });
  const single = h('div', { 'data-sticky': true, 'data-endpoint': '/uploads/' },
    h('input', { type: 'file', name: 'doc' }), h('input', { type: 'hidden', name: '_doc' }));
  document.body.append(single);
  const ctx = load(all, { ...domGlobals, window, localStorage, XMLHttpRequest, FormData, WeakMap, MutationObserver, ...globals });
  return { ctx, window, document, single, localStorage, h };
}

test('a browser without what the script needs gets a global that does nothing', () => {
  const { window, single } = boot({ XMLHttpRequest: class {} });
  assert.equal(window.StickyUploads.supported, false);
  window.StickyUploads.bind();
  assert.ok(!single.classList.contains('sticky-js'));
});

test('one global; fields bound now and when markup is added; expired uploads forgotten', () => {
  const { ctx, window, single, localStorage, document, h } = boot();
  const api = window.StickyUploads;
  assert.equal(api.supported, true);
  assert.equal(api.messages, ctx.messages);
  assert.equal(api.options, ctx.options);
  assert.ok(single.classList.contains('sticky-js'));
  assert.deepEqual([...localStorage.map.keys()], ['sticky:["/t/","doc","new.bin",1,1]']);
  const added = h('div', { 'data-sticky': true, 'data-endpoint': '/uploads/' },
    h('input', { type: 'file', name: 'b' }), h('input', { type: 'hidden', name: '_b' }));
  document.body.append(h('section', {}, added));
  MutationObserver.last.fn([{ addedNodes: [added.parentNode, { nodeType: 3 }] }]);
  assert.ok(added.classList.contains('sticky-js'));
  assert.equal(MutationObserver.last.target, document.documentElement);
});

test('loaded twice, the script starts once', () => {
  const { ctx, window, document } = boot();
  const first = window.StickyUploads;
  const listeners = document.listeners.length;
  vm.runInContext(fs.readFileSync(path.join(__dirname, 'src', 'boot.js'), 'utf8'), ctx);
  assert.equal(window.StickyUploads, first);
  assert.equal(document.listeners.length, listeners);
});

test('while the page loads, binding waits for DOMContentLoaded', () => {
  const { document, h, globals, Event } = dom();
  document.readyState = 'loading';
  const wrapper = h('div', { 'data-sticky': true, 'data-endpoint': '/uploads/' },
    h('input', { type: 'file', name: 'doc' }), h('input', { type: 'hidden', name: '_doc' }));
  document.body.append(wrapper);
  load(all, { ...globals, window: {}, localStorage: storage(), XMLHttpRequest, FormData, WeakMap, MutationObserver });
  assert.ok(!wrapper.classList.contains('sticky-js'));
  document.dispatchEvent(new Event('DOMContentLoaded'));
  assert.ok(wrapper.classList.contains('sticky-js'));
});
