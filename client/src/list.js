// A field of several files: a row each, from the list's <template>.

// Adds a row for each new file and uploads them together.
function addFiles(wrapper, files) {
  var state = states.get(wrapper), parts = partsOf(wrapper), busy;
  parts.input.value = ''; // the bytes are never posted with the form
  if (files.length) setText(parts.error, '');
  files.forEach(function (file) {
    if (items(wrapper).some(function (item) { return (item.job || item.uploadedFile) && sameFile(file, item.file); })) return;
    var row = parts.template.content.firstElementChild.cloneNode(true), item = { element: row, wrapper: wrapper }, rowParts;
    states.set(row, item);
    parts.list.append(row);
    show(parts.list, true);
    rowParts = partsOf(row);
    setText(rowParts.name, file.name);
    setText(rowParts.size, formatSize(file.size, messagesOf(wrapper)));
    row.querySelectorAll('button').forEach(function (button) {
      // sticky's buttons say what they do to which file; a page's own, its text and the name.
      var kind = /\bsticky-(cancel|retry|remove)\b/.exec(button.getAttribute('class')), msgs = messagesOf(wrapper);
      button.setAttribute('aria-label', kind ? fmt(msgs[kind[1] + 'Named'], { name: file.name }) : button.textContent.trim() + ' ' + file.name);
    });
    start(item, file, 1);
  });
  show(parts.list, parts.list.querySelector('.sticky-item'));
  busy = countBatch(state.batch).busy;
  if (busy) say(wrapper, tally('start', 0, 0, busy, state.batch[state.batch.length - 1].file.name, messagesOf(wrapper)), 1);
}

// Takes a row out; the focus goes to the next row's buttons, or the input.
function removeRow(item, detail) {
  var wrapper = item.wrapper, state = states.get(wrapper), row = item.element, input = partsOf(row).input;
  fire(row, 'remove', detail);
  var next = row.nextElementSibling || row.previousElementSibling, list = row.parentNode;
  state.batch.splice(state.batch.indexOf(item) >>> 0, 1);
  row.remove();
  show(list, list.querySelector('.sticky-item'));
  syncRequired(wrapper);
  say(wrapper, messagesOf(wrapper).removed, 1);
  next = next && partsOf(next);
  focusFirst([next && next.remove, next && next.retry, input]);
}
