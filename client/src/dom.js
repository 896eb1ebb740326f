// A field's elements: found by class, shown, hidden, told about.

var WRAPPER = '[data-sticky],[data-sticky-uploader]';

// The first match in el that is not in a row (or another wrapper) inside it.
function own(el, selector) {
  var all = el.querySelectorAll(selector);
  for (var i = 0; i < all.length; i++) if (all[i].closest('.sticky-item,' + WRAPPER) === el) return all[i];
  return null;
}

// The parts of a wrapper, or of a list's row.
function partsOf(el) {
  var wrapper = el.closest(WRAPPER), input = own(wrapper, 'input[type=file]');
  var part = function (name) { return own(el, '.sticky-' + name); };
  return {
    input: input,
    ref: input && own(el, 'input[type=hidden]' + (el === wrapper ? '[name="' + CSS.escape('_' + input.name) + '"]' : '')),
    kept: part('kept'), name: part('name'), size: part('size'), nojs: part('remove-nojs'),
    replace: part('replace'), remove: part('remove'), progress: part('progress'),
    cancel: part('cancel'), retry: part('retry'), status: part('status'), error: part('error'),
    list: part('list'), template: part('item-template')
  };
}

function show(el, on) { if (el) el.hidden = !on; }
function setText(el, text) { if (el) el.textContent = text; }
function visible(el) { return !!el && !el.closest('[hidden]'); }

// Focuses the first of elements that is visible; false if none is.
function focusFirst(elements) {
  return elements.some(function (el) {
    if (visible(el)) { el.focus(); return true; }
  });
}

function fieldOf(wrapper) { return wrapper.getAttribute('data-field') || partsOf(wrapper).input.name; }

// A size from the wrapper's data-name attribute, else fallback.
function sizeOption(wrapper, name, fallback) { return parseSize(wrapper.getAttribute('data-' + name)) || fallback; }

// Dispatches sticky:name; false if a listener cancelled it.
function fire(el, name, detail, cancelable) {
  return el.dispatchEvent(new CustomEvent('sticky:' + name,
    { bubbles: true, cancelable: !!cancelable, detail: detail }));
}
