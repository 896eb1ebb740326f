/*! sticky.js: background uploads for sticky file fields; big files resumable
 * (tus), many files in lists. No dependencies. Docs: docs/client.md */
(function () {
  'use strict';

  // What the script says (StickyUploads.messages).
  var messages = {
    uploading: 'Uploading {name}…',
    uploadingMany: '{count} files uploading.',
    progress: '{name}: {percent}% uploaded.',
    progressMany: '{count} files: {percent}% uploaded.',
    uploaded: '{name} uploaded.',
    allUploaded: 'All {count} files uploaded.',
    someUploaded: '{done} of {count} files uploaded.',
    cancelled: 'Upload cancelled.',
    removed: 'File removed.',
    waiting: 'Waiting for the upload to finish…',
    retrying: 'Connection lost, retrying in {seconds} s…',
    resuming: 'Resuming at {percent} %…',
    interrupted: 'The upload of {name} was interrupted. Choose the same file again to resume it.',
    network: 'The upload failed: the network connection was lost.',
    http: 'The upload failed (HTTP {status}).',
    badReply: 'The upload failed: the server sent a reply that could not be read.'
  };

  // StickyUploads.options; data-chunk-threshold and data-chunk-size override.
  var options = {
    chunkThreshold: 8 << 20, // bigger files go through tus, if the wrapper has data-tus
    chunkSize: 5 << 20,
    concurrency: 3,          // uploads at once, in the whole page
    retries: 8,              // after a lost connection, waiting backoff(n) before each
    stall: 60000             // ms without progress that count as a lost connection
  };

  // ---- Pure helpers (tested in sticky.test.js) ----

  function fmt(template, vars) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && k in vars ? String(vars[k]) : m;
    });
  }

  // Bytes for people, like Go's sticky.SizeString: "812 bytes", "1.2 MB".
  function formatSize(n) {
    if (typeof n !== 'number' || !(n >= 0) || n === Infinity) return '';
    n = Math.floor(n);
    if (n < 1024) return n === 1 ? '1 byte' : n + ' bytes';
    var units = ['KB', 'MB', 'GB', 'TB', 'PB'], v = n, i = 0;
    for (;; i++) {
      v /= 1024;
      if (v < 1023.95 || i === units.length - 1) break;
    }
    // Go rounds exact ties to even, toFixed up: only x.25 differs.
    var s = (v % 1 === 0.25 ? v - 0.01 : v).toFixed(1);
    return s.replace(/\.0$/, '') + ' ' + units[i];
  }

  // "5MiB", "512 KB", "1000" to bytes (units of 1024), as Go's ParseSize; NaN if not.
  function parseSize(s) {
    var m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt]?)(?:i?b)?)\s*$/i.exec(s || '');
    return m ? Math.floor(m[1] * Math.pow(1024, ' kmgt'.indexOf((m[2] || ' ').toLowerCase()))) : NaN;
  }

  function percentOf(loaded, total) {
    if (!(total > 0) || !(loaded > 0)) return 0;
    return Math.min(100, Math.floor(loaded / total * 100));
  }

  // The milestone (25, 50, 75) to announce at percent after prev; 0 for none.
  function milestone(prev, percent) {
    var m = percent >= 75 ? 75 : percent >= 50 ? 50 : percent >= 25 ? 25 : 0;
    return m > prev ? m : 0;
  }

  // What to say of a batch of n files (ok done, busy going) on ev 'start',
  // 'ok' or 'bad'; null for nothing (a failure has its alert).
  function tally(ev, n, ok, busy, name, msgs) {
    msgs = msgs || messages;
    if (ev === 'start') return busy > 1 ? fmt(msgs.uploadingMany, { count: busy }) : fmt(msgs.uploading, { name: name });
    if (busy) return ev === 'ok' ? fmt(msgs.uploaded, { name: name }) : null;
    if (n === 1) return ok ? fmt(msgs.uploaded, { name: name }) : '';
    return fmt(ok === n ? msgs.allUploaded : msgs.someUploaded, { count: n, done: ok });
  }

  // A failure's sentence: the server's (errors.upload[0] first), else generic.
  function errorMessage(status, data, msgs) {
    msgs = msgs || messages;
    var errs = data && typeof data === 'object' && data.errors;
    if (errs && typeof errs === 'object') {
      var keys = ['upload'].concat(Object.keys(errs));
      for (var i = 0; i < keys.length; i++) {
        var list = errs[keys[i]];
        var first = Array.isArray(list) ? list[0] : list;
        if (typeof first === 'string' && first.trim()) return first;
      }
    }
    if (!status) return msgs.network;
    if (status >= 200 && status < 300) return msgs.badReply;
    return fmt(msgs.http, { status: status });
  }

  // {ok, data, status[, message]} of a reply; text: a plain-text body is the message.
  function readReply(status, body, msgs, text) {
    var data = null, t = String(body || '').trim();
    try { data = JSON.parse(body); } catch (e) { }
    if (status >= 200 && status < 300 && data && data.is_valid === true &&
        typeof data.stored === 'string' && data.stored) {
      return { ok: true, data: data, status: status };
    }
    return { ok: false, data: data, status: status, message: text && !data && status > 299 &&
      /^[^<]{1,300}$/.test(t) && !/^ERR_/.test(t) ? t : errorMessage(status, data, msgs) };
  }

  // The reply of the request completing a tus upload (Sticky-Reply read as UTF-8).
  function tusReply(ref, header, file) {
    var d = null;
    try { header = decodeURIComponent(escape(header)); } catch (e) { }
    try { d = JSON.parse(header); } catch (e) { }
    d = d && typeof d === 'object' ? d : {};
    d.is_valid = true;
    d.stored = ref;
    if (!d.filename) d.filename = file.name;
    if (typeof d.size !== 'number') d.size = file.size;
    if (!d.type) d.type = file.type;
    return d;
  }

  // The server refused the file itself: it leaves the input too.
  function rejected(status) {
    return status === 400 || status === 403 || status === 413 || status === 415;
  }

  // Worth sending a tus request again: network, offset conflict, lock, 429, 5xx.
  function retryable(s) {
    return !s || s === 409 || s === 423 || s === 429 || s >= 500 && s !== 501 && s !== 507;
  }

  // Wait before retry n+1: 1, 2, 4, 8, 16, 16… s.
  function backoff(n) {
    return Math.min(1000 * Math.pow(2, n), 16000);
  }

  // localStorage key of a file's unfinished tus upload.
  function fingerprint(file, field, endpoint) {
    return 'sticky:' + JSON.stringify([endpoint, field, file.name, file.size, file.lastModified]);
  }

  // Upload-Metadata: "key base64(UTF-8)", comma separated.
  function metadata(o) {
    return Object.keys(o).filter(function (k) { return o[k]; }).map(function (k) {
      return k + ' ' + btoa(unescape(encodeURIComponent(o[k])));
    }).join(',');
  }

  // The headers of a tus creation (off == null) or of a PATCH at off;
  // every request also gets Tus-Resumable: 1.0.0.
  function tusHeaders(file, field, off) {
    return off == null ? {
      'Upload-Length': String(file.size),
      'Upload-Metadata': metadata({ filename: file.name, filetype: file.type, field: field })
    } : { 'Upload-Offset': String(off), 'Content-Type': 'application/offset+octet-stream' };
  }

  // Upload-Offset as 0..size, else -1.
  function offsetOf(h, size) {
    var n = /^\d+$/.test(h) ? +h : -1;
    return n <= size ? n : -1;
  }

  // Same file, even as another File object.
  function sameFile(a, b) {
    return !!a && !!b && (a === b || (a.name === b.name && a.size === b.size &&
      a.type === b.type && a.lastModified === b.lastModified));
  }

  // ---- Browser part ----

  function init() {
    var ok = false;
    try {
      ok = typeof FormData === 'function' && typeof WeakMap === 'function' &&
        'upload' in new XMLHttpRequest();
    } catch (e) { }

    var W = '[data-sticky],[data-sticky-uploader]';
    // Element -> state. A single field's wrapper is its own item; a list has
    // an item a row: {el, w, file, job, done, reply, loaded}. Wrappers also
    // have b (the batch), m (milestone said), q, t (say throttle).
    var states = new WeakMap();
    var pending = new WeakMap();  // form -> submitter of a held-back submission
    var queue = [], running = 0;

    // The one global. Not "Sticky": sticky-header libraries use that name.
    window.StickyUploads = { supported: ok, messages: messages, options: options, bind: ok ? scan : function () {} };
    if (!ok) return;

    // The first match in el that is not in a row inside it.
    function q(el, sel) {
      var all = el.querySelectorAll(sel);
      for (var i = 0; i < all.length; i++) if (all[i].closest('.sticky-item,' + W) === el) return all[i];
      return null;
    }
    function parts(el) {
      var w = el.closest(W), input = q(w, 'input[type=file]'), c = function (n) { return q(el, '.sticky-' + n); };
      return {
        input: input,
        ref: input && q(el, 'input[type=hidden]' + (el === w ? '[name="' + CSS.escape('_' + input.name) + '"]' : '')),
        kept: c('kept'), name: c('name'), size: c('size'), nojs: c('remove-nojs'),
        replace: c('replace'), remove: c('remove'), progress: c('progress'),
        cancel: c('cancel'), retry: c('retry'), status: c('status'), error: c('error'),
        list: c('list'), tpl: c('item-template')
      };
    }
    function show(el, on) { if (el) el.hidden = !on; }
    function text(el, s) { if (el) el.textContent = s; }
    function visible(el) { return !!el && !el.closest('[hidden]'); }
    function fieldOf(w) { return w.getAttribute('data-field') || parts(w).input.name; }
    function opt(w, a, def) { return parseSize(w.getAttribute('data-' + a)) || def; }

    // Polite announcement, at most one a second, the latest waiting wins;
    // how > 0: an answer to the user, said now; how < 0: only if none waits.
    function say(w, msg, how) {
      var ws = states.get(w);
      if (msg == null || !ws || how < 0 && ws.q != null) return;
      ws.q = msg;
      if (how > 0 || !ws.t) flush(w, ws);
    }
    function flush(w, ws) {
      var s = parts(w).status, msg = ws.q;
      clearTimeout(ws.t);
      ws.t = 0;
      if (msg == null) return;
      ws.q = null;
      if (s) s.textContent = msg && s.textContent === msg ? msg + '\u00a0' : msg;
      if (msg) ws.t = setTimeout(function () { flush(w, ws); }, 1000);
    }

    function fire(el, name, detail, cancelable) {
      return el.dispatchEvent(new CustomEvent('sticky:' + name,
        { bubbles: true, cancelable: !!cancelable, detail: detail }));
    }

    function store(k, v) {
      try { if (v) localStorage.setItem(k, JSON.stringify(v)); else localStorage.removeItem(k); } catch (e) { }
    }
    function stored(fn) {
      try {
        for (var i = localStorage.length; i--;) {
          var k = localStorage.key(i);
          if (k && k.indexOf('sticky:') === 0) fn(JSON.parse(k.slice(7)), k, JSON.parse(localStorage.getItem(k)));
        }
      } catch (e) { }
    }

    function bind(w) {
      if (states.has(w)) return states.get(w);
      var p = parts(w), tus = w.getAttribute('data-tus');
      if (!p.input || !w.getAttribute('data-endpoint') || !(p.list ? p.tpl : p.ref)) return null;
      var st = { el: w, w: w, list: !!p.list, b: [] };
      states.set(w, st);
      w.classList.add('sticky-js');
      if (st.list) items(w);
      else {
        show(p.nojs, false);
        render(st, '');
      }
      // Offer to resume what a reload interrupted.
      stored(function (a) {
        if (a[0] === tus && a[1] === fieldOf(w)) say(w, fmt(messages.interrupted, { name: a[2] }));
      });
      return st;
    }

    function scan(root) {
      root = root || document;
      if (root.matches && root.matches(W)) bind(root);
      if (root.querySelectorAll) root.querySelectorAll(W).forEach(function (w) { bind(w); });
    }

    // A wrapper's items: itself, or its rows (bound on first sight).
    function items(w) {
      var st = states.get(w);
      if (!st.list) return [st];
      return Array.prototype.map.call(parts(w).list.querySelectorAll('.sticky-item'), function (row) {
        var it = states.get(row);
        if (!it) {
          states.set(row, it = { el: row, w: w });
          show(parts(row).nojs, false);
          render(it, '');
        }
        return it;
      });
    }

    // Shows an item's controls for a phase ('', uploading, done, failed,
    // cancelled); focus on a control now hidden moves to a visible one.
    function render(it, phase) {
      var el = it.el, p = parts(el), a = document.activeElement;
      var lost = a && a !== document.body && el.contains(a);
      var up = phase === 'uploading', kept = el === it.w && !!p.ref.value;
      show(p.progress, up);
      show(p.cancel, up);
      show(p.retry, phase === 'failed' || phase === 'cancelled');
      show(p.kept, kept);
      show(p.replace, kept);
      show(p.remove, el === it.w ? kept : !up);
      if (phase) el.setAttribute('data-sticky-state', phase);
      else el.removeAttribute('data-sticky-state');
      if (lost && !visible(a)) {
        [p.retry, p.cancel, p.replace, p.remove, p.input].some(function (b) {
          if (visible(b)) { b.focus(); return true; }
        });
      }
    }

    // A required field's input is required while it has no file.
    function sync(w) {
      var input = parts(w).input, none = !items(w).some(function (it) {
        var r = parts(it.el).ref;
        return it.job || r && r.value;
      });
      if (!none || w.hasAttribute('data-required')) input.required = none;
    }

    function stop(it) {
      var j = it.job;
      it.job = null;
      if (!j) return false;
      j.cancel();
      if (j.run) { running--; pump(); }
      return true;
    }
    function pump() {
      while (running < (options.concurrency || 3) && queue.length) {
        running++;
        run(queue.shift());
      }
    }

    function wrappers(form) {
      var out = [];
      Array.prototype.forEach.call(form.elements || [], function (el) {
        var w = el.type === 'file' && el.closest(W);
        if (w && states.has(w)) out.push(w);
      });
      return out;
    }
    function busy(form) {
      return wrappers(form).some(function (w) { return items(w).some(function (it) { return it.job; }); });
    }

    // Queues an item's upload, unless sticky:before-upload says no.
    function start(it, file, quiet) {
      var w = it.w, ws = states.get(w), p = parts(it.el), input = p.input, el = it.el;
      stop(it);
      it.file = file;
      it.done = it.reply = null;
      it.loaded = 0;
      text(p.error, '');
      if (!ws.list) input.removeAttribute('aria-invalid');
      if (!fire(el, 'before-upload', { file: file, field: fieldOf(w) }, true)) {
        it.file = null;
        if (ws.list) return el.remove();
        say(w, '');
        return render(it, '');
      }
      if (!ws.list || !ws.b.length) { ws.b = []; ws.m = 0; }
      if (ws.b.indexOf(it) < 0) ws.b.push(it);
      if (p.progress) {
        p.progress.value = 0;
        p.progress.setAttribute('aria-label', fmt(messages.uploading, { name: file.name }));
      }
      it.job = { cancel: function () { queue.splice(queue.indexOf(it) >>> 0, 1); } };
      queue.push(it);
      render(it, 'uploading');
      sync(w);
      if (!quiet) say(w, tally('start', 0, 0, 1, file.name), 1);
      pump();
    }

    function count(b) {
      var c = { ok: 0, busy: 0 };
      b.forEach(function (it) { if (it.job) c.busy++; else if (it.done) c.ok++; });
      return c;
    }

    function run(it) {
      var w = it.w, ws = states.get(w), p = parts(it.el), file = it.file, field = fieldOf(w);
      var tus = w.getAttribute('data-tus'), big = tus && file.size > opt(w, 'chunk-threshold', options.chunkThreshold);
      var j = (big ? resumable : oneShot)({
        file: file, field: field, url: big ? tus : w.getAttribute('data-endpoint'),
        chunk: opt(w, 'chunk-size', options.chunkSize),
        say: function (m) { if (it.job === j) say(w, m); },
        progress: function (loaded, total) {
          if (it.job !== j) return;
          var pc = percentOf(loaded, total), a = 0, b = 0, n = ws.b.length, m;
          it.loaded = file.size * loaded / total;
          if (p.progress) p.progress.value = pc;
          ws.b.forEach(function (x) { a += x.loaded || 0; b += x.file.size; });
          if ((m = milestone(ws.m, percentOf(a, b)))) {
            ws.m = m;
            say(w, fmt(n > 1 ? messages.progressMany : messages.progress, { name: file.name, count: n, percent: m }), -1);
          }
          fire(it.el, 'progress', { loaded: loaded, total: total, percent: pc });
        },
        done: function (r) {
          if (it.job !== j) return;
          it.job = null;
          running--;
          pump();
          finish(it, r);
        }
      });
      j.run = 1;
      it.job = j;
      fire(it.el, 'start', { file: file, field: field });
    }

    // Sums a batch up; once it is done, a list says sticky:complete.
    function settle(w, ev, name) {
      var ws = states.get(w), c = count(ws.b), n = ws.b.length, msg = tally(ev, n, c.ok, c.busy, name);
      if (!c.busy) {
        ws.b = [];
        if (ws.list) {
          fire(w, 'complete', {
            field: fieldOf(w),
            replies: items(w).map(function (it) { return it.reply; }).filter(Boolean)
          });
        }
      }
      return msg;
    }

    function finish(it, r) {
      var w = it.w, ws = states.get(w), el = it.el, p = parts(el), file = it.file, form = p.input.form, d = r.data;
      if (!r.ok) {
        if (form) pending.delete(form);
        text(p.error, r.message);
        if (!ws.list) {
          if (rejected(r.status)) p.input.value = '';
          p.input.setAttribute('aria-invalid', 'true');
        }
        render(it, 'failed');
        sync(w);
        fire(el, 'error', { status: r.status, message: r.message, file: file });
        return say(w, settle(w, 'bad', file.name));
      }
      var name = d.filename || file.name;
      it.done = file;
      it.reply = d;
      if (p.ref) p.ref.value = d.stored;
      text(p.name, name);
      text(p.size, formatSize(typeof d.size === 'number' ? d.size : file.size));
      if (!ws.list) {
        var box = p.nojs && p.nojs.querySelector('input');
        if (box) box.checked = false;
        w.setAttribute('data-kept', '');
      }
      render(it, 'done');
      sync(w);
      fire(el, 'success', { response: d, file: file });
      say(w, settle(w, 'ok', name));
      if (form && pending.has(form) && !busy(form)) {
        var s = pending.get(form);
        pending.delete(form);
        resubmit(form, s);
      }
    }

    function resubmit(form, s) {
      if (s && s.form !== form) s = null;
      if (!form.requestSubmit) return s ? s.click() : form.submit();
      try { form.requestSubmit(s); } catch (e) { form.requestSubmit(); }
    }

    function cancel(it) {
      var w = it.w, p = parts(it.el), form = p.input.form;
      if (!stop(it)) return;
      if (form) pending.delete(form);
      if (it.el === w) p.input.value = '';   // back to how the field was before the choice
      render(it, 'cancelled');
      sync(w);
      fire(it.el, 'cancel', { file: it.file, field: fieldOf(w) });
      settle(w, 'bad');
      say(w, messages.cancelled, 1);
    }

    function remove(it) {
      var w = it.w, ws = states.get(w), el = it.el, p = parts(el), form = p.input.form, file = it.file;
      var detail = { field: fieldOf(w), file: file, response: it.reply };
      stop(it);
      if (form) pending.delete(form);
      if (ws.list) {
        fire(el, 'remove', detail);
        var next = el.nextElementSibling || el.previousElementSibling, list = el.parentNode;
        ws.b.splice(ws.b.indexOf(it) >>> 0, 1);
        el.remove();
        show(list, list.querySelector('.sticky-item'));
        sync(w);
        say(w, messages.removed, 1);
        next = next && parts(next);
        return [next && next.remove, next && next.retry, p.input].some(function (b) {
          if (visible(b)) { b.focus(); return true; }
        });
      }
      it.file = it.done = it.reply = null;
      p.ref.value = '';
      p.input.value = '';
      w.removeAttribute('data-kept');
      text(p.error, '');
      p.input.removeAttribute('aria-invalid');
      render(it, '');
      sync(w);
      say(w, messages.removed, 1);
      fire(el, 'remove', detail);
      p.input.focus();
    }

    // Chosen, dropped or pasted files: a row each, or the first for a single field.
    function take(w, files, picked) {
      var ws = states.get(w), p = parts(w), f;
      files = Array.prototype.slice.call(files || []);
      if (ws.list) {
        p.input.value = '';   // the bytes are never posted with the form
        if (files.length) text(p.error, '');
        files.forEach(function (f) {
          if (items(w).some(function (it) { return (it.job || it.done) && sameFile(f, it.file); })) return;
          var row = p.tpl.content.firstElementChild.cloneNode(true), it = { el: row, w: w }, rp;
          states.set(row, it);
          p.list.append(row);
          show(p.list, true);
          rp = parts(row);
          text(rp.name, f.name);
          text(rp.size, formatSize(f.size));
          row.querySelectorAll('button').forEach(function (b) {
            b.setAttribute('aria-label', b.textContent.trim() + ' ' + f.name);
          });
          start(it, f, 1);
        });
        show(p.list, p.list.querySelector('.sticky-item'));
        f = count(ws.b).busy;
        return f && say(w, tally('start', 0, 0, f, ws.b[ws.b.length - 1].file.name), 1);
      }
      f = files[0];
      if (!f) return picked && cancel(ws);
      if (!picked) {
        try {
          var dt = new DataTransfer();
          dt.items.add(f);
          p.input.files = dt.files;
        } catch (e) {
          p.input.value = ''; // never post an older choice's bytes
        }
      }
      if (!ws.job && ws.done && p.ref.value && sameFile(f, ws.done)) return;
      start(ws, f);
    }

    // ---- Transports: o = {file, field, url, chunk, say, progress, done} -> {cancel}

    function oneShot(o) {
      var fd = new FormData(), x = new XMLHttpRequest();
      fd.append('field', o.field);
      fd.append('upload', o.file);
      x.open('POST', o.url);
      x.setRequestHeader('Accept', 'application/json');
      x.upload.onprogress = function (e) { if (e.lengthComputable) o.progress(e.loaded, e.total); };
      x.onload = function () { o.done(readReply(x.status, x.responseText, messages)); };
      x.onerror = function () { o.done(readReply(0, '', messages)); };
      x.send(fd);
      return { cancel: function () { x.abort(); } };
    }

    // tus 1.0: create (or HEAD a stored one), PATCH Blob.slice chunks; a lost
    // connection is retried after backoff from the server's offset.
    function resumable(o) {
      var file = o.file, size = file.size, key = fingerprint(file, o.field, o.url), loc, off = 0, tries = 0, x, timer;
      try { loc = JSON.parse(localStorage.getItem(key)).u; } catch (e) { }

      function req(method, url, h, body, next) {
        var r = x = new XMLHttpRequest(), t;
        var arm = function () { clearTimeout(t); t = setTimeout(function () { r.abort(); }, options.stall); };
        r.open(method, url);
        h['Tus-Resumable'] = '1.0.0';
        for (var k in h) r.setRequestHeader(k, h[k]);
        r.upload.onprogress = function (e) {
          arm();
          if (body) o.progress(off + e.loaded, size);
        };
        r.onloadend = function () { // load, error, abort, all alike
          clearTimeout(t);
          if (x !== r) return;
          x = null;
          var s = r.status, ref = s < 300 && r.getResponseHeader('Sticky-Ref');
          if (ref) {
            store(key);
            o.done({ ok: true, status: s, data: tusReply(ref, r.getResponseHeader('Sticky-Reply') || '', file) });
          } else if (s > 199 && s < 300) next(r);
          else fail(r);
        };
        arm();
        r.send(body);
      }
      function fail(r) {
        var s = r.status, d;
        if (tries < options.retries) {
          if (loc && (s === 404 || s === 410)) { // gone: start again
            tries++;
            return again();
          }
          if (retryable(s)) {
            d = backoff(tries++);
            o.say(fmt(messages.retrying, { seconds: d / 1000 }));
            timer = setTimeout(loc ? head : create, d);
            return;
          }
        }
        if (s) store(key);
        o.done(readReply(s, r.responseText, messages, 1));
      }
      function again() {
        store(key);
        loc = null;
        create();
      }
      function create() {
        req('POST', o.url, tusHeaders(file, o.field), null, function (r) {
          var l = r.getResponseHeader('Location');
          if (!l) return fail(r);
          loc = new URL(l, new URL(o.url, location.href)).href;
          off = 0;
          store(key, { u: loc, e: Date.parse(r.getResponseHeader('Upload-Expires')) || Date.now() + 864e5 });
          patch();
        });
      }
      function head() {
        req('HEAD', loc, {}, null, function (r) {
          var n = offsetOf(r.getResponseHeader('Upload-Offset'), size);
          // Complete without a ref (its reply lost): start again.
          if (n < 0 || n === size) return again();
          if (n) {
            o.progress(n, size);
            o.say(fmt(messages.resuming, { percent: percentOf(n, size) }));
          }
          off = n;
          patch();
        });
      }
      function patch() {
        req('PATCH', loc, tusHeaders(file, o.field, off), file.slice(off, Math.min(off + o.chunk, size)), function (r) {
          var n = offsetOf(r.getResponseHeader('Upload-Offset'), size);
          if (n > off && n < size) {
            off = n;
            tries = 0;
            return patch();
          }
          fail(r); // done without a ref, or a strange offset
        });
      }

      if (loc) head(); else create();
      return {
        cancel: function () {
          var r = x;
          x = null;
          clearTimeout(timer);
          if (r) r.abort();
          if (loc) {
            r = new XMLHttpRequest();
            r.open('DELETE', loc);
            r.setRequestHeader('Tus-Resumable', '1.0.0');
            r.send();
          }
          store(key);
        }
      };
    }

    // ---- Listeners, all on document ----

    function owner(e) {
      var t = e.target, w;
      if (t && t.nodeType === 3) t = t.parentNode;
      w = t && t.closest && t.closest(W);
      return w && bind(w) ? w : null;
    }

    document.addEventListener('change', function (e) {
      var w = owner(e);
      if (w && e.target === parts(w).input) take(w, e.target.files, 1);
    });

    document.addEventListener('click', function (e) {
      var w = owner(e), b = w && e.target.closest('button'), el = b && b.closest('.sticky-item,' + W);
      var it = el && (states.get(el) || items(w) && states.get(el));
      if (!it) return;
      var p = parts(el);
      if (b === p.cancel) {
        cancel(it);
        if (visible(p.retry)) p.retry.focus();
      } else if (b === p.retry) {
        if (it.file) start(it, it.file);
      } else if (b === p.remove) {
        remove(it);
      } else if (b === p.replace) {
        p.input.click();
      }
    });

    // Drop onto a wrapper; data-sticky-drop while files are over it.
    function files(e) {
      var d = e.dataTransfer;
      return d && Array.prototype.indexOf.call(d.types || [], 'Files') >= 0;
    }
    ['dragenter', 'dragover', 'drop'].forEach(function (type) {
      document.addEventListener(type, function (e) {
        var w = owner(e);
        if (!w || !files(e)) return;
        e.preventDefault();
        if (type === 'drop') {
          w.removeAttribute('data-sticky-drop');
          take(w, e.dataTransfer.files);
        } else {
          e.dataTransfer.dropEffect = 'copy';
          w.setAttribute('data-sticky-drop', '');
        }
      });
    });
    document.addEventListener('dragleave', function (e) {
      var w = owner(e);
      if (w && !w.contains(e.relatedTarget)) w.removeAttribute('data-sticky-drop');
    });

    // Paste into the wrapper with the focus, or the only one if none has it.
    document.addEventListener('paste', function (e) {
      var f = e.clipboardData && e.clipboardData.files, w = owner(e), all = document.querySelectorAll(W);
      if (!w && e.target === document.body && all.length === 1) w = bind(all[0]) && all[0];
      if (w && f && f.length) {
        e.preventDefault();
        take(w, f);
      }
    });

    // Capture: hold a submission back before the form's own listeners.
    document.addEventListener('submit', function (e) {
      var form = e.target;
      if (!(form instanceof HTMLFormElement) || !busy(form)) return;
      e.preventDefault();
      e.stopPropagation();
      pending.set(form, e.submitter || null);
      wrappers(form).forEach(function (w) {
        if (items(w).some(function (it) { return it.job; })) say(w, messages.waiting, 1);
      });
    }, true);

    // Fields not to post: their file is uploaded, _F stands for it.
    function uploaded(form) {
      return wrappers(form).filter(function (w) {
        var st = states.get(w), p = parts(w), f = p.input.files && p.input.files[0];
        return !st.list && p.ref.value && sameFile(f, st.done);
      }).map(function (w) { return parts(w).input.name; });
    }
    document.addEventListener('formdata', function (e) {
      uploaded(e.target).forEach(function (n) { e.formData.delete(n); });
    }, true);
    document.addEventListener('htmx:configRequest', function (e) {
      var el = e.target, params = e.detail && e.detail.parameters;
      var form = el instanceof HTMLFormElement ? el : el.form || el.closest('form');
      if (form && params) {
        uploaded(form).forEach(function (n) { try { delete params[n]; } catch (x) { } });
      }
    });

    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) { if (n.nodeType === 1) scan(n); });
      });
    }).observe(document.documentElement, { childList: true, subtree: true });

    stored(function (a, k, v) { if (!(v.e > Date.now())) store(k); });

    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', function () { scan(); });
    } else {
      scan();
    }
  }

  if (typeof document !== 'undefined' && typeof window !== 'undefined' && !window.StickyUploads) init();

  if (typeof module === 'object' && module.exports) {
    module.exports = {
      messages: messages, options: options, fmt: fmt, formatSize: formatSize, parseSize: parseSize,
      percentOf: percentOf, milestone: milestone, tally: tally, errorMessage: errorMessage,
      readReply: readReply, tusReply: tusReply, rejected: rejected, retryable: retryable,
      backoff: backoff, fingerprint: fingerprint, metadata: metadata, tusHeaders: tusHeaders, offsetOf: offsetOf,
      sameFile: sameFile
    };
  }
})();
