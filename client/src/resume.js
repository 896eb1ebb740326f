// Unfinished tus uploads, kept in localStorage so that a reload can resume
// them: under the file's fingerprint, {url, expires}.

// The key of a file's unfinished upload.
function fingerprint(file, field, endpoint) {
  return 'sticky:' + JSON.stringify([endpoint, field, file.name, file.size, file.lastModified]);
}

// Keeps value under key; without a value, forgets key.
function remember(key, value) {
  try { if (value) localStorage.setItem(key, JSON.stringify(value)); else localStorage.removeItem(key); } catch (e) { }
}

// Calls fn([endpoint, field, name, size, lastModified], key, value) for each kept upload.
function eachKept(fn) {
  try {
    for (var i = localStorage.length; i--;) {
      var key = localStorage.key(i);
      if (key && key.indexOf('sticky:') === 0) fn(JSON.parse(key.slice(7)), key, JSON.parse(localStorage.getItem(key)));
    }
  } catch (e) { }
}
