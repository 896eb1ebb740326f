// Starting up: the one global, the listeners, every wrapper bound now and
// whenever markup is added.

function init() {
  var supported = false;
  try {
    supported = typeof FormData === 'function' && typeof WeakMap === 'function' &&
      'upload' in new XMLHttpRequest();
  } catch (e) { }

  // Not "Sticky": sticky-header libraries use that name.
  window.StickyUploads = { supported: supported, messages: messages, options: options, bind: supported ? scan : function () {} };
  if (!supported) return;
  states = new WeakMap();
  pending = new WeakMap();

  listenForInput();
  watchForms();

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) { if (node.nodeType === 1) scan(node); });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // Forget the unfinished uploads the server no longer keeps.
  eachKept(function (file, key, kept) { if (!(kept.expires > Date.now())) remember(key); });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { scan(); });
  } else {
    scan();
  }
}

if (!window.StickyUploads) init();
