// The tus 1.0 protocol's headers, and when a request is worth sending again.

// Upload-Metadata: "key base64(UTF-8)", comma separated.
function metadata(values) {
  return Object.keys(values).filter(function (key) { return values[key]; }).map(function (key) {
    return key + ' ' + btoa(unescape(encodeURIComponent(values[key])));
  }).join(',');
}

// The headers of a tus creation (offset == null) or of a PATCH at offset;
// every request also gets Tus-Resumable: 1.0.0.
function tusHeaders(file, field, offset) {
  return offset == null ? {
    'Upload-Length': String(file.size),
    'Upload-Metadata': metadata({ filename: file.name, filetype: file.type, field: field })
  } : { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' };
}

// Upload-Offset as 0..size, else -1.
function offsetOf(header, size) {
  var n = /^\d+$/.test(header) ? +header : -1;
  return n <= size ? n : -1;
}

// The reply of the request completing a tus upload (Sticky-Reply read as UTF-8).
function tusReply(ref, header, file) {
  var data = null;
  try { header = decodeURIComponent(escape(header)); } catch (e) { }
  try { data = JSON.parse(header); } catch (e) { }
  data = data && typeof data === 'object' ? data : {};
  data.is_valid = true;
  data.stored = ref;
  if (!data.filename) data.filename = file.name;
  if (typeof data.size !== 'number') data.size = file.size;
  if (!data.type) data.type = file.type;
  return data;
}

// Upload-Checksum of a chunk, 'sha256 <base64>', given to then; null where
// the browser cannot hash (crypto.subtle is for secure contexts only).
function chunkChecksum(blob, then) {
  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle || !blob.arrayBuffer) return then(null);
  blob.arrayBuffer().then(function (bytes) { return subtle.digest('SHA-256', bytes); }).then(function (sum) {
    then('sha256 ' + btoa(String.fromCharCode.apply(null, new Uint8Array(sum))));
  }, function () { then(null); });
}

// Worth sending a tus request again: network, offset conflict, lock, a chunk
// damaged on the way (460), 429, 5xx.
function retryable(status) {
  return !status || status === 409 || status === 423 || status === 429 || status === 460 ||
    status >= 500 && status !== 501 && status !== 507;
}

// Wait before retry n+1: 1, 2, 4, 8, 16, 16… s.
function backoff(n) {
  return Math.min(1000 * Math.pow(2, n), 16000);
}
