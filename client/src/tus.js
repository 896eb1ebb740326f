// Big files over tus 1.0: create the upload (or HEAD the one a reload left),
// then PATCH Blob.slice chunks, each with its checksum where the browser can
// hash; a lost connection or a damaged chunk is retried after backoff from
// the server's offset.

function resumable(upload) {
  var file = upload.file, size = file.size, key = fingerprint(file, upload.field, upload.url);
  var uploadURL, offset = 0, tries = 0, current, retryTimer, cancelled, msgs = upload.messages || messages;
  try { uploadURL = JSON.parse(localStorage.getItem(key)).url; } catch (e) { }

  function send(method, url, headers, body, next) {
    var request = current = new XMLHttpRequest(), stallTimer;
    var arm = function () {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(function () { request.abort(); }, options.stall);
    };
    request.open(method, url);
    headers['Tus-Resumable'] = '1.0.0';
    for (var name in headers) request.setRequestHeader(name, headers[name]);
    request.upload.onprogress = function (e) {
      arm();
      if (body) upload.progress(offset + e.loaded, size);
    };
    request.onloadend = function () { // load, error, abort, all alike
      clearTimeout(stallTimer);
      if (current !== request) return;
      current = null;
      var status = request.status, ref = status < 300 && request.getResponseHeader('Sticky-Ref');
      if (ref) {
        remember(key);
        upload.done({ ok: true, status: status, data: tusReply(ref, request.getResponseHeader('Sticky-Reply') || '', file) });
      } else if (status > 199 && status < 300) next(request);
      else fail(request);
    };
    arm();
    request.send(body);
  }

  function fail(request) {
    var status = request.status, wait;
    if (tries < options.retries) {
      if (uploadURL && (status === 404 || status === 410)) { // gone: start again
        tries++;
        return again();
      }
      if (retryable(status)) {
        wait = backoff(tries++);
        upload.say(fmt(msgs.retrying, { seconds: wait / 1000 }));
        retryTimer = setTimeout(uploadURL ? head : create, wait);
        return;
      }
    }
    if (status) remember(key);
    upload.done(readReply(status, request.responseText, msgs, 1));
  }

  function again() {
    remember(key);
    uploadURL = null;
    create();
  }

  function create() {
    send('POST', upload.url, tusHeaders(file, upload.field), null, function (request) {
      var location = request.getResponseHeader('Location');
      if (!location) return fail(request);
      uploadURL = new URL(location, new URL(upload.url, window.location.href)).href;
      offset = 0;
      remember(key, { url: uploadURL, expires: Date.parse(request.getResponseHeader('Upload-Expires')) || Date.now() + 864e5 });
      patch();
    });
  }

  function head() {
    send('HEAD', uploadURL, {}, null, function (request) {
      var n = offsetOf(request.getResponseHeader('Upload-Offset'), size);
      // Complete without a ref (its reply lost): start again.
      if (n < 0 || n === size) return again();
      if (n) {
        upload.progress(n, size);
        upload.say(fmt(msgs.resuming, { percent: percentOf(n, size) }));
      }
      offset = n;
      patch();
    });
  }

  function patch() {
    var chunk = file.slice(offset, Math.min(offset + upload.chunk, size));
    chunkChecksum(chunk, function (checksum) {
      if (cancelled) return;
      var headers = tusHeaders(file, upload.field, offset);
      if (checksum) headers['Upload-Checksum'] = checksum;
      send('PATCH', uploadURL, headers, chunk, function (request) {
        var n = offsetOf(request.getResponseHeader('Upload-Offset'), size);
        if (n > offset && n < size) {
          offset = n;
          tries = 0;
          return patch();
        }
        fail(request); // done without a ref, or a strange offset
      });
    });
  }

  if (uploadURL) head(); else create();
  return {
    cancel: function () {
      var request = current;
      current = null;
      cancelled = true;
      clearTimeout(retryTimer);
      if (request) request.abort();
      if (uploadURL) {
        request = new XMLHttpRequest();
        request.open('DELETE', uploadURL);
        request.setRequestHeader('Tus-Resumable', '1.0.0');
        request.send();
      }
      remember(key);
    }
  };
}
