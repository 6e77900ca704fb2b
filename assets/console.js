// The staff console's small behaviours, on every console page (no inline script: the CSP allows none).
// - <form data-confirm="…">: asks before submitting (deleting a session, taking a trainee off the roster).
// - <button data-prompt="question" data-prompt-field="name">: asks for a reason before submitting its form; the
//   answer goes in a hidden field of that name (no answer: nothing is sent).
// - <button data-copy="id">: copies the value of the input with that id (a big-screen link) and says so.
// - <div data-live="url">: listens to the server-sent events at url (a change of a session or class); after each
//   burst of events (200 ms quiet) every [data-live-part] inside gets the htmx event `live` and fetches itself again.
//   A part marked data-live-hold waits while a checkbox in it is ticked (the person is choosing trainees). After a
//   dropped connection comes back, every part is fetched too (events may have been missed meanwhile).
// - <span data-file-name-for="id">: shows the name of the file chosen in the file input with that id (the input
//   itself is hidden behind a Chinese 选择文件 button; the browser's own control speaks the browser's language).
// - table.list: each cell gets its column's heading as data-label, which narrow screens show before the value (the
//   headings row is hidden there); again after htmx swaps a part in.
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

  document.addEventListener('change', function (event) {
    var input = event.target;
    if (!input || input.type !== 'file' || !input.id) {
      return;
    }
    var shown = document.querySelector('[data-file-name-for="' + input.id + '"]');
    if (shown) {
      shown.textContent = input.files && input.files.length ? input.files[0].name : '未选择文件';
    }
  });

  document.addEventListener('click', function (event) {
    var asking = event.target && event.target.closest ? event.target.closest('button[data-prompt]') : null;
    if (!asking || !asking.form) {
      return;
    }
    var answer = window.prompt(asking.getAttribute('data-prompt'));
    if (!answer || !answer.trim()) {
      event.preventDefault();
      return;
    }
    var name = asking.getAttribute('data-prompt-field');
    var hidden = asking.form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!hidden) {
      hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = name;
      asking.form.appendChild(hidden);
    }
    hidden.value = answer.trim();
  });

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

  var label = function (root) {
    root.querySelectorAll('table.list').forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll('tbody tr').forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (heads[i] && !td.hasAttribute('data-label')) {
            td.setAttribute('data-label', heads[i]);
          }
        });
      });
    });
  };
  label(document);
  document.addEventListener('htmx:afterSettle', function () {
    label(document);
  });

  var live = document.querySelector('[data-live]');
  if (live && window.EventSource && window.htmx) {
    var timer = null;
    var refresh = function () {
      timer = null;
      live.querySelectorAll('[data-live-part]').forEach(function (part) {
        if (part.hasAttribute('data-live-hold') && part.querySelector('input[type=checkbox]:checked')) {
          return;
        }
        window.htmx.trigger(part, 'live');
      });
    };
    var soon = function () {
      if (!timer) {
        timer = window.setTimeout(refresh, 200);
      }
    };
    var source = new EventSource(live.getAttribute('data-live'));
    var opened = false;
    source.addEventListener('open', function () {
      if (opened) {
        soon();
      }
      opened = true;
    });
    ['checked_in', 'checked_out', 'status_changed', 'window_opened', 'window_closed', 'refresh'].forEach(function (name) {
      source.addEventListener(name, soon);
    });
    window.addEventListener('pagehide', function () {
      source.close();
    });
  }
})();
