// The print pages' 打印 button: a listener here, since the page policy runs no inline handler.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (button) {
    button.addEventListener('click', function () {
      window.print();
    });
  });
})();
