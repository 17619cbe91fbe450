/* The desk's few scripts; every page works without them. */
// a large list shows how far its upload has come; without JavaScript the form posts as usual
var uploadForm = document.getElementById('upload-form');
if (uploadForm) uploadForm.addEventListener('submit', function (event) {
  var form = event.target, file = form.elements.file.files[0];
  if (!file || !window.XMLHttpRequest || !window.FormData) return;
  event.preventDefault();
  var box = document.getElementById('progress'), bar = document.getElementById('upload-progress');
  box.hidden = false;
  var xhr = new XMLHttpRequest();
  xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onload = function () {
    if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
    document.open(); document.write(xhr.responseText); document.close();
  };
  xhr.onerror = function () { form.submit(); };
  xhr.open('POST', form.action);
  xhr.send(new FormData(form));
});
// the letter's print button
var printButton = document.getElementById('print-letter');
if (printButton) printButton.addEventListener('click', function () { window.print(); });
