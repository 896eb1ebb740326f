// A small DOM for the unit tests: elements built with h(), compound
// selectors joined by commas (tag, .class, [attr], [attr=value]), events
// that bubble and can be cancelled. Enough for the script, nothing more.
'use strict';

class Event {
  constructor(type, init = {}) {
    this.type = type;
    this.bubbles = !!init.bubbles;
    this.cancelable = !!init.cancelable;
    this.detail = init.detail;
    this.defaultPrevented = false;
    this.stopped = false;
    Object.assign(this, init.props);
  }
  preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
  stopPropagation() { this.stopped = true; }
}

class Target {
  constructor() { this.listeners = []; }
  addEventListener(type, fn, capture) { this.listeners.push({ type, fn, capture: !!capture }); }
  fire(event, capture) {
    for (const l of this.listeners) if (l.type === event.type && l.capture === capture && !event.stopped) l.fn.call(this, event);
  }
}

// [[tag, [[name, value|null]...], [classes]]...] of a selector list.
function parse(selectors) {
  return selectors.split(',').map((s) => {
    const m = /^\s*([a-z]*)((?:\.[\w-]+|\[[\w-]+(?:=(?:"[^"]*"|[\w-]+))?\])*)\s*$/i.exec(s);
    if (!m) throw new Error('fakedom: unsupported selector ' + s);
    const classes = [];
    const attrs = [];
    for (const [, cls, name, , value] of m[2].matchAll(/\.([\w-]+)|\[([\w-]+)(?:=("?)([^"\]]*)\3)?\]/g)) {
      if (cls) classes.push(cls);
      else attrs.push([name, value === undefined ? null : value]);
    }
    return [m[1].toLowerCase(), attrs, classes];
  });
}

class Element extends Target {
  constructor(doc, tag) {
    super();
    this.ownerDocument = doc;
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.children = [];
    this.parentNode = null;
    this.text = '';
    this.value = '';
    this.checked = false;
    this.required = false;
    this.files = null;
    this.nodeType = 1;
    const el = this;
    this.classList = {
      add(c) { if (!this.contains(c)) el.setAttribute('class', (el.getAttribute('class') || '') + ' ' + c); },
      contains(c) { return (el.getAttribute('class') || '').split(/\s+/).includes(c); },
    };
    if (this.tagName === 'TEMPLATE') this.content = new Element(doc, 'fragment');
  }
  getAttribute(n) { return this.attributes.has(n) ? this.attributes.get(n) : null; }
  setAttribute(n, v) { this.attributes.set(n, String(v)); }
  removeAttribute(n) { this.attributes.delete(n); }
  hasAttribute(n) { return this.attributes.has(n); }
  get hidden() { return this.hasAttribute('hidden'); }
  set hidden(on) { if (on) this.setAttribute('hidden', ''); else this.removeAttribute('hidden'); }
  get type() { return this.getAttribute('type') || ''; }
  get name() { return this.getAttribute('name') || ''; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(''); }
  set textContent(s) { this.children = []; this.text = String(s); }
  get form() { return this.closest('form'); }
  get elements() { return this.querySelectorAll('input'); }
  get firstElementChild() { return this.children[0] || null; }
  get nextElementSibling() { const s = this.parentNode && this.parentNode.children; return s ? s[s.indexOf(this) + 1] || null : null; }
  get previousElementSibling() { const s = this.parentNode && this.parentNode.children; return s ? s[s.indexOf(this) - 1] || null : null; }
  matches(selectors) {
    return parse(selectors).some(([tag, attrs, classes]) => (!tag || tag === this.tagName.toLowerCase()) &&
      classes.every((c) => this.classList.contains(c)) &&
      attrs.every(([n, v]) => this.hasAttribute(n) && (v === null || this.getAttribute(n) === v)));
  }
  closest(selectors) {
    for (let el = this; el instanceof Element; el = el.parentNode) if (el.matches(selectors)) return el;
    return null;
  }
  querySelectorAll(selectors) {
    const out = [];
    const walk = (el) => el.children.forEach((c) => { if (c.matches(selectors)) out.push(c); walk(c); });
    walk(this);
    return out;
  }
  querySelector(selectors) { return this.querySelectorAll(selectors)[0] || null; }
  contains(other) {
    for (let el = other; el; el = el.parentNode) if (el === this) return true;
    return false;
  }
  append(...nodes) {
    for (const n of nodes) {
      if (n.parentNode) n.remove();
      n.parentNode = this;
      this.children.push(n);
    }
  }
  remove() {
    if (!this.parentNode) return;
    this.parentNode.children.splice(this.parentNode.children.indexOf(this), 1);
    this.parentNode = null;
  }
  cloneNode() {
    const c = new Element(this.ownerDocument, this.tagName);
    this.attributes.forEach((v, n) => c.attributes.set(n, v));
    c.text = this.text;
    this.children.forEach((k) => c.append(k.cloneNode()));
    return c;
  }
  focus() { this.ownerDocument.activeElement = this; }
  click() { this.dispatchEvent(new Event('click', { bubbles: true, cancelable: true })); }
  dispatchEvent(event) {
    event.target = event.target || this;
    const path = [];
    for (let n = this; n; n = n.parentNode || (n === this.ownerDocument.documentElement ? this.ownerDocument : null)) path.push(n);
    for (const n of path.slice().reverse()) n.fire(event, true);
    for (const n of event.bubbles ? path : [this]) n.fire(event, false);
    return !event.defaultPrevented;
  }
}

class Document extends Target {
  constructor() {
    super();
    this.documentElement = new Element(this, 'html');
    this.body = new Element(this, 'body');
    this.documentElement.append(this.body);
    this.activeElement = this.body;
    this.readyState = 'complete';
  }
  querySelectorAll(s) { return this.documentElement.querySelectorAll(s); }
  querySelector(s) { return this.documentElement.querySelector(s); }
  dispatchEvent(event) { event.target = event.target || this; this.fire(event, true); this.fire(event, false); return !event.defaultPrevented; }
}

// A document, h(tag, attrs, ...children) to build into it (a string child
// is text; attrs {hidden: true} sets a boolean attribute), and the globals
// the script looks for.
function dom() {
  const document = new Document();
  const h = (tag, attrs = {}, ...children) => {
    const el = new Element(document, tag);
    for (const [n, v] of Object.entries(attrs)) if (v !== false) el.setAttribute(n, v === true ? '' : v);
    for (const c of children) {
      if (typeof c === 'string') el.text += c;
      else if (el.content) el.content.append(c);
      else el.append(c);
    }
    return el;
  };
  class CustomEvent extends Event {}
  const globals = {
    document, CustomEvent, Event,
    HTMLFormElement: class { static [Symbol.hasInstance](el) { return el instanceof Element && el.tagName === 'FORM'; } },
    CSS: { escape: (s) => String(s).replace(/["\\]/g, '\\$&') },
  };
  return { document, h, globals, Event };
}

// The markup the Go side renders, reduced to what the script reads: a
// single field named doc, or a list named photos.
function single(h, attrs = {}) {
  return h('div', { class: 'sticky', 'data-sticky': true, 'data-endpoint': '/uploads/', ...attrs },
    h('input', { type: 'file', name: 'doc' }), h('input', { type: 'hidden', name: '_doc' }),
    h('span', { class: 'sticky-kept', hidden: true }, h('span', { class: 'sticky-name' }), h('span', { class: 'sticky-size' })),
    h('label', { class: 'sticky-remove-nojs' }, h('input', { type: 'checkbox' })),
    h('button', { class: 'sticky-replace', hidden: true }, 'Replace'), h('button', { class: 'sticky-remove', hidden: true }, 'Remove'),
    h('progress', { class: 'sticky-progress', hidden: true }), h('button', { class: 'sticky-cancel', hidden: true }, 'Cancel'),
    h('button', { class: 'sticky-retry', hidden: true }, 'Retry'),
    h('p', { class: 'sticky-error' }), h('p', { class: 'sticky-status' }));
}

function list(h, attrs = {}) {
  return h('div', { class: 'sticky', 'data-sticky': true, 'data-endpoint': '/uploads/', ...attrs },
    h('input', { type: 'file', name: 'photos', multiple: true }),
    h('ul', { class: 'sticky-list', hidden: true }),
    h('template', { class: 'sticky-item-template' }, h('li', { class: 'sticky-item' },
      h('input', { type: 'hidden', name: '_photos' }), h('span', { class: 'sticky-name' }), h('span', { class: 'sticky-size' }),
      h('progress', { class: 'sticky-progress' }), h('button', { class: 'sticky-cancel' }, 'Cancel'),
      h('button', { class: 'sticky-retry' }, 'Retry'), h('button', { class: 'sticky-remove' }, 'Remove'),
      h('p', { class: 'sticky-error' }))),
    h('p', { class: 'sticky-status' }));
}

// Every module but boot.js in a page, with its state maps made, a clock,
// and uploads that only record themselves: uploads[i].done(reply) ends one.
function page(extra = {}) {
  const { load, clock, storage } = require('./load.js');
  const { document, h, globals, Event } = dom();
  const timers = clock();
  const ctx = load(['defaults', 'format', 'reply', 'dom', 'announce', 'resume', 'tus-protocol', 'queue', 'oneshot', 'tus', 'direct',
    'widget', 'field', 'list', 'upload', 'form', 'input'], {
    ...globals, window: {}, localStorage: storage(), setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, ...extra,
  });
  ctx.states = new WeakMap();
  ctx.pending = new WeakMap();
  const uploads = [];
  const transport = (kind) => (upload) => {
    const job = { kind, ...upload, cancelled: false, cancel() { job.cancelled = true; } };
    uploads.push(job);
    return job;
  };
  ctx.oneShot = transport('oneShot');
  ctx.resumable = transport('resumable');
  ctx.toBucket = transport('toBucket');
  const events = [];
  for (const type of ['before-upload', 'start', 'progress', 'success', 'error', 'cancel', 'remove', 'complete']) {
    document.addEventListener('sticky:' + type, (e) => events.push(type));
  }
  const ok = (name, extraData = {}) => ({ ok: true, status: 200, data: { is_valid: true, filename: name, size: 2048, stored: 'REF-' + name, ...extraData } });
  return { ctx, document, h, timers, uploads, events, ok, Event, single: (a) => single(h, a), list: (a) => list(h, a) };
}

const file = (name, size = 100) => ({ name, size, type: 'image/png', lastModified: 1 });

module.exports = { dom, page, file };
