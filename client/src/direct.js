// Straight to the bucket, through the mount's s3/ routes (data-direct): a
// file up to chunkThreshold in one presigned PUT, a bigger one as an S3
// multipart upload whose parts are signed several in a request (the batch
// route) and sent options.parts at once, each retried. A multipart upload
// is kept in localStorage, as resume.js keeps tus uploads ({key, id,
// expires, etags}), so that a reload resumes it: a part the bucket
// acknowledged is not sent again if the bucket still lists it with the
// same ETag (a part cut off may be listed too, and not whole). Where the
// browser can take a SHA-256 (crypto.subtle: a secure context), the file
// sent whole and each part carry theirs, signed, and the bucket refuses
// bytes spoilt on the way (a 400, sent again). Once the bytes are in, the
// mount claims the object and answers as the one-shot endpoint does.

function toBucket(upload) {
  var file = upload.file, size = file.size, base = upload.url, mark = fingerprint(file, upload.field, base);
  var requests = [], timers = [], ended, tries = 0, retrying = 0, key, id, kept = {}, msgs = upload.messages || messages;
  var partSize = Math.max(upload.chunk, 5 << 20, Math.ceil(size / 1e4)), count = Math.ceil(size / partSize) || 1;
  var etags = [], sums = [], sent = [], waiting = [], loaded = [], signed = {}, signing = {}, subtle = typeof crypto === 'object' && crypto.subtle;

  // then(blob's SHA-256 in base64), or then('') where the browser cannot
  // take one.
  function sha256(blob, then) {
    if (!subtle) return then('');
    blob.arrayBuffer().then(function (bytes) { return subtle.digest('SHA-256', bytes); }).then(function (sum) {
      if (!ended) then(btoa(String.fromCharCode.apply(null, new Uint8Array(sum))));
    }, function () { if (!ended) then(''); });
  }

  function sumQuery(sum) {
    return sum ? '&sha256=' + encodeURIComponent(sum) : '';
  }

  // One request; then(request) once it ends, unless the upload has.
  function send(method, url, body, headers, then, progress) {
    var request = new XMLHttpRequest(), stall;
    var arm = function () {
      clearTimeout(stall);
      stall = setTimeout(function () { request.abort(); }, options.stall);
    };
    requests.push(request);
    request.open(method, url);
    for (var name in headers) request.setRequestHeader(name, headers[name]);
    if (progress) request.upload.onprogress = function (e) { arm(); progress(e.loaded, e.total); };
    request.onloadend = function () {
      clearTimeout(stall);
      requests.splice(requests.indexOf(request), 1);
      if (!ended) then(request);
    };
    arm();
    request.send(body);
  }

  // A JSON request to the mount; next(data) after a 2xx, else fail.
  function ask(method, route, body, next) {
    send(method, base + route, body && JSON.stringify(body), { Accept: 'application/json' }, function (request) {
      var data = null;
      try { data = JSON.parse(request.responseText); } catch (e) { }
      if (request.status > 199 && request.status < 300 && data) next(data, request);
      else fail(request, function () { ask(method, route, body, next); });
    });
  }

  function query(extra) {
    return '?key=' + encodeURIComponent(key) + (extra || '');
  }

  // Again after backoff when worth it (spoilt: bytes the bucket refused,
  // damaged on the way), else the end with the reply's sentence.
  function fail(request, again, spoilt) {
    var status = request.status, wait;
    if ((retryable(status) || spoilt && status === 400) && tries < options.retries) {
      // Parts cut off together wait as one, not ever longer one by one.
      wait = backoff(retrying && tries ? tries - 1 : tries++);
      retrying++;
      upload.say(fmt(msgs.retrying, { seconds: wait / 1000 }));
      timers.push(setTimeout(function () { retrying--; again(); }, wait));
      return;
    }
    end(readReply(status, request.responseText, msgs), status);
  }

  function halt() {
    ended = true;
    requests.slice().forEach(function (request) { request.abort(); });
    timers.forEach(clearTimeout);
  }

  // Ends the upload; one cut off by the network stays kept, to resume.
  function end(reply, status) {
    halt();
    if (status || reply.ok) remember(mark);
    upload.done(reply);
  }

  function claimed(request) {
    var reply = readReply(request.status, request.responseText, msgs);
    if (!reply.ok && retryable(request.status)) return fail(request, claim);
    end(reply, request.status);
  }

  function claim() {
    var route = id ? 'multipart/' + encodeURIComponent(id) + '/complete' : 'complete', parts = [];
    // With their checksums, the bucket need not list them.
    etags.forEach(function (etag, i) { parts.push({ PartNumber: i + 1, ETag: etag, ChecksumSHA256: sums[i] }); });
    send('POST', base + route + query(), id ? JSON.stringify({ parts: parts }) : null,
      { Accept: 'application/json', 'Content-Type': 'application/json' }, claimed);
  }

  // The whole file in one presigned PUT, its size signed.
  function put(sum) {
    var q = '?filename=' + encodeURIComponent(file.name) + '&type=' + encodeURIComponent(file.type) +
      '&metadata[field]=' + encodeURIComponent(upload.field) + '&size=' + size + sumQuery(sum) + '&method=PUT';
    ask('GET', 'params' + q, null, function (params) {
      key = params.key;
      (function again() {
        send('PUT', params.url, file, params.headers || {}, function (request) {
          if (request.status > 199 && request.status < 300) claim();
          else fail(request, again, 1);
        }, upload.progress);
      })();
    });
  }

  // The bytes of part n.
  function length(n) {
    return Math.min(partSize, size - (n - 1) * partSize);
  }

  function progress() {
    var sum = 0;
    for (var n = 1; n <= count; n++) sum += etags[n - 1] ? length(n) : loaded[n - 1] || 0;
    upload.progress(sum, size);
    return sum;
  }

  // Sends waiting parts while fewer than options.parts are on their way.
  function sendParts() {
    while (sent.length < (options.parts || 3) && waiting.length) sendPart(waiting.shift());
    if (!sent.length && !waiting.length) claim();
  }

  // then({url, headers, sum}) of part n, signed with the parts waiting
  // after it, up to twice options.parts, in one request.
  function sign(n, then) {
    if (signed[n]) return then(signed[n]);
    if (signing[n]) return signing[n].push(then);
    var batch = [n].concat(waiting.filter(function (m) { return !signed[m] && !signing[m]; }).slice(0, 2 * (options.parts || 3) - 1));
    var hashes = [];
    batch.forEach(function (m) { signing[m] = []; });
    signing[n].push(then);
    (function hash(i) {
      if (i < batch.length) return sha256(piece(batch[i]), function (sum) { hashes.push(sum); hash(i + 1); });
      ask('GET', 'multipart/' + encodeURIComponent(id) + '/batch' + query('&partNumbers=' + batch.join() + '&sizes=' +
        batch.map(length).join() + sumQuery(hashes.join('') && hashes.join())), null, function (data) {
        batch.forEach(function (m, i) {
          var waiters = signing[m];
          signed[m] = { url: data.presignedUrls[m], headers: (data.headers || {})[m] || {}, sum: hashes[i] };
          delete signing[m];
          waiters.forEach(function (f) { f(signed[m]); });
        });
      });
    })(0);
  }

  function piece(n) {
    return file.slice((n - 1) * partSize, (n - 1) * partSize + length(n));
  }

  function sendPart(n) {
    var body = piece(n), retry = function () { sent.splice(sent.indexOf(n), 1); waiting.unshift(n); sendParts(); };
    sent.push(n);
    sign(n, function (part) {
      send('PUT', part.url, body, part.headers, function (request) {
        var etag = request.getResponseHeader('ETag');
        loaded[n - 1] = 0;
        if (request.status > 199 && request.status < 300 && etag) {
          etags[n - 1] = kept.etags[n - 1] = etag;
          sums[n - 1] = part.sum || undefined;
          remember(mark, kept);
          tries = 0;
          sent.splice(sent.indexOf(n), 1);
          progress();
          return sendParts();
        }
        delete signed[n]; // signed again when sent again
        fail(request, retry, 1);
      }, function (bytes) { loaded[n - 1] = bytes; progress(); });
    });
  }

  // Parts not in the bucket yet go out; given parts listed, say how far.
  function missing(listed) {
    (listed || []).forEach(function (part) {
      var n = part.PartNumber;
      if (kept.etags[n - 1] && kept.etags[n - 1] === part.ETag) etags[n - 1] = part.ETag;
    });
    for (var n = 1; n <= count; n++) if (!etags[n - 1]) waiting.push(n);
    if (etags.length) upload.say(fmt(msgs.resuming, { percent: percentOf(progress(), size) }));
    sendParts();
  }

  function create() {
    var body = { filename: file.name, type: file.type, metadata: { field: upload.field, size: String(size) } };
    if (subtle) body.checksum = 'sha256'; // then every part must carry its own
    ask('POST', 'multipart', body, function (created) {
      kept = { key: key = created.key, id: id = created.uploadId, expires: Date.now() + 864e5, etags: [] };
      remember(mark, kept);
      missing();
    });
  }

  // The parts of the upload a reload or a failure left, if it is still there.
  function resume() {
    send('GET', base + 'multipart/' + encodeURIComponent(id) + query(), null, { Accept: 'application/json' }, function (request) {
      var listed = null;
      try { listed = JSON.parse(request.responseText); } catch (e) { }
      if (request.status === 200 && Array.isArray(listed)) return missing(listed);
      if (request.status === 404 || request.status === 410) { // gone: start again
        remember(mark);
        return create();
      }
      fail(request, resume);
    });
  }

  try { kept = JSON.parse(localStorage.getItem(mark)) || kept; } catch (e) { }
  kept.etags = kept.etags || [];
  if (size <= upload.threshold) sha256(file, put);
  else if (kept.id) {
    key = kept.key;
    id = kept.id;
    resume();
  } else create();

  return {
    cancel: function () {
      halt();
      if (id) {
        var request = new XMLHttpRequest();
        request.open('DELETE', base + 'multipart/' + encodeURIComponent(id) + query());
        request.send();
      }
      remember(mark);
    }
  };
}
