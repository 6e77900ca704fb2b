// The staff console's small behaviours, on every console page (no inline script: the CSP allows none).
// - <form data-confirm="…">: asks before submitting (deleting a session, taking a trainee off the roster).
// - <button data-copy="id">: copies the value of the input with that id (a big-screen link) and says so.
(function () {
  'use strict';

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener('click', function (event) {
    var button = event.target && event.target.closest ? event.target.closest('button[data-copy]') : null;
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute('data-copy'));
    if (!input) {
      return;
    }
    var done = function () {
      button.textContent = '已复制';
    };
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        document.execCommand('copy');
        done();
      });
    } else {
      document.execCommand('copy');
      done();
    }
  });
})();
