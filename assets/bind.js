// /h5/bind: binds this phone with the invite code from the card's QR (`?code=`), which the trainee checks first.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var input = $('code');
  input.value = new URLSearchParams(location.search).get('code') || '';

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
