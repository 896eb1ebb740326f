// The whole file in one request to the upload endpoint.
//
// Each way of uploading takes {file, field, url, chunk, messages, say, progress, done}
// and returns {cancel}; done receives a reply as readReply makes it.

function oneShot(upload) {
  var form = new FormData(), request = new XMLHttpRequest();
  form.append('field', upload.field);
  form.append('upload', upload.file);
  request.open('POST', upload.url);
  request.setRequestHeader('Accept', 'application/json');
  request.upload.onprogress = function (e) { if (e.lengthComputable) upload.progress(e.loaded, e.total); };
  request.onload = function () { upload.done(readReply(request.status, request.responseText, upload.messages)); };
  request.onerror = function () { upload.done(readReply(0, '', upload.messages)); };
  request.send(form);
  return { cancel: function () { request.abort(); } };
}
