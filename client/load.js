// Loads client modules for the unit tests: each file of src/ runs, in the
// order given, as a strict-mode script in one fresh vm context, so they
// share one scope as they do once joined. The context's globals are the
// modules' top-level names, plus the given globals.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

function load(modules, globals = {}) {
  const context = vm.createContext({ ...globals });
  for (const name of modules) {
    const file = path.join(__dirname, 'src', name + '.js');
    // On the first line, so that line numbers in errors stay right.
    vm.runInContext("'use strict'; " + fs.readFileSync(file, 'utf8'), context, { filename: file });
  }
  return context;
}

// A value made in a context as a plain value of this realm, for deepEqual.
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

// Timers run by hand: tick(ms) runs what is due.
function clock() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) { timers.set(next, { fn, at: now + (ms || 0) }); return next++; },
    clearTimeout(id) { timers.delete(id); },
    pending() { return [...timers.values()].map((t) => t.at - now); },
    tick(ms) {
      now += ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) return;
        timers.delete(due[0]);
        due[1].fn();
      }
    },
  };
}

// localStorage in memory; broken: every call throws, as in private modes.
function storage(entries = {}, broken = false) {
  const map = new Map(Object.entries(entries));
  const check = () => { if (broken) throw new Error('SecurityError'); };
  return {
    get length() { check(); return map.size; },
    key(i) { check(); return [...map.keys()][i] ?? null; },
    getItem(k) { check(); return map.has(k) ? map.get(k) : null; },
    setItem(k, v) { check(); map.set(k, String(v)); },
    removeItem(k) { check(); map.delete(k); },
    map,
  };
}

// XMLHttpRequest that records what is sent; a test answers with respond().
function xhr() {
  const sent = [];
  class XMLHttpRequest {
    constructor() {
      this.headers = {};
      this.upload = {};
      this.status = 0;
      this.responseText = '';
      this.responseHeaders = {};
      this.aborted = false;
    }
    open(method, url) { this.method = method; this.url = url; }
    setRequestHeader(name, value) { this.headers[name] = value; }
    getResponseHeader(name) { return this.responseHeaders[name] ?? null; }
    send(body) { this.body = body; sent.push(this); }
    abort() {
      this.aborted = true;
      this.status = 0;
      if (this.onloadend) this.onloadend();
    }
    respond(status, body = '', headers = {}) {
      this.status = status;
      this.responseText = body;
      this.responseHeaders = headers;
      const on = status ? this.onload : this.onerror;
      if (on) on();
      if (this.onloadend) this.onloadend();
    }
  }
  return { XMLHttpRequest, sent };
}

module.exports = { load, plain, clock, storage, xhr };
