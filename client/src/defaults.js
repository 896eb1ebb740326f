// What the script says (StickyUploads.messages) and how it uploads
// (StickyUploads.options); pages change their entries. Every sentence the
// script shows is here: the server's catalogue (catalogue.go, ids
// "client.*" and "size.*") has them in each language.

var messages = {
  uploading: 'Uploading {name}…',
  uploadingMany: '{count} files uploading.',
  progress: '{name}: {percent}% uploaded.',
  progressMany: '{count} files: {percent}% uploaded.',
  checking: 'Checking {name}…',
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
  badReply: 'The upload failed: the server sent a reply that could not be read.',
  cancelNamed: 'Cancel {name}',
  retryNamed: 'Retry {name}',
  removeNamed: 'Remove {name}',
  byte: '1 byte',
  bytes: '{n} bytes',
  point: '.'
};

// A wrapper's messages: those of its page's language, which the server
// writes in data-messages, over these.
function messagesOf(wrapper) {
  var state = states.get(wrapper), own = null;
  if (state && state.messages) return state.messages;
  try { own = JSON.parse(wrapper.getAttribute('data-messages')); } catch (e) { }
  own = Object.assign(Object.create(messages), own && typeof own === 'object' ? own : null);
  if (state) state.messages = own;
  return own;
}

// data-chunk-threshold and data-chunk-size on a wrapper override the first two.
var options = {
  chunkThreshold: 8 << 20, // bigger files go through tus, if the wrapper has data-tus
  chunkSize: 5 << 20,
  concurrency: 3,          // uploads at once, in the whole page
  parts: 3,                // parts of one file at once, straight to a bucket
  retries: 8,              // after a lost connection, waiting backoff(n) before each
  stall: 60000             // ms without progress that count as a lost connection
};
