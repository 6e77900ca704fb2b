// /h5/bind: binds this phone with the invite code from the card's QR (`?code=`), which the trainee checks first.
// Once bound, the form is done with: it is locked, and the page goes on to the trainee's own page /h5/me (or back
// to the page that sent them, `?next=` a path on this site under /c/ or /h5/), with a link in case it does not.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var input = $('code');
  input.value = new URLSearchParams(location.search).get('code') || '';

  /** Where to go once bound: `?next=` when it is a page of this site for trainees, else /h5/me. */
  function onward() {
    var next = new URLSearchParams(location.search).get('next') || '';
    return /^\/(c|h5)\/[A-Za-z0-9_\-/.?=&%]*$/.test(next) && next.indexOf('//') < 0 ? next : '/h5/me';
  }

  function show(ok, text) {
    var r = $('result');
    r.className = ok ? 'ok' : 'err';
    r.textContent = text;
  }

  $('go').onclick = function () {
    var btn = this;
    btn.disabled = true;
    R.bindPhone(input.value)
      .then(function (res) {
        btn.disabled = false;
        if (res.ok) {
          var t = res.body.trainee;
          var cls = (t.enrollments[0] || {}).class || {};
          input.disabled = true;
          btn.classList.add('hidden');
          show(
            true,
            '绑定成功：' +
              t.name +
              '（' +
              t.unit +
              '）' +
              (cls.name ? '，' + cls.name : '') +
              '。上课时请用手机扫描教室屏幕上的二维码签到。'
          );
          var link = $('onward');
          link.href = onward();
          link.classList.remove('hidden');
          window.setTimeout(function () {
            location.assign(link.href);
          }, 1500);
        } else {
          show(false, R.failed(res, '绑定失败，请稍后再试'));
        }
      })
      .catch(function () {
        btn.disabled = false;
        show(false, '网络异常，请检查网络后重试');
      });
  };
})();
