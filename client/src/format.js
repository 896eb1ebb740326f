// Texts for people: placeholders filled in, sizes, percentages.

function fmt(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, function (match, key) {
    return vars && key in vars ? String(vars[key]) : match;
  });
}

// Bytes for people, like Go's sticky.SizeString: "812 bytes", "1.2 MiB",
// in the words of msgs (byte, bytes, point).
function formatSize(n, msgs) {
  msgs = msgs || messages;
  if (typeof n !== 'number' || !(n >= 0) || n === Infinity) return '';
  n = Math.floor(n);
  if (n < 1024) return n === 1 ? msgs.byte : fmt(msgs.bytes, { n: n });
  var units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'], v = n, i = 0;
  for (;; i++) {
    v /= 1024;
    if (v < 1023.95 || i === units.length - 1) break;
  }
  // Go rounds exact ties to even, toFixed up: only x.25 differs.
  var s = (v % 1 === 0.25 ? v - 0.01 : v).toFixed(1);
  return s.replace(/\.0$/, '').replace('.', msgs.point) + ' ' + units[i];
}

// "5MiB", "512 KB", "1000" to bytes, as Go's ParseSize: KiB and k are
// 1024, KB is 1000; NaN if not a size.
function parseSize(s) {
  var m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt]?)(i?)(b?))\s*$/i.exec(s || '');
  var base = m && m[2] && m[4] && !m[3] ? 1000 : 1024;
  return m ? Math.floor(m[1] * Math.pow(base, ' kmgt'.indexOf((m[2] || ' ').toLowerCase()))) : NaN;
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
