// What the wrapper's live region (.sticky-status) says, and how often.

// What to say of a batch of count files (ok uploaded, busy still going) on
// event 'start', 'ok' or 'bad'; null for nothing (a failure has its alert).
function tally(event, count, ok, busy, name, msgs) {
  msgs = msgs || messages;
  if (event === 'start') return busy > 1 ? fmt(msgs.uploadingMany, { count: busy }) : fmt(msgs.uploading, { name: name });
  if (busy) return event === 'ok' ? fmt(msgs.uploaded, { name: name }) : null;
  if (count === 1) return ok ? fmt(msgs.uploaded, { name: name }) : '';
  return fmt(ok === count ? msgs.allUploaded : msgs.someUploaded, { count: count, done: ok });
}

// Polite announcement, at most one a second, the latest waiting wins;
// how > 0: an answer to the user, said now; how < 0: only if none waits.
function say(wrapper, message, how) {
  var state = states.get(wrapper);
  if (message == null || !state || how < 0 && state.nextMessage != null) return;
  state.nextMessage = message;
  if (how > 0 || !state.sayTimer) flush(wrapper, state);
}

function flush(wrapper, state) {
  var status = partsOf(wrapper).status, message = state.nextMessage;
  clearTimeout(state.sayTimer);
  state.sayTimer = 0;
  if (message == null) return;
  state.nextMessage = null;
  // The same sentence again must still be heard.
  if (status) status.textContent = message && status.textContent === message ? message + '\u00a0' : message;
  if (message) state.sayTimer = setTimeout(function () { flush(wrapper, state); }, 1000);
}
