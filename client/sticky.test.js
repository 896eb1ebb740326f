// Checks over all the modules of the script together. Run: node --test client/
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, 'src');
const modules = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
const source = (f) => fs.readFileSync(path.join(dir, f), 'utf8');

test('the script never builds HTML from strings', () => {
  for (const f of modules) {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'createContextualFragment', 'DOMParser', '.style']) {
      assert.ok(!source(f).includes(sink), `${f} uses ${sink}`);
    }
  }
});

test('modules share one scope: no top-level name is declared twice', () => {
  const seen = new Map();
  for (const f of modules) {
    for (const [, name] of source(f).matchAll(/^(?:function|var) (\w+)/gm)) {
      assert.ok(!seen.has(name), `${name} is declared in ${seen.get(name)} and ${f}`);
      seen.set(name, f);
    }
  }
  assert.ok(seen.size > 50, `only ${seen.size} names: the pattern no longer finds them`);
});

test('modules are joined as they are: no strict mode, exports or wrapper of their own', () => {
  for (const f of modules) {
    const s = source(f);
    for (const bad of [/'use strict'/, /module\.exports/, /require\(/, /^(import|export) /m, /^\(function/m]) {
      assert.ok(!bad.test(s), `${f} matches ${bad}`);
    }
    // The joiner drops the lines that are only a comment: none may be in a string.
    assert.ok(!/^\s*\/\*/m.test(s), `${f} has a block comment the joiner would keep`);
  }
});

test('docs/client.md names every module', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'client.md'), 'utf8');
  for (const f of modules) assert.ok(doc.includes('| `' + f + '` |'), `${f} is not in docs/client.md`);
});
