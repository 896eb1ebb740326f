// Binding wrappers, and showing an item's controls for its phase.
//
// An item is what uploads one file: a single field's wrapper, or a row of a
// list. states maps each wrapper and row to its item: {element, wrapper,
// file, job, uploadedFile, reply, loaded}; a wrapper's also holds isList,
// batch (the items uploading together), milestoneSaid, nextMessage and
// sayTimer.
var states;

function bind(wrapper) {
  if (states.has(wrapper)) return states.get(wrapper);
  var parts = partsOf(wrapper), resumes = [wrapper.getAttribute('data-tus'), wrapper.getAttribute('data-direct')];
  if (!parts.input || !wrapper.getAttribute('data-endpoint') || !(parts.list ? parts.template : parts.ref)) return null;
  var state = { element: wrapper, wrapper: wrapper, isList: !!parts.list, batch: [] };
  states.set(wrapper, state);
  wrapper.classList.add('sticky-js');
  if (state.isList) items(wrapper);
  else {
    show(parts.nojs, false);
    render(state, '');
    if (wrapper.getAttribute('data-checking')) recheck(state, wrapper.getAttribute('data-checking'));
  }
  // Offer to resume what a reload interrupted.
  eachKept(function (kept) {
    if (kept[0] && resumes.indexOf(kept[0]) >= 0 && kept[1] === fieldOf(wrapper)) say(wrapper, fmt(messagesOf(wrapper).interrupted, { name: kept[2] }));
  });
  return state;
}

// Binds root and every wrapper in it.
function scan(root) {
  root = root || document;
  if (root.matches && root.matches(WRAPPER)) bind(root);
  if (root.querySelectorAll) root.querySelectorAll(WRAPPER).forEach(function (wrapper) { bind(wrapper); });
}

// A wrapper's items: itself, or its rows (bound on first sight).
function items(wrapper) {
  var state = states.get(wrapper);
  if (!state.isList) return [state];
  return Array.prototype.map.call(partsOf(wrapper).list.querySelectorAll('.sticky-item'), function (row) {
    var item = states.get(row);
    if (!item) {
      states.set(row, item = { element: row, wrapper: wrapper });
      show(partsOf(row).nojs, false);
      render(item, '');
      if (row.getAttribute('data-checking')) recheck(item, row.getAttribute('data-checking'));
    }
    return item;
  });
}

// Shows an item's controls for a phase ('', uploading, checking, done,
// failed, cancelled); focus on a control now hidden moves to a visible one.
function render(item, phase) {
  var el = item.element, parts = partsOf(el), active = document.activeElement;
  var lost = active && active !== document.body && el.contains(active);
  var uploading = phase === 'uploading' || phase === 'checking', kept = el === item.wrapper && !!parts.ref.value;
  show(parts.progress, uploading);
  show(parts.cancel, uploading);
  show(parts.retry, phase === 'failed' && !item.refused || phase === 'cancelled');
  show(parts.kept, kept);
  show(parts.replace, kept);
  show(parts.remove, el === item.wrapper ? kept : !uploading);
  if (phase) el.setAttribute('data-sticky-state', phase);
  else el.removeAttribute('data-sticky-state');
  if (lost && !visible(active)) focusFirst([parts.retry, parts.cancel, parts.replace, parts.remove, parts.input]);
}

// A required field's input is required while it has no file.
function syncRequired(wrapper) {
  var input = partsOf(wrapper).input, none = !items(wrapper).some(function (item) {
    var ref = partsOf(item.element).ref;
    return item.job || ref && ref.value;
  });
  if (!none || wrapper.hasAttribute('data-required')) input.required = none;
}
