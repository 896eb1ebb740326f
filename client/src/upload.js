// An item's upload: queued, run (one-shot or tus), finished, cancelled or
// removed, with its events and announcements.

// Queues an item's upload, unless sticky:before-upload says no.
function start(item, file, quiet) {
  var wrapper = item.wrapper, state = states.get(wrapper), el = item.element, parts = partsOf(el);
  stop(item);
  item.file = file;
  item.uploadedFile = item.reply = null;
  item.loaded = item.refused = 0;
  setText(parts.error, '');
  if (!state.isList) parts.input.removeAttribute('aria-invalid');
  if (!fire(el, 'before-upload', { file: file, field: fieldOf(wrapper) }, true)) {
    item.file = null;
    if (state.isList) return el.remove();
    say(wrapper, '');
    return render(item, '');
  }
  if (!state.isList || !state.batch.length) {
    state.batch = [];
    state.milestoneSaid = 0;
  }
  if (state.batch.indexOf(item) < 0) state.batch.push(item);
  if (parts.progress) {
    parts.progress.value = 0;
    parts.progress.setAttribute('aria-label', fmt(messagesOf(wrapper).uploading, { name: file.name }));
  }
  enqueue(item);
  render(item, 'uploading');
  syncRequired(wrapper);
  if (!quiet) say(wrapper, tally('start', 0, 0, 1, file.name, messagesOf(wrapper)), 1);
  pump();
}

function countBatch(batch) {
  var count = { ok: 0, busy: 0 };
  batch.forEach(function (item) { if (item.job) count.busy++; else if (item.uploadedFile) count.ok++; });
  return count;
}

// Sends a queued item's file: straight to the bucket when the wrapper says
// so, else over tus when it is big and the wrapper allows.
function run(item) {
  var wrapper = item.wrapper, state = states.get(wrapper), progress = partsOf(item.element).progress;
  var file = item.file, field = fieldOf(wrapper), tus = wrapper.getAttribute('data-tus'), msgs = messagesOf(wrapper);
  var bucket = wrapper.getAttribute('data-direct'), threshold = sizeOption(wrapper, 'chunk-threshold', options.chunkThreshold);
  var big = tus && file.size > threshold;
  var job = (bucket ? toBucket : big ? resumable : oneShot)({
    file: file, field: field, url: bucket || (big ? tus : wrapper.getAttribute('data-endpoint')), messages: msgs,
    chunk: sizeOption(wrapper, 'chunk-size', options.chunkSize), threshold: threshold,
    say: function (message) { if (item.job === job) say(wrapper, message); },
    progress: function (loaded, total) {
      if (item.job !== job) return;
      var percent = percentOf(loaded, total), sent = 0, sizes = 0, count = state.batch.length, reached;
      item.loaded = file.size * loaded / total;
      if (progress) progress.value = percent;
      state.batch.forEach(function (other) { sent += other.loaded || 0; sizes += other.file.size; });
      if ((reached = milestone(state.milestoneSaid, percentOf(sent, sizes)))) {
        state.milestoneSaid = reached;
        say(wrapper, fmt(count > 1 ? msgs.progressMany : msgs.progress, { name: file.name, count: count, percent: reached }), -1);
      }
      fire(item.element, 'progress', { loaded: loaded, total: total, percent: percent });
    },
    done: function (reply) {
      if (item.job !== job) return;
      item.job = null;
      release();
      if (reply.ok && reply.data.processing) check(item, reply.data);
      else finish(item, reply);
    }
  });
  job.running = true;
  item.job = job;
  fire(item.element, 'start', { file: file, field: field });
}

// All bytes are in, the server's processors (a scan) still at work: says
// "Checking…" and asks the status route until they are done. Meanwhile the
// item is busy, so a submission waits.
function check(item, data, then) {
  var progress = partsOf(item.element).progress, delay = 500, timer, request, msgs = messagesOf(item.wrapper);
  var job = item.job = { cancel: function () { clearTimeout(timer); if (request) request.abort(); } };
  if (progress) progress.removeAttribute('value'); // how long is unknown
  render(item, 'checking');
  say(item.wrapper, fmt(msgs.checking, { name: data.filename || item.file.name }), 1);
  (function ask() {
    timer = setTimeout(function () {
      request = new XMLHttpRequest();
      request.open('GET', data.status_url);
      request.setRequestHeader('Accept', 'application/json');
      request.onloadend = function () {
        if (item.job !== job) return;
        var status = request.status, reply = readReply(status, request.responseText, msgs);
        delay = Math.min(delay * 1.5, 4000);
        if (!status || status === 202 || status === 429) return ask();
        item.job = null;
        (then || finish)(item, reply);
      };
      request.send();
    }, delay);
  })();
}

// A kept file whose checks still ran when the page was made (data-checking,
// the status route's URL): asked after as after an upload. If they fail,
// the file is no longer kept.
function recheck(item, url) {
  var el = item.element, parts = partsOf(el), state = states.get(item.wrapper);
  el.removeAttribute('data-checking');
  item.file = { name: parts.name.textContent, size: 0 };
  state.batch.push(item);
  check(item, { status_url: url }, function (item, reply) {
    if (!reply.ok) {
      parts.ref.value = '';
      el.removeAttribute('data-kept');
    }
    finish(item, reply);
    if (!reply.ok) {
      item.refused = 1; // nothing to send again: the person chooses a file
      render(item, 'failed');
    }
  });
}

// Sums a batch up; once it is done, a list says sticky:complete.
function settle(wrapper, event, name) {
  var state = states.get(wrapper), count = countBatch(state.batch), size = state.batch.length;
  var message = tally(event, size, count.ok, count.busy, name, messagesOf(wrapper));
  if (!count.busy) {
    state.batch = [];
    if (state.isList) {
      fire(wrapper, 'complete', {
        field: fieldOf(wrapper),
        replies: items(wrapper).map(function (item) { return item.reply; }).filter(Boolean)
      });
    }
  }
  return message;
}

function finish(item, reply) {
  var wrapper = item.wrapper, state = states.get(wrapper), el = item.element, parts = partsOf(el);
  var file = item.file, form = parts.input.form, data = reply.data;
  if (!reply.ok) {
    item.refused = rejected(reply.status); // sending it again can only fail again
    dropSubmission(form);
    setText(parts.error, reply.message);
    if (!state.isList) {
      if (rejected(reply.status)) parts.input.value = '';
      parts.input.setAttribute('aria-invalid', 'true');
    }
    render(item, 'failed');
    syncRequired(wrapper);
    fire(el, 'error', { status: reply.status, message: reply.message, file: file });
    return say(wrapper, settle(wrapper, 'bad', file.name), 1);
  }
  var name = data.filename || file.name;
  item.uploadedFile = file;
  item.reply = data;
  if (parts.ref) parts.ref.value = data.stored;
  setText(parts.name, name);
  setText(parts.size, formatSize(typeof data.size === 'number' ? data.size : file.size, messagesOf(wrapper)));
  if (!state.isList) keep(wrapper, parts);
  render(item, 'done');
  syncRequired(wrapper);
  fire(el, 'success', { response: data, file: file });
  // Said at once: "Uploading…" must not outlast the upload.
  say(wrapper, settle(wrapper, 'ok', name), 1);
  submitIfReady(form);
}

function cancel(item) {
  var wrapper = item.wrapper, parts = partsOf(item.element);
  if (!stop(item)) return;
  dropSubmission(parts.input.form);
  if (item.element === wrapper) parts.input.value = ''; // back to how the field was before the choice
  render(item, 'cancelled');
  syncRequired(wrapper);
  fire(item.element, 'cancel', { file: item.file, field: fieldOf(wrapper) });
  settle(wrapper, 'bad');
  say(wrapper, messagesOf(wrapper).cancelled, 1);
}

function remove(item) {
  var wrapper = item.wrapper, parts = partsOf(item.element);
  var detail = { field: fieldOf(wrapper), file: item.file, response: item.reply };
  stop(item);
  dropSubmission(parts.input.form);
  (states.get(wrapper).isList ? removeRow : clearField)(item, detail);
}
