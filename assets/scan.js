// /c/{token}: the page behind every classroom QR. A bound phone checks in at once (with its position when the
// browser gives one); an unbound one asks for the invite code first. After the check-in window, the same scan
// checks out. The result is shown large.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var qr = decodeURIComponent(location.pathname.split('/c/')[1] || '');

  function show(id) {
    ['status', 'bind', 'result'].forEach(function (x) {
      $(x).classList.toggle('hidden', x !== id);
    });
  }

  /** One nonce per scanned code in this tab, so a retried check-in is answered once. */
  function nonce() {
    var key = 'rollcall.nonce.' + qr;
    var n = sessionStorage.getItem(key);
    if (!n) {
      n = R.randomHex(12);
      sessionStorage.setItem(key, n);
    }
    return n;
  }

  function result(ok, title, detail) {
    $('result').className = 'card ' + (ok ? 'ok' : 'err');
    $('result-title').textContent = title;
    $('result-detail').textContent = detail;
    show('result');
  }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) {
        resolve({ error: 'unsupported' });
        return;
      }
      navigator.geolocation.getCurrentPosition(
        function (p) {
          resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: p.coords.accuracy, coord: 'wgs84' });
        },
        function (e) {
          resolve({ error: e.code === 1 ? 'denied' : 'unavailable' });
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 }
      );
    });
  }

  function send(token, kind, loc) {
    var body = { qr_token: qr, nonce: nonce() + (kind === 'out' ? '-out' : ''), kind: kind };
    if (loc && !loc.error) {
      body.location = loc;
    }
    return R.api('POST', '/checkins', { token: token, body: body });
  }

  function checkIn() {
    var token = R.trainee.get();
    if (!token) {
      show('bind');
      return;
    }
    show('status');
    $('status').textContent = '正在获取位置并签到…';
    position()
      .then(function (loc) {
        return send(token, 'in', loc)
          .then(function (res) {
            if (res.body && res.body.code === 'session_closed') {
              return send(token, 'out', loc).then(function (out) {
                return out.body && out.body.code === 'not_checked_in' ? res : out;
              });
            }
            return res;
          })
          .then(function (res) {
            var b = res.body || {};
            if (res.status === 200 || res.status === 201) {
              var out = b.kind === 'out';
              var at = out ? b.checked_out_at : b.checked_in_at;
              var title = out ? '签退成功' : b.already_checked_in ? '您已签到' : '签到成功';
              result(
                true,
                title,
                b.session_title + '\n' + (out ? '签退' : '签到') + '时间 ' + R.hhmm(at) + ' · ' + b.status_label
              );
            } else if (b.code === 'invalid_token') {
              R.trainee.clear();
              show('bind');
            } else {
              var detail = R.failed(res, '签到失败，请稍后再试');
              if (b.code === 'location_required' && loc.error === 'denied') {
                detail = '无法获取位置：您拒绝了定位权限。请在浏览器或微信设置中允许获取位置后，重新扫描二维码。';
              }
              result(false, '签到未成功', detail);
            }
          });
      })
      .catch(function () {
        result(false, '网络异常', '请检查网络后重新扫描二维码。');
      });
  }

  $('bind-btn').onclick = function () {
    var btn = this;
    btn.disabled = true;
    R.bindPhone($('invite-code').value)
      .then(function (res) {
        btn.disabled = false;
        if (res.ok) {
          checkIn();
        } else {
          R.message('bind-error', R.failed(res, '绑定失败'));
        }
      })
      .catch(function () {
        btn.disabled = false;
        R.message('bind-error', '网络异常，请重试');
      });
  };

  checkIn();
})();
