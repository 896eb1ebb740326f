// The scenarios that matter to users, in one browser: the one named by
// STICKY_BROWSER ("chromium" or "firefox"), driven by puppeteer-core
// (Chromium over the DevTools protocol, Firefox over WebDriver BiDi).
// TestBrowsers (browsers_test.go) starts the servers, sets the
// environment and runs this file once per browser with `node --test`.
//
//   STICKY_BROWSER_PATH  the browser's program (Debian's)
//   STICKY_PUPPETEER     the installed puppeteer-core package
//   STICKY_DEMO          the demo, behind a proxy that can slow its uploads
//   STICKY_CLIENT        the client tests' server (/single, /multi)
//   STICKY_CONTROL       sets the slowing and the cut, reads what the servers saw
//   STICKY_USER, STICKY_PASSWORD  the demo's user
//   STICKY_FILES         JSON: each file to upload, by role
//   STICKY_DIRECT_DEMO   the demo with -direct, against versitygw through a
//                        cable the control server cuts; or STICKY_DIRECT_SKIP,
//                        why there is none
import test from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {basename} from 'node:path';

const env = process.env;
const browserName = env.STICKY_BROWSER;
const puppeteer = createRequire(import.meta.url)(env.STICKY_PUPPETEER);
const driverVersion = JSON.parse(readFileSync(env.STICKY_PUPPETEER + '/package.json')).version;
const files = JSON.parse(env.STICKY_FILES);
const demo = env.STICKY_DEMO;
const client = env.STICKY_CLIENT;

const timeout = 90_000; // one scenario, browser start included
const waitShort = 15_000; // a page-side change after an action
const waitUpload = 45_000; // a whole slowed upload

const fileInput = 'input[type=file][name="file"]';
const cancelBtn = '[data-sticky] .sticky-cancel';
const retryBtn = '[data-sticky] .sticky-retry';
const submitOfDoc = 'form:has(input[type=file][name="file"]) :is(button:not([type]), button[type=submit], input[type=submit])';

// ---- The browser ----

// launch starts the browser headless with a fresh profile, for one test;
// it is closed when the test ends. Every connection but to 127.0.0.1 goes
// to a proxy that does not exist: the browsers reach nothing else.
async function launch(t, {javaScript = true} = {}) {
  const opts = {
    browser: browserName === 'firefox' ? 'firefox' : 'chrome',
    executablePath: env.STICKY_BROWSER_PATH,
    headless: true,
    defaultViewport: {width: 1000, height: 700},
    handleSIGINT: true,
    handleSIGTERM: true,
  };
  if (browserName === 'firefox') {
    opts.protocol = 'webDriverBiDi';
    opts.extraPrefsFirefox = {
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': 9,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': 9,
      'network.proxy.no_proxies_on': '127.0.0.1',
      'network.proxy.allow_hijacking_localhost': false,
      'network.dns.disablePrefetch': true,
    };
    // Firefox 153 has no BiDi emulation.setScriptingEnabled: turn
    // JavaScript off in the profile instead.
    if (!javaScript) opts.extraPrefsFirefox['javascript.enabled'] = false;
  } else {
    // Loopback bypasses the proxy by default.
    opts.args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-component-update',
      '--proxy-server=http://127.0.0.1:9'];
  }
  const browser = await puppeteer.launch(opts);
  t.after(() => browser.close());
  const [page = await browser.newPage()] = await browser.pages();
  const problems = [];
  // Firefox reports a connection to another origin cut off (the bucket's,
  // when a scenario cuts it) as an error of the page: not a problem.
  page.on('pageerror', (e) => { if (!/CORS request did not succeed/.test(e.message)) problems.push('exception: ' + e.message); });
  // A refused upload or a form with errors is logged as a failed load: not a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push('console.error: ' + m.text()); });
  t.after(() => { if (problems.length) t.diagnostic('page errors: ' + problems.join(' | ')); });
  if (!javaScript && browserName !== 'firefox') await page.setJavaScriptEnabled(false);
  t.diagnostic(`${await browser.version()}, puppeteer-core ${driverVersion}`);
  return page;
}

async function control(method, path) {
  const r = await fetch(env.STICKY_CONTROL + path, {method});
  const body = await r.text();
  assert.ok(r.ok, `control ${method} ${path}: ${r.status} ${body}`);
  return body ? JSON.parse(body) : null;
}

const throttle = (bps) => control('POST', '/throttle?bps=' + bps);

// ---- Navigation and forms ----

async function login(page, site = demo) {
  await page.goto(site + '/login');
  await page.type('input[name="username"]', env.STICKY_USER);
  await page.type('input[name="password"]', env.STICKY_PASSWORD);
  await submit(page, 'form:has(input[name="password"]) :is(button:not([type]), button[type=submit], input[type=submit])');
  assert.equal(path(page), '/', 'after signing in');
}

// submit clicks a submit button and waits for the page it leads to.
async function submit(page, selector = submitOfDoc) {
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click(selector)]);
}

const path = (page) => new URL(page.url()).pathname;

async function choose(page, selector, ...paths) {
  const input = await page.$(selector);
  assert.ok(input, 'no ' + selector);
  await input.uploadFile(...paths);
}

async function setTitle(page, title) {
  await page.$eval('[name="title"]', (el) => { el.value = ''; });
  await page.type('[name="title"]', title);
}

// waitFor polls fn(...args) in the page until it returns something truthy,
// and returns that; on timeout it fails with what and the last value of
// the page's report.
async function waitFor(page, what, fn, args = [], ms = waitShort, report = widgetState) {
  try {
    const h = await page.waitForFunction(fn, {timeout: ms, polling: 50}, ...args);
    return await h.jsonValue();
  } catch (e) {
    let last = '?';
    try { last = JSON.stringify(await page.evaluate(report)); } catch { /* the page is gone */ }
    throw new Error(`waiting ${ms / 1000}s for ${what}: ${e.message}\nlast seen: ${last}`);
  }
}

// ---- The demo's sticky field "file" ----

// widgetState is what a person sees of the sticky field "file" (runs in
// the page).
function widgetState() {
  const input = document.querySelector('input[type=file][name="file"]');
  const w = input && input.closest('[data-sticky]');
  if (!w) return null;
  const q = (s) => w.querySelector(s);
  const vis = (el) => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
  const txt = (el) => el ? el.textContent.trim() : '';
  const ref = w.querySelector('input[type=hidden][name="_file"]');
  const progress = q('.sticky-progress');
  return {
    ref: ref ? ref.value : '',
    files: input.files ? input.files.length : 0,
    required: input.required,
    keptVisible: vis(q('.sticky-kept')),
    keptName: txt(q('.sticky-name')),
    progressVisible: vis(progress),
    progress: progress ? Number(progress.value) : 0,
    cancelVisible: vis(q('.sticky-cancel')),
    retryVisible: vis(q('.sticky-retry')),
    removeVisible: vis(q('.sticky-remove')),
    noJSVisible: vis(q('.sticky-remove-nojs')),
    status: txt(q('.sticky-status')),
    error: txt(q('.sticky-error')),
    focus: document.activeElement === document.body ? '' : document.activeElement.className || document.activeElement.tagName,
  };
}

// waitState waits until cond(state) holds, cond a function source over s.
function waitState(page, what, cond, ms = waitShort) {
  return waitFor(page, what, new Function(`const s = (${widgetState})(); return s && (${cond}) ? s : null;`), [], ms);
}

// recordWidget keeps, in window.__rec, every text the status region shows
// and whether the progress bar showed, so short-lived states are not
// missed between two polls.
function recordWidget() {
  const w = document.querySelector('input[type=file][name="file"]').closest('[data-sticky]');
  const rec = window.__rec = {statuses: [], progressSeen: false, maxProgress: 0};
  const st = w.querySelector('.sticky-status'), pr = w.querySelector('.sticky-progress');
  const check = () => {
    const s = st.textContent.trim();
    if (s && rec.statuses[rec.statuses.length - 1] !== s) rec.statuses.push(s);
    if (pr && !pr.closest('[hidden]')) {
      rec.progressSeen = true;
      rec.maxProgress = Math.max(rec.maxProgress, Number(pr.value));
    }
  };
  new MutationObserver(check).observe(w, {subtree: true, childList: true, characterData: true, attributes: true});
}

// recordFormData notes, in sessionStorage, what the next form post sends.
function recordFormData() {
  sessionStorage.removeItem('e2e-formdata');
  const form = document.querySelector('input[type=file]').form;
  form.addEventListener('formdata', (e) => {
    const out = {};
    for (const [k, v] of e.formData) (out[k] = out[k] || []).push(v instanceof File ? 'file:' + v.size : String(v));
    sessionStorage.setItem('e2e-formdata', JSON.stringify(out));
  });
}

const formData = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e-formdata') || 'null'));

function sha256(file) {
  const b = readFileSync(file);
  return {sha256: createHash('sha256').update(b).digest('hex'), size: b.length};
}

// checkDocument checks that / lists the document titled title and that its
// download link, fetched by the page, has the local file's bytes.
async function checkDocument(t, page, title, local, site = demo) {
  if (path(page) !== '/') await page.goto(site + '/');
  const got = await page.evaluate(async (title) => {
    const doc = [...document.querySelectorAll('.document')].find((d) => d.querySelector('.document-title').textContent.trim() === title);
    if (!doc) return {error: 'not listed: ' + document.body.innerText};
    const href = doc.querySelector('a[href$="/file"]').href;
    const r = await fetch(href);
    const b = await r.arrayBuffer();
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
    return {status: r.status, size: b.byteLength, sha256: [...h].map((x) => x.toString(16).padStart(2, '0')).join('')};
  }, title);
  assert.equal(got.error, undefined, got.error);
  assert.equal(got.status, 200, 'downloading the document');
  assert.deepEqual({sha256: got.sha256, size: got.size}, sha256(local), 'the downloaded file is not the chosen file');
  t.diagnostic(`downloaded ${title}: ${got.size} bytes, the same as the chosen file`);
}

async function wantTempStoreEmpty(when, ms = 3000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await control('GET', '/temp-files');
    if (!left || left.length === 0) return;
    assert.ok(Date.now() < deadline, `${when} the demo's temporary store still holds ${JSON.stringify(left)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- Scenarios: the demo ----

test('a sticky field uploads in the background and keeps the file across a validation error', {timeout}, async (t) => {
  const page = await launch(t);
  await login(page);
  await page.goto(demo + '/documents/new');
  let s = await page.evaluate(widgetState);
  assert.ok(s.required && !s.keptVisible && s.ref === '', 'the empty form: ' + JSON.stringify(s));
  const local = files.kept, name = basename(local);

  await throttle(1 << 20); // the 3 MiB take about 3 s
  t.after(() => throttle(0));
  await page.evaluate(recordWidget);
  await choose(page, fileInput, local);
  s = await waitState(page, 'the progress bar', 's.progressVisible && s.progress >= 15');
  assert.ok(s.cancelVisible, 'Cancel is hidden during the upload: ' + JSON.stringify(s));
  s = await waitState(page, 'the reference of the finished upload', "s.ref !== '' && !s.progressVisible", waitUpload);
  await throttle(0);
  assert.ok(s.keptVisible && s.keptName === name, 'after the upload the widget does not show the kept file: ' + JSON.stringify(s));
  const rec = await page.evaluate(() => window.__rec);
  t.diagnostic('status messages: ' + JSON.stringify(rec.statuses) + ', progress seen up to ' + rec.maxProgress + '%');
  assert.ok(rec.progressSeen, 'the progress bar never showed');
  assert.ok(rec.statuses.some((m) => m.includes(name)), 'the live region never announced the upload: ' + JSON.stringify(rec.statuses));

  // The title left empty: the form comes back with the file, by reference.
  await page.evaluate(recordFormData);
  await submit(page);
  assert.equal(path(page), '/documents/new', 'after submitting without a title');
  let sent = await formData(page);
  assert.deepEqual(sent.file ?? ['file:0'], ['file:0'], 'the form post sent the bytes again');
  assert.equal(sent._file?.length, 1, 'the form post has no _file');
  assert.ok(await page.evaluate(() => {
    const title = document.querySelector('[name="title"]');
    return title.getAttribute('aria-invalid') === 'true' ||
      [...document.querySelectorAll('[role=alert], .error, .field-error, [id$="-error"]')].some((el) => /title/i.test(el.textContent));
  }), 'the re-rendered form shows no error for the empty title');
  s = await page.evaluate(widgetState);
  assert.ok(s.keptVisible && s.keptName === name && s.ref !== '', 'the re-rendered form does not keep the file: ' + JSON.stringify(s));
  assert.equal(s.ref, sent._file[0], 'the hidden _file does not carry the posted reference');
  assert.ok(!s.required, 'the input is still required although a file is kept');

  const title = `Harbour at dusk (${browserName})`;
  await setTitle(page, title);
  await page.evaluate(recordFormData);
  await submit(page);
  assert.equal(path(page), '/', 'after submitting the corrected form: ' + await page.evaluate(() => document.body.innerText));
  sent = await formData(page);
  assert.deepEqual(sent.file ?? ['file:0'], ['file:0'], 'the second form post sent the bytes again');
  await checkDocument(t, page, title, local);
  await wantTempStoreEmpty('after the document was saved');
});

test('Cancel stops an upload and Retry uploads the file again', {timeout}, async (t) => {
  const page = await launch(t);
  await login(page);
  await page.goto(demo + '/documents/new');
  const local = files.cancel;
  await throttle(256 << 10); // 2 MiB take about 8 s
  t.after(() => throttle(0));
  await choose(page, fileInput, local);
  await waitState(page, 'the upload to run', 's.progressVisible && s.cancelVisible');

  await page.click(cancelBtn);
  let s = await waitState(page, 'the cancelled state', '/cancel/i.test(s.status) && s.retryVisible');
  assert.ok(s.ref === '' && !s.progressVisible && !s.cancelVisible, 'after Cancel: ' + JSON.stringify(s));
  await wantTempStoreEmpty('after the cancelled upload', 10_000);

  await page.click(retryBtn);
  s = await waitState(page, 'the reference of the retried upload', "s.ref !== '' && !s.progressVisible", waitUpload);
  assert.ok(!s.retryVisible && s.keptVisible, 'after the retried upload: ' + JSON.stringify(s));
  await throttle(0);

  const title = `Scanned page (${browserName})`;
  await setTitle(page, title);
  await submit(page);
  assert.equal(path(page), '/', 'after submitting the form');
  await checkDocument(t, page, title, local);
});

// recordRequests keeps in window.__xhr every request the page's script
// sends: its method, URL and, once it ends, its status (0: cut off).
function recordRequests() {
  const open = XMLHttpRequest.prototype.open;
  const sent = window.__xhr = [];
  XMLHttpRequest.prototype.open = function (method, url) {
    const r = {method, url: String(url), status: -1, at: Math.round(performance.now())};
    sent.push(r);
    this.addEventListener('loadend', () => { r.status = this.status; r.took = Math.round(performance.now()) - r.at; });
    return open.apply(this, arguments);
  };
}

const puts = (page) => page.evaluate(() => window.__xhr.filter((r) => r.method === 'PUT').map((r) => r.status));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = 1 << 20;

// A 200 MiB file in 40 parts of 5 MiB, each with its SHA-256: a byte of
// one part is spoilt on the way and the bucket refuses it (400) until it
// is sent again whole; the connection to the bucket is cut, and the parts
// go on once it is back; the page is reloaded mid-way, the same file
// chosen again, and only the parts the bucket lacks are sent. The app
// reads a few kilobytes, its memory stays flat, and the saved document is
// the file chosen, byte for byte.
test('a 200 MiB file goes straight to the bucket through a spoilt part, a cut and a reload', {timeout: 240_000}, async (t) => {
  if (!env.STICKY_DIRECT_DEMO) return t.skip(env.STICKY_DIRECT_SKIP);
  const site = env.STICKY_DIRECT_DEMO, local = files.direct, parts = 40, reloadAt = 20;
  const page = await launch(t);
  await page.evaluateOnNewDocument(recordRequests);
  await login(page, site);
  await page.goto(site + '/documents/new');
  await control('POST', '/direct/throttle?bps=' + 8 * MiB); // each part's connection
  t.after(() => control('POST', '/direct/throttle?bps=0'));
  await control('POST', '/direct/spoil?at=' + (MiB + 12345));
  const app = await control('GET', '/direct/app');
  const began = Date.now();
  await page.evaluate(recordWidget);
  await choose(page, fileInput, local);
  await waitState(page, 'some progress', 's.progress >= 10', 60_000);
  assert.ok(await control('GET', '/direct/spoilt'), 'no byte was spoilt in the first 20 MiB');

  // The connection to the bucket is cut, and back after a while.
  // (The live region may say the same words as for the spoilt part.)
  await control('POST', '/direct/cut');
  await waitFor(page, 'the cut told', () => window.__xhr.some((r) => r.method === 'PUT' && r.status === 0) &&
    /retrying/.test(document.querySelector('[data-sticky] .sticky-status').textContent), [], waitShort);
  await sleep(1500);
  await control('POST', '/direct/connect');

  // Once half the parts are in the bucket, reload.
  await waitFor(page, `${reloadAt} parts in the bucket`, (n) => window.__xhr.filter((r) => r.method === 'PUT' && r.status === 200).length >= n, [reloadAt], 90_000);
  const before = await puts(page);
  const sent = before.filter((s) => s === 200).length;
  t.diagnostic('PUTs before the reload: ' + before.join(' '));
  t.diagnostic('timeline: ' + JSON.stringify(await page.evaluate(() => window.__xhr.filter((r) => r.method === 'PUT').map((r) => [/partNumber=(\d+)/.exec(r.url)?.[1], r.at, r.took, r.status]))));
  assert.equal(before.filter((s) => s === 400).length, 1, 'the bucket did not refuse the one part spoilt');
  await page.goto(site + '/documents/new');
  await waitState(page, 'the interruption told', '/interrupted/.test(s.status)');
  await choose(page, fileInput, local);
  const s = await waitState(page, 'the upload', "s.ref !== '' || s.error !== ''", 120_000);
  assert.equal(s.error, '', 'the upload failed');
  const took = (Date.now() - began) / 1000, used = await control('GET', '/direct/app');
  const after = await puts(page);
  t.diagnostic('PUTs after the reload: ' + after.join(' '));
  assert.ok(after.length > 0 && after.filter((s) => s === 200).length <= parts - sent,
    `after the reload ${after.length} PUTs, want at most the ${parts - sent} parts missing`);
  const listed = await page.evaluate(() => window.__xhr.filter((r) => r.method === 'GET' && /\/s3\/multipart\/[^/]+\?/.test(r.url)).length);
  assert.equal(listed, 1, 'the parts were not listed once after the reload');
  const read = used.Read - app.Read, grew = used.Peak - app.RSS;
  t.diagnostic(`${took} s; the app read ${read} bytes in all (sockets and files); its resident memory was ${app.RSS / MiB | 0} MiB before and peaked at ${used.Peak / MiB | 0} MiB`);
  assert.ok(read < MiB, `the app read ${read} bytes during a direct upload`);
  assert.ok(grew < 48 * MiB, `the app's peak resident memory grew ${grew / MiB | 0} MiB during a direct upload`);

  const title = `Survey (${browserName})`;
  await setTitle(page, title);
  await submit(page);
  assert.equal(path(page), '/', 'after submitting the form');
  await checkDocument(t, page, title, local, site);
});

// Two scenarios run in Chromium alone, for what the driver cannot do in
// Firefox ESR 153 over WebDriver BiDi: its key actions reach a focused
// button (keydown, keypress, keyup) without activating it, and it has no
// command to turn scripting off. Native buttons and a plain form post are
// the browser's own, with nothing of sticky's script in the way.
const chromiumOnly = browserName === 'chromium' ? test : () => {};

chromiumOnly('the buttons work from the keyboard', {timeout}, async (t) => {
  const page = await launch(t);
  await login(page);
  await page.goto(demo + '/documents/new');
  await throttle(256 << 10);
  t.after(() => throttle(0));
  await choose(page, fileInput, files.keyboard);
  await waitState(page, 'the upload to run', 's.progressVisible && s.cancelVisible');

  // Tab from the file input reaches Cancel; Enter presses it.
  await page.evaluate((src) => { window.__widgetState = src; }, widgetState.toString());
  await page.focus(fileInput);
  const tabs = await tabTo(page, '.sticky-cancel');
  t.diagnostic(`Cancel is ${tabs} Tab(s) after the file input`);
  await page.evaluate(() => {
    window.__keys = [];
    for (const type of ['keydown', 'keypress', 'keyup', 'click']) {
      document.addEventListener(type, (e) => window.__keys.push(`${type} ${e.key || ''} on ${e.target.className || e.target.tagName}`), true);
    }
  });
  await page.keyboard.press('Enter');
  let s = await waitFor(page, 'the cancelled state', new Function(`const s = (${widgetState})(); return s && /cancel/i.test(s.status) && s.retryVisible ? s : null;`),
    [], waitShort, () => ({state: (0, eval)('(' + window.__widgetState + ')()'), events: window.__keys}));
  assert.equal(s.focus, 'sticky-retry', 'after Cancel the focus is not on Retry');
  // Space presses Retry.
  await page.keyboard.press(' ');
  await waitState(page, 'the retried upload to run', "s.progressVisible || s.ref !== ''");
  await throttle(0);
  s = await waitState(page, 'the reference of the retried upload', "s.ref !== '' && !s.progressVisible", waitUpload);
  assert.ok(s.keptVisible && s.removeVisible, 'the kept file offers no Remove: ' + JSON.stringify(s));

  // Remove, reached by Tab, empties the field.
  await page.focus(fileInput);
  await tabTo(page, '.sticky-remove');
  await page.keyboard.press('Enter');
  s = await waitState(page, 'the field to be empty', "s.ref === '' && !s.keptVisible");
  assert.ok(s.required, 'with its file removed the required field is not required again');
  assert.notEqual(s.focus, '', 'after Remove the focus fell back to the page');
});

// tabTo presses Tab until the focus is on the element with the class, at
// most eight times, and returns how many presses it took.
async function tabTo(page, cls) {
  for (let i = 1; i <= 8; i++) {
    await page.keyboard.press('Tab');
    const on = await page.evaluate((sel) => document.activeElement.matches(sel), '[data-sticky] ' + cls);
    if (on) return i;
  }
  const focus = await page.evaluate(() => document.activeElement.outerHTML.slice(0, 120));
  assert.fail(`eight Tabs from the file input never reached ${cls}; the focus is on ${focus}`);
}

chromiumOnly('without JavaScript the plain post keeps the file', {timeout}, async (t) => {
  const page = await launch(t, {javaScript: false});
  t.diagnostic('launched');
  await login(page);
  t.diagnostic('signed in');
  await page.goto(demo + '/documents/new');
  t.diagnostic('opened the form');
  const local = files.noscript, name = basename(local);
  const enhanced = () => document.querySelector('[data-sticky]').classList.contains('sticky-js');
  assert.equal(await page.evaluate(enhanced), false, 'the script ran: JavaScript is not off');
  await choose(page, fileInput, local);
  await submit(page); // the title is empty
  assert.equal(path(page), '/documents/new', 'after submitting without a title');
  const s = await page.evaluate(widgetState);
  assert.ok(s.keptVisible && s.keptName === name && s.ref !== '', 'the re-rendered form does not keep the file: ' + JSON.stringify(s));
  assert.ok(!s.required, 'the input is still required although a file is kept');
  assert.ok(s.noJSVisible, 'the kept file has no visible Remove checkbox');
  assert.equal(s.files, 0, 'the re-rendered input holds files');
  assert.equal(await page.evaluate(enhanced), false, 'the script ran: JavaScript is not off');

  const title = `Meeting notes (${browserName})`;
  await setTitle(page, title);
  await submit(page);
  assert.equal(path(page), '/', 'after submitting the corrected form');
  await checkDocument(t, page, title, local);
});

// ---- Scenarios: the client tests' server ----

// clientWatch records, in window.__e2e, every text of the status regions.
function clientWatch() {
  const rec = window.__e2e = {statuses: []};
  const note = (el) => {
    const s = el.textContent.trim();
    if (s && rec.statuses[rec.statuses.length - 1] !== s) rec.statuses.push(s);
  };
  for (const el of document.querySelectorAll('.sticky-status')) {
    note(el);
    new MutationObserver(() => note(el)).observe(el, {subtree: true, childList: true, characterData: true});
  }
}

const clientRecord = () => window.__e2e;

async function clientOpen(page, p) {
  const r = await page.goto(client + p);
  assert.equal(r.status(), 200, 'opening ' + p);
  await page.evaluate(clientWatch);
}

// rows reads the rows of the list in the wrapper (runs in the page).
function rows(sel) {
  const w = document.querySelector(sel);
  const vis = (el) => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
  return [...w.querySelectorAll('.sticky-item')].map((li) => ({
    name: li.querySelector('.sticky-name').textContent.trim(),
    ref: (li.querySelector('input[type=hidden]') || {}).value || '',
    state: li.getAttribute('data-sticky-state') || '',
    error: (li.querySelector('.sticky-error') || {}).textContent || '',
    visible: [...li.querySelectorAll('button')].filter(vis).map((b) => b.className.replace('sticky-', '')),
    progress: vis(li.querySelector('.sticky-progress')),
  }));
}

function waitRows(page, sel, n, ms = waitUpload) {
  return waitFor(page, `${n} settled rows`, new Function('sel', 'n',
    `const r = (${rows})(sel); return r.length === n && r.every((x) => !x.progress && x.state !== 'uploading') ? r : null;`),
  [sel, n], ms, clientRecord);
}

async function clientSubmit(page) {
  await page.evaluate(recordFormData);
  await submit(page, 'form button[type=submit]');
  const result = await page.evaluate(() => JSON.parse(document.getElementById('result').textContent || 'null'));
  return {result, sent: await formData(page)};
}

const photos = '[data-sticky]:has(input[name="photos"])';

test('a field of several files: chosen together, and dropped', {timeout}, async (t) => {
  const page = await launch(t);
  await clientOpen(page, '/multi');
  await choose(page, 'input[name="photos"]', files.photo, files.notes, files.pdf);
  const got = await waitRows(page, photos, 3);
  await waitFor(page, 'the live region to sum up', () => window.__e2e.statuses.includes('2 of 3 files uploaded.'), [], waitShort, clientRecord);
  t.diagnostic('statuses: ' + JSON.stringify((await page.evaluate(clientRecord)).statuses));
  const ok = got.filter((r) => r.ref), bad = got.filter((r) => !r.ref);
  assert.equal(ok.length, 2, 'rows: ' + JSON.stringify(got));
  assert.equal(bad[0]?.name, 'refused.pdf', 'rows: ' + JSON.stringify(got));
  assert.ok(bad[0].error && bad[0].state === 'failed' && bad[0].visible.includes('remove'), 'the refused row: ' + JSON.stringify(bad[0]));
  for (const r of ok) assert.deepEqual([r.state, r.visible], ['done', ['remove']], 'an uploaded row: ' + JSON.stringify(r));

  await page.click(photos + ' .sticky-item[data-sticky-state="failed"] .sticky-remove');
  await waitRows(page, photos, 2, waitShort);
  const {result, sent} = await clientSubmit(page);
  assert.deepEqual(sent.photos, ['file:0'], 'the form post sent bytes');
  assert.equal(sent._photos?.length, 2, 'the form post did not carry two references');
  assert.equal(result.error, '', 'the server read: ' + JSON.stringify(result));
  for (const f of result.files) {
    const local = {'harbour.png': files.photo, 'notes.txt': files.notes}[f.name];
    assert.ok(local, 'the server got ' + f.name);
    assert.deepEqual({sha256: f.sha256, size: f.size}, sha256(local), f.name + ' on the server');
  }
  assert.equal((await page.evaluate(rows, photos)).filter((r) => r.ref).length, 2, 'the re-rendered form does not keep both');

  // Drag and drop: two files made in the page, dropped on a fresh field.
  await clientOpen(page, '/multi');
  const drop = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const dt = new DataTransfer();
    dt.items.add(new File(['x'.repeat(5000)], 'one.txt', {type: 'text/plain'}));
    dt.items.add(new File(['y'.repeat(7000)], 'two.txt', {type: 'text/plain'}));
    const fire = (type) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
    fire('dragenter');
    fire('dragover');
    const shown = el.closest('[data-sticky]').hasAttribute('data-sticky-drop');
    const taken = !fire('drop');
    return {shown, taken};
  }, photos + ' input[type=file]');
  assert.deepEqual(drop, {shown: true, taken: true}, 'the drop');
  const dropped = await waitRows(page, photos, 2);
  assert.ok(dropped.every((r) => r.ref && r.state === 'done'), 'the dropped rows: ' + JSON.stringify(dropped));
  const after = await clientSubmit(page);
  assert.deepEqual(after.result.files.map((f) => [f.name, f.size]), [['one.txt', 5000], ['two.txt', 7000]], 'the server read');
});

test('a big file over tus resumes after the connection is cut', {timeout}, async (t) => {
  const cutAt = 4 << 20, cutAfter = 1536 << 10;
  await control('POST', `/cut?at=${cutAt}&after=${cutAfter}&left=8`);
  t.after(() => control('POST', '/cut?at=0&left=0&after=0'));
  const before = (await control('GET', '/tus-calls') ?? []).length;
  const page = await launch(t);
  await clientOpen(page, '/single?chunk-size=4MiB');
  await choose(page, 'input[name="doc"]', files.big);
  const ref = await waitFor(page, 'the reference', () => document.querySelector('input[type=hidden][name="_doc"]').value, [], 60_000, clientRecord);
  const calls = (await control('GET', '/tus-calls')).slice(before);
  t.diagnostic('tus requests: ' + calls.map((c) => `${c.Method} ${c.Status} offset=${c.Offset}${c.Cut ? ' CUT' : ''}`).join(', '));
  const cut = calls.findIndex((c) => c.Cut), head = calls.findIndex((c) => c.Method === 'HEAD');
  assert.ok(cut >= 0, 'no PATCH was cut');
  assert.ok(head > cut, 'no HEAD after the cut PATCH');
  const resumed = calls[head].Offset;
  assert.ok(resumed >= cutAt, `the server had ${resumed} bytes after the cut: the first chunk was lost?`);
  assert.equal(calls.slice(head).find((c) => c.Method === 'PATCH')?.Offset, resumed, 'the script did not PATCH from the offset HEAD gave');
  assert.equal(calls.filter((c) => c.Method === 'POST').length, 1, 'the upload was created more than once');
  assert.deepEqual(await control('GET', `/sum?field=doc&ref=${encodeURIComponent(ref)}`), sha256(files.big), 'the server has other bytes');
  await waitFor(page, 'the live region to say it is done', () => window.__e2e.statuses.includes('cut.bin uploaded.'), [], waitShort, clientRecord);
  const {statuses} = await page.evaluate(clientRecord);
  t.diagnostic('statuses: ' + JSON.stringify(statuses));
  assert.ok(statuses.some((s) => s.startsWith('Connection lost')), 'the live region never said the connection was lost');
  // The script speaks at most once a second: "Resuming at" may give way to
  // "uploaded." when the rest goes fast.
  if (!statuses.some((s) => s.startsWith('Resuming at '))) t.diagnostic('note: the live region did not say "Resuming at"');
});

test('the live region announces, politely, and errors are alerts', {timeout}, async (t) => {
  const page = await launch(t);
  await clientOpen(page, '/single');
  const roles = await page.evaluate(() => {
    const w = document.querySelector('[data-sticky]');
    const st = w.querySelector('.sticky-status'), err = w.querySelector('.sticky-error');
    const input = w.querySelector('input[type=file]');
    return {
      status: [st.getAttribute('role'), st.getAttribute('aria-live')],
      error: err.getAttribute('role'),
      describedBy: (input.getAttribute('aria-describedby') || '').split(/\s+/).includes(st.id),
    };
  });
  assert.deepEqual(roles, {status: ['status', 'polite'], error: 'alert', describedBy: true}, 'the widget\'s live regions');
  await choose(page, 'input[name="doc"]', files.small);
  await waitFor(page, 'the live region to say hello.txt is uploaded', () => window.__e2e.statuses.includes('hello.txt uploaded.'), [], waitShort, clientRecord);
  t.diagnostic('statuses: ' + JSON.stringify((await page.evaluate(clientRecord)).statuses));
});

test('a slow check after 100 %: "Checking…" announced, the submission waits, then the file is kept', {timeout}, async (t) => {
  const page = await launch(t);
  await clientOpen(page, '/single');
  await choose(page, 'input[name="doc"]', files.checked);
  await waitFor(page, '"Checking…" after 100 %', () => {
    const w = document.querySelector('[data-sticky]');
    return w.getAttribute('data-sticky-state') === 'checking' && window.__e2e.statuses.includes('Checking checked notes.txt…');
  }, [], waitUpload, clientRecord);
  await page.evaluate(recordFormData);
  const navigated = page.waitForNavigation({waitUntil: 'load', timeout: waitUpload});
  await page.click('form button[type=submit]');
  await waitFor(page, 'the submission to wait', () => window.__e2e.statuses.some((s) => s.startsWith('Waiting for the upload')), [], waitShort, clientRecord);
  await control('POST', '/release');
  await navigated;
  const result = await page.evaluate(() => JSON.parse(document.getElementById('result').textContent || 'null'));
  assert.equal(result?.error, '', 'the server read: ' + JSON.stringify(result));
  assert.deepEqual({sha256: result.files[0].sha256, size: result.files[0].size}, sha256(files.checked), 'the kept file on the server');
  assert.deepEqual((await formData(page)).doc ?? ['file:0'], ['file:0'], 'the form post sent the bytes again');
});

test('the widget and sticky\'s messages follow the browser\'s language', {timeout}, async (t) => {
  const page = await launch(t);
  await page.setExtraHTTPHeaders({'Accept-Language': 'de-DE,de;q=0.9,en;q=0.5'});
  await login(page);
  await page.goto(demo + '/documents/new');
  const labels = await page.evaluate(() => [...document.querySelectorAll('[data-sticky] button')].map((b) => b.textContent));
  assert.deepEqual(labels, ['Ersetzen', 'Entfernen', 'Abbrechen', 'Erneut versuchen'], 'the German widget\'s buttons');

  // What the script says, from the widget's data-messages.
  await page.evaluate(recordWidget);
  await choose(page, fileInput, files.small);
  await waitState(page, 'the reference of the finished upload', "s.ref !== ''", waitUpload);
  const rec = await page.evaluate(() => window.__rec);
  assert.ok(rec.statuses.includes(basename(files.small) + ' hochgeladen.'), 'the live region in German: ' + JSON.stringify(rec.statuses));
  assert.equal((await page.evaluate(widgetState)).keptName, basename(files.small));

  // The server's refusal of a file over the limit (tus, before any byte), in German.
  await choose(page, fileInput, files.tooLarge);
  const s = await waitState(page, 'the German refusal', "s.error !== ''", waitUpload);
  assert.equal(s.error, 'Die Datei ist zu groß: Die Grenze liegt bei 20 MiB.');
});
