// The server's replies: success, or the sentence to show for a failure.

// A failure's sentence: the server's (errors.upload[0] first), else generic.
function errorMessage(status, data, msgs) {
  msgs = msgs || messages;
  var errors = data && typeof data === 'object' && data.errors;
  if (errors && typeof errors === 'object') {
    var keys = ['upload'].concat(Object.keys(errors));
    for (var i = 0; i < keys.length; i++) {
      var list = errors[keys[i]];
      var first = Array.isArray(list) ? list[0] : list;
      if (typeof first === 'string' && first.trim()) return first;
    }
  }
  if (!status) return msgs.network;
  if (status >= 200 && status < 300) return msgs.badReply;
  return fmt(msgs.http, { status: status });
}

// {ok, data, status[, message]} of a reply; plainText: a plain-text body is the message.
function readReply(status, body, msgs, plainText) {
  var data = null, text = String(body || '').trim();
  try { data = JSON.parse(body); } catch (e) { }
  if (status >= 200 && status < 300 && data && data.is_valid === true &&
      typeof data.stored === 'string' && data.stored) {
    return { ok: true, data: data, status: status };
  }
  return { ok: false, data: data, status: status, message: plainText && !data && status > 299 &&
    /^[^<]{1,300}$/.test(text) && !/^ERR_/.test(text) ? text : errorMessage(status, data, msgs) };
}

// The server refused the file itself: it leaves the input too.
function rejected(status) {
  return status === 400 || status === 403 || status === 413 || status === 415;
}
