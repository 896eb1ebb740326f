// A single field: the file chosen, dropped or pasted, kept once uploaded,
// and removed.

// Same file, even as another File object.
function sameFile(a, b) {
  return !!a && !!b && (a === b || (a.name === b.name && a.size === b.size &&
    a.type === b.type && a.lastModified === b.lastModified));
}

// Uploads the first of files; picked: they come from the input itself.
function chooseFile(wrapper, files, picked) {
  var state = states.get(wrapper), parts = partsOf(wrapper), file = files[0];
  if (!file) return picked && cancel(state);
  if (!picked) {
    try {
      var transfer = new DataTransfer();
      transfer.items.add(file);
      parts.input.files = transfer.files;
    } catch (e) {
      parts.input.value = ''; // never post an older choice's bytes
    }
  }
  if (!state.job && state.uploadedFile && parts.ref.value && sameFile(file, state.uploadedFile)) return;
  start(state, file);
}

// The uploaded file is kept: the no-script "remove" box no longer applies.
function keep(wrapper, parts) {
  var box = parts.nojs && parts.nojs.querySelector('input');
  if (box) box.checked = false;
  wrapper.setAttribute('data-kept', '');
}

function clearField(item, detail) {
  var wrapper = item.wrapper, parts = partsOf(wrapper);
  item.file = item.uploadedFile = item.reply = null;
  parts.ref.value = '';
  parts.input.value = '';
  wrapper.removeAttribute('data-kept');
  setText(parts.error, '');
  parts.input.removeAttribute('aria-invalid');
  render(item, '');
  syncRequired(wrapper);
  say(wrapper, messagesOf(wrapper).removed, 1);
  fire(wrapper, 'remove', detail);
  parts.input.focus();
}
