// Forms: a submission waits for its uploads, and the bytes of an uploaded
// file are not posted again.

var pending; // form -> the submitter of a submission held back

// The bound wrappers of a form's file inputs.
function wrappersOf(form) {
  var out = [];
  Array.prototype.forEach.call(form.elements || [], function (el) {
    var wrapper = el.type === 'file' && el.closest(WRAPPER);
    if (wrapper && states.has(wrapper)) out.push(wrapper);
  });
  return out;
}

function uploading(wrapper) {
  return items(wrapper).some(function (item) { return item.job; });
}

function busy(form) {
  return wrappersOf(form).some(uploading);
}

function dropSubmission(form) {
  if (form) pending.delete(form);
}

// Sends a submission held back once the form's last upload is done.
function submitIfReady(form) {
  if (form && pending.has(form) && !busy(form)) {
    var submitter = pending.get(form);
    pending.delete(form);
    resubmit(form, submitter);
  }
}

function resubmit(form, submitter) {
  if (submitter && submitter.form !== form) submitter = null;
  if (!form.requestSubmit) return submitter ? submitter.click() : form.submit();
  try { form.requestSubmit(submitter); } catch (e) { form.requestSubmit(); }
}

// Fields not to post: their file is uploaded, _F stands for it.
function uploadedFields(form) {
  return wrappersOf(form).filter(function (wrapper) {
    var state = states.get(wrapper), parts = partsOf(wrapper), file = parts.input.files && parts.input.files[0];
    return !state.isList && parts.ref.value && sameFile(file, state.uploadedFile);
  }).map(function (wrapper) { return partsOf(wrapper).input.name; });
}

function watchForms() {
  // Capture: hold a submission back before the form's own listeners.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !busy(form)) return;
    e.preventDefault();
    e.stopPropagation();
    pending.set(form, e.submitter || null);
    wrappersOf(form).forEach(function (wrapper) {
      if (uploading(wrapper)) say(wrapper, messagesOf(wrapper).waiting, 1);
    });
  }, true);
  document.addEventListener('formdata', function (e) {
    uploadedFields(e.target).forEach(function (name) { e.formData.delete(name); });
  }, true);
  document.addEventListener('htmx:configRequest', function (e) {
    var el = e.target, params = e.detail && e.detail.parameters;
    var form = el instanceof HTMLFormElement ? el : el.form || el.closest('form');
    if (form && params) {
      uploadedFields(form).forEach(function (name) { try { delete params[name]; } catch (x) { } });
    }
  });
}
