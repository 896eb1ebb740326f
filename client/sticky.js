/*! sticky.js: background uploads for sticky file fields. No dependencies,
 * no build step. Load it with <script src="…/sticky.js" defer></script>.
 * Documentation: docs/client.md */
(function () {
  'use strict';

  // Texts the script shows or announces. Apps may change them through
  // window.StickyUploads.messages; {name}, {percent} and {status} are filled in.
  var messages = {
    uploading: 'Uploading {name}…',
    progress: '{name}: {percent}% uploaded.',
    uploaded: '{name} uploaded.',
    cancelled: 'Upload cancelled.',
    removed: 'File removed.',
    waiting: 'Waiting for the upload to finish…',
    network: 'The upload failed: the network connection was lost.',
    http: 'The upload failed (HTTP {status}).',
    badReply: 'The upload failed: the server sent a reply that could not be read.'
  };

  // ---- Pure helpers (tested in node, see sticky.test.js) ----

  // fmt('Uploading {name}…', {name: 'a.pdf'}) -> 'Uploading a.pdf…'.
  // Unknown placeholders are left as they are.
  function fmt(template, vars) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && k in vars ? String(vars[k]) : m;
    });
  }

  // A byte count for people, in steps of 1024, exactly like the Go side's
  // sticky.SizeString: "812 bytes", "1.2 MB", "20 MB" for 20 MiB.
  function formatSize(n) {
    if (typeof n !== 'number' || !(n >= 0) || n === Infinity) return '';
    n = Math.floor(n);
    if (n < 1024) return n === 1 ? '1 byte' : n + ' bytes';
    var units = ['KB', 'MB', 'GB', 'TB', 'PB'], v = n, i = 0;
    for (;; i++) {
      v /= 1024;
      if (v < 1023.95 || i === units.length - 1) break;
    }
    // Go rounds exact ties to even, toFixed rounds them up: only x.25 differs.
    var s = (v % 1 === 0.25 ? v - 0.01 : v).toFixed(1);
    return s.replace(/\.0$/, '') + ' ' + units[i];
  }

  // Whole percent of loaded/total, 0 to 100.
  function percentOf(loaded, total) {
    if (!(total > 0) || !(loaded > 0)) return 0;
    return Math.min(100, Math.floor(loaded / total * 100));
  }

  // The milestone (25, 50 or 75) to announce now that the upload is at
  // `percent`, given the last one announced (`prev`, 0 for none); 0 when
  // there is nothing new to say. Jumps announce only the highest milestone.
  function milestone(prev, percent) {
    var m = percent >= 75 ? 75 : percent >= 50 ? 50 : percent >= 25 ? 25 : 0;
    return m > prev ? m : 0;
  }

  // The sentence to show for a failed upload: the server's own message
  // (errors.upload[0], else the first message of any other key), else a
  // generic one from the HTTP status (0: the network failed).
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

  // Reads the endpoint's reply: {ok: true, data} on success, else
  // {ok: false, data (parsed JSON or null), message}.
  function readReply(status, body, msgs) {
    var data = null;
    try { data = JSON.parse(body); } catch (e) { /* not JSON */ }
    if (status >= 200 && status < 300 && data && data.is_valid === true &&
        typeof data.stored === 'string' && data.stored) {
      return { ok: true, data: data };
    }
    return { ok: false, data: data, message: errorMessage(status, data, msgs) };
  }

  // Whether the server refused the file itself (bad, too large, wrong type,
  // not allowed): then it is taken out of the input, so the form does not
  // post it either. Other failures may pass; the file stays for the form.
  function rejected(status) {
    return status === 400 || status === 403 || status === 413 || status === 415;
  }

  // Whether two File objects are the same file (browsers may hand out a new
  // object for the same selection).
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
    } catch (e) { /* no XHR: leave the plain form alone */ }

    var states = new WeakMap();   // wrapper -> {xhr, file, done, milestone}
    var pending = new WeakMap();  // form -> submitter of a held-back submission

    // The one global. Not "Sticky": sticky-header libraries use that name.
    window.StickyUploads = { supported: ok, messages: messages, bind: ok ? scan : function () {} };
    if (!ok) return;

    function parts(w) {
      var input = w.querySelector('input[type=file]');
      var q = function (c) { return w.querySelector('.sticky-' + c); };
      return {
        input: input,
        ref: input && w.querySelector('input[type=hidden][name="' + CSS.escape('_' + input.name) + '"]'),
        kept: q('kept'), name: q('name'), size: q('size'), nojs: q('remove-nojs'),
        replace: q('replace'), remove: q('remove'), progress: q('progress'),
        cancel: q('cancel'), retry: q('retry'), status: q('status'), error: q('error')
      };
    }
    function show(el, on) { if (el) el.hidden = !on; }
    function text(el, s) { if (el) el.textContent = s; }
    function visible(el) { return !!el && !el.closest('[hidden]'); }

    // Polite announcement; the same text twice still counts as a change.
    function say(p, msg) {
      if (!p.status) return;
      if (msg && p.status.textContent === msg) msg += '\u00a0';
      p.status.textContent = msg;
    }

    function fire(w, name, detail, cancelable) {
      return w.dispatchEvent(new CustomEvent('sticky:' + name,
        { bubbles: true, cancelable: !!cancelable, detail: detail }));
    }

    // Makes the wrapper ready; safe to call any number of times.
    function bind(w) {
      if (states.has(w)) return states.get(w);
      var p = parts(w);
      if (!p.input || !p.ref || !w.getAttribute('data-endpoint')) return null;
      var st = { xhr: null, file: null, done: null, milestone: 0 };
      states.set(w, st);
      w.classList.add('sticky-js');
      show(p.nojs, false);
      render(w, p, '');
      return st;
    }

    // Binds root itself and every wrapper inside it (default: document).
    function scan(root) {
      root = root || document;
      if (root.matches && root.matches('[data-sticky]')) bind(root);
      if (root.querySelectorAll) root.querySelectorAll('[data-sticky]').forEach(function (w) { bind(w); });
    }

    // Shows the controls for a phase: '', 'uploading', 'done', 'failed' or
    // 'cancelled'. If focus was on a control that is now hidden, it moves to
    // the first visible of Retry, Cancel, Replace and the file input.
    function render(w, p, phase) {
      var a = document.activeElement;
      var lost = a && a !== document.body && w.contains(a);
      var up = phase === 'uploading';
      show(p.progress, up);
      show(p.cancel, up);
      show(p.retry, phase === 'failed' || phase === 'cancelled');
      var kept = !!p.ref.value;
      show(p.kept, kept);
      show(p.replace, kept);
      show(p.remove, kept);
      if (phase) w.setAttribute('data-sticky-state', phase);
      else w.removeAttribute('data-sticky-state');
      if (lost && !visible(a)) {
        [p.retry, p.cancel, p.replace, p.input].some(function (el) {
          if (visible(el)) { el.focus(); return true; }
        });
      }
    }

    function abort(st) {
      var x = st.xhr;
      st.xhr = null;
      if (x) x.abort();
    }

    // The bound wrappers whose file input belongs to form.
    function wrappers(form) {
      var out = [];
      Array.prototype.forEach.call(form.elements || [], function (el) {
        var w = el.type === 'file' && el.closest('[data-sticky]');
        if (w && states.has(w)) out.push(w);
      });
      return out;
    }
    function busy(form) {
      return wrappers(form).some(function (w) { return !!states.get(w).xhr; });
    }

    function start(w, file) {
      var st = states.get(w), p = parts(w), field = p.input.name, name = file.name;
      abort(st);
      st.file = file;
      st.done = null;
      st.milestone = 0;
      text(p.error, '');
      p.input.removeAttribute('aria-invalid');
      if (!fire(w, 'before-upload', { file: file, field: field }, true)) {
        st.file = null;
        say(p, '');
        render(w, p, '');
        return;
      }

      var fd = new FormData();
      fd.append('field', field);
      fd.append('upload', file);
      var x = new XMLHttpRequest();
      st.xhr = x;
      x.open('POST', w.getAttribute('data-endpoint'));
      x.setRequestHeader('Accept', 'application/json');
      x.upload.onprogress = function (e) {
        if (st.xhr !== x || !e.lengthComputable) return;
        var pc = percentOf(e.loaded, e.total), m = milestone(st.milestone, pc);
        if (p.progress) p.progress.value = pc;
        if (m) {
          st.milestone = m;
          say(p, fmt(messages.progress, { name: name, percent: m }));
        }
        fire(w, 'progress', { loaded: e.loaded, total: e.total, percent: pc });
      };
      x.onload = function () { if (st.xhr === x) finish(w, x.status, x.responseText); };
      x.onerror = function () { if (st.xhr === x) finish(w, 0, ''); };
      x.send(fd);

      if (p.progress) {
        p.progress.value = 0;
        p.progress.setAttribute('aria-label', fmt(messages.uploading, { name: name }));
      }
      render(w, p, 'uploading');
      say(p, fmt(messages.uploading, { name: name }));
      fire(w, 'start', { file: file, field: field });
    }

    function finish(w, status, body) {
      var st = states.get(w), p = parts(w), file = st.file, form = p.input.form;
      var r = readReply(status, body, messages);
      st.xhr = null;
      if (!r.ok) {
        if (form) pending.delete(form);
        text(p.error, r.message);
        if (rejected(status)) p.input.value = '';
        p.input.setAttribute('aria-invalid', 'true');
        say(p, '');
        render(w, p, 'failed');
        fire(w, 'error', { status: status, message: r.message, file: file });
        return;
      }
      var d = r.data, name = d.filename || file.name;
      p.ref.value = d.stored;
      st.done = file;
      text(p.name, name);
      text(p.size, formatSize(typeof d.size === 'number' ? d.size : file.size));
      var box = p.nojs && p.nojs.querySelector('input');
      if (box) box.checked = false;
      p.input.required = false;
      w.setAttribute('data-kept', '');
      render(w, p, 'done');
      say(p, fmt(messages.uploaded, { name: name }));
      fire(w, 'success', { response: d, file: file });
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

    function cancel(w) {
      var st = states.get(w), p = parts(w), form = p.input.form;
      if (!st.xhr) return;
      abort(st);
      if (form) pending.delete(form);
      p.input.value = '';   // back to how the field was before the choice
      render(w, p, 'cancelled');
      say(p, messages.cancelled);
      fire(w, 'cancel', { file: st.file, field: p.input.name });
    }

    function remove(w) {
      var st = states.get(w), p = parts(w), form = p.input.form;
      abort(st);
      st.file = st.done = null;
      if (form) pending.delete(form);
      p.ref.value = '';
      p.input.value = '';
      if (w.hasAttribute('data-required')) p.input.required = true;
      w.removeAttribute('data-kept');
      text(p.error, '');
      p.input.removeAttribute('aria-invalid');
      render(w, p, '');
      say(p, messages.removed);
      fire(w, 'remove', { field: p.input.name });
    }

    // The bound wrapper an event happened in, if any.
    function owner(e) {
      var w = e.target.closest && e.target.closest('[data-sticky]');
      return w && bind(w) ? w : null;
    }

    document.addEventListener('change', function (e) {
      var w = owner(e), p = w && parts(w);
      if (!p || e.target !== p.input) return;
      var st = states.get(w), f = p.input.files && p.input.files[0];
      if (!f) return cancel(w);
      if (!st.xhr && st.done && p.ref.value && sameFile(f, st.done)) return;
      start(w, f);
    });

    document.addEventListener('click', function (e) {
      var w = owner(e), b = w && e.target.closest('button');
      if (!b) return;
      var p = parts(w), st = states.get(w);
      if (b === p.cancel) {
        cancel(w);
        if (visible(p.retry)) p.retry.focus();
      } else if (b === p.retry) {
        if (st.file) start(w, st.file);
      } else if (b === p.remove) {
        remove(w);
        p.input.focus();
      } else if (b === p.replace) {
        p.input.click();
      }
    });

    // Capture phase, so a submission is held back before the form's own
    // listeners (htmx and the like) see it.
    document.addEventListener('submit', function (e) {
      var form = e.target;
      if (!(form instanceof HTMLFormElement) || !busy(form)) return;
      e.preventDefault();
      e.stopPropagation();
      pending.set(form, e.submitter || null);
      wrappers(form).forEach(function (w) {
        if (states.get(w).xhr) say(parts(w), messages.waiting);
      });
    }, true);

    // Never send the bytes of a file that is already uploaded: its
    // reference in _F stands for it. These are the fields to leave out.
    function uploaded(form) {
      return wrappers(form).filter(function (w) {
        var p = parts(w), f = p.input.files && p.input.files[0];
        return p.ref.value && sameFile(f, states.get(w).done);
      }).map(function (w) { return parts(w).input.name; });
    }
    document.addEventListener('formdata', function (e) {
      uploaded(e.target).forEach(function (n) { e.formData.delete(n); });
    }, true);
    // htmx 1 collects the values itself, without FormData.
    document.addEventListener('htmx:configRequest', function (e) {
      var el = e.target, params = e.detail && e.detail.parameters;
      var form = el instanceof HTMLFormElement ? el : el.form || el.closest('form');
      if (form && params) {
        uploaded(form).forEach(function (n) { try { delete params[n]; } catch (x) { /* read-only */ } });
      }
    });

    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) { if (n.nodeType === 1) scan(n); });
      });
    }).observe(document.documentElement, { childList: true, subtree: true });

    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', function () { scan(); });
    } else {
      scan();
    }
  }

  if (typeof document !== 'undefined' && typeof window !== 'undefined' && !window.StickyUploads) init();

  if (typeof module === 'object' && module.exports) {
    module.exports = {
      messages: messages, fmt: fmt, formatSize: formatSize, percentOf: percentOf,
      milestone: milestone, errorMessage: errorMessage, readReply: readReply,
      rejected: rejected, sameFile: sameFile
    };
  }
})();
