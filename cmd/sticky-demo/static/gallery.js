// gallery.js: saves each picture of the gallery's uploader as soon as its
// upload succeeds, and adds its thumbnail to the grid.
(function () {
  'use strict';
  function start() {
    var box = document.querySelector('[data-gallery-uploader]');
    var grid = document.querySelector('[data-gallery-grid]');
    if (!box || !grid) return;
    var empty = document.querySelector('[data-gallery-empty]');
    var error = box.querySelector('[data-gallery-error]');

    function showError(msg) {
      error.textContent = msg;
      error.hidden = !msg;
    }

    function add(p) {
      var li = document.createElement('li');
      li.className = 'gallery-item gallery-new';
      var a = document.createElement('a');
      a.href = p.image;
      var img = document.createElement('img');
      img.src = p.thumb;
      img.alt = p.name;
      a.appendChild(img);
      li.appendChild(a);
      grid.insertBefore(li, grid.firstChild);
      if (empty) empty.hidden = true;
    }

    box.addEventListener('sticky:success', function (ev) {
      var reply = ev.detail && ev.detail.response;
      if (!reply || !reply.stored) return;
      var row = ev.target;
      var body = new URLSearchParams();
      body.append('_gallery', reply.stored);
      fetch('/gallery', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Accept': 'application/json' },
        body: body
      }).then(function (res) {
        return res.json().catch(function () { return { error: 'The picture could not be saved (HTTP ' + res.status + ').' }; });
      }).then(function (out) {
        (out.pictures || []).forEach(add);
        showError(out.error || '');
        if (out.pictures && out.pictures.length && row && row.classList) {
          // Saved for good: the row's Remove would only drop the row, not
          // the picture, so it goes; the row says where the picture went.
          row.classList.add('gallery-saved');
          var remove = row.querySelector('.sticky-remove');
          if (remove) remove.remove();
          var note = document.createElement('span');
          note.className = 'gallery-saved-note';
          note.textContent = 'Saved to the gallery.';
          row.appendChild(note);
        }
      }, function () {
        showError('The picture could not be saved: the network connection was lost.');
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
