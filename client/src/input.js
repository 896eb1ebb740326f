// What people do to a field: choose, click its buttons, drop, paste.

// The bound wrapper an event happened in, if any.
function owner(e) {
  var target = e.target, wrapper;
  if (target && target.nodeType === 3) target = target.parentNode;
  wrapper = target && target.closest && target.closest(WRAPPER);
  return wrapper && bind(wrapper) ? wrapper : null;
}

// Chosen, dropped or pasted files: a row each, or the first for a single field.
function take(wrapper, files, picked) {
  files = Array.prototype.slice.call(files || []);
  if (states.get(wrapper).isList) addFiles(wrapper, files);
  else chooseFile(wrapper, files, picked);
}

function hasFiles(e) {
  var transfer = e.dataTransfer;
  return transfer && Array.prototype.indexOf.call(transfer.types || [], 'Files') >= 0;
}

function listenForInput() {
  document.addEventListener('change', function (e) {
    var wrapper = owner(e);
    if (wrapper && e.target === partsOf(wrapper).input) take(wrapper, e.target.files, 1);
  });

  document.addEventListener('click', function (e) {
    var wrapper = owner(e), button = wrapper && e.target.closest('button');
    var el = button && button.closest('.sticky-item,' + WRAPPER);
    var item = el && (states.get(el) || items(wrapper) && states.get(el));
    if (!item) return;
    var parts = partsOf(el);
    if (button === parts.cancel) {
      cancel(item);
      if (visible(parts.retry)) parts.retry.focus();
    } else if (button === parts.retry) {
      if (item.file) start(item, item.file);
    } else if (button === parts.remove) {
      remove(item);
    } else if (button === parts.replace) {
      parts.input.click();
    }
  });

  // Drop onto a wrapper; data-sticky-drop while files are over it.
  ['dragenter', 'dragover', 'drop'].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var wrapper = owner(e);
      if (!wrapper || !hasFiles(e)) return;
      e.preventDefault();
      if (type === 'drop') {
        wrapper.removeAttribute('data-sticky-drop');
        take(wrapper, e.dataTransfer.files);
      } else {
        e.dataTransfer.dropEffect = 'copy';
        wrapper.setAttribute('data-sticky-drop', '');
      }
    });
  });
  document.addEventListener('dragleave', function (e) {
    var wrapper = owner(e);
    if (wrapper && !wrapper.contains(e.relatedTarget)) wrapper.removeAttribute('data-sticky-drop');
  });

  // Paste into the wrapper with the focus, or the only one if none has it.
  document.addEventListener('paste', function (e) {
    var files = e.clipboardData && e.clipboardData.files, wrapper = owner(e), all = document.querySelectorAll(WRAPPER);
    if (!wrapper && e.target === document.body && all.length === 1) wrapper = bind(all[0]) && all[0];
    if (wrapper && files && files.length) {
      e.preventDefault();
      take(wrapper, files);
    }
  });
}
