// /staff/sessions/{session_id}: the staff monitor on a 班主任's phone. Logs in with the staff account (the token
// stays in local storage), then every 3 s shows the counts, who is missing (with 请假 and 补签, each with a reason)
// and the failed check-in attempts with why they failed.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var sessionId = location.pathname.split('/').pop();
  var REASONS = {
    outside_geofence: '不在签到范围',
    device_shared: '一机多人',
    device_mismatch: '非绑定手机',
    qr_token_expired: '二维码过期',
    qr_token_invalid: '二维码无效',
    qr_token_forged: '伪造的二维码',
    location_required: '未提供定位',
    not_enrolled: '非本班学员',
    session_closed: '签到已结束',
    session_not_open: '签到未开始',
    rate_limited: '操作过于频繁',
  };

  function showLogin() {
    $('login').classList.remove('hidden');
    $('monitor').classList.add('hidden');
  }

  /** A call as the logged-in staff member; a dead login brings the login form back. */
  function api(method, path, body) {
    return R.api(method, path, {
      token: R.staff.get(),
      body: body,
      unauthorized: function () {
        R.staff.clear();
        showLogin();
      },
    });
  }

  function correct(entry, status, label) {
    var reason = window.prompt('将 ' + entry.name + ' 标记为“' + label + '”，请填写原因：');
    if (!reason) {
      return;
    }
    api('PUT', '/sessions/' + sessionId + '/attendance/' + entry.enrollment_id, { status: status, reason: reason })
      .then(function (res) {
        if (!res.ok) {
          window.alert(R.failed(res));
        }
        refresh();
      })
      .catch(function () {});
  }

  function render(s) {
    var c = s.counts;
    $('c-arrived').textContent = c.attended;
    $('c-late').textContent = c.late;
    $('c-missing').textContent = c.not_yet;
    $('c-leave').textContent = c.leave;
    $('c-absent').textContent = c.absent;
    $('c-expected').textContent = c.expected;
    var ul = $('missing');
    ul.innerHTML = '';
    var missing = s.entries.filter(function (e) {
      return !e.status;
    });
    if (!missing.length) {
      ul.appendChild(R.el('li', 'empty', '全部到齐'));
    }
    missing.forEach(function (e) {
      var li = R.el('li');
      li.dataset.enrollment = e.enrollment_id;
      var who = R.el('div', 'who', e.name);
      who.appendChild(R.el('small', '', e.unit));
      var acts = R.el('div');
      [
        ['leave', '请假'],
        ['present', '补签'],
      ].forEach(function (a) {
        var b = R.el('button', '', a[1]);
        b.onclick = function () {
          correct(e, a[0], a[1]);
        };
        acts.appendChild(b);
      });
      li.appendChild(who);
      li.appendChild(acts);
      ul.appendChild(li);
    });
  }

  function renderAttempts(page) {
    var ul = $('attempts');
    ul.innerHTML = '';
    var bad = page.items
      .filter(function (a) {
        return a.result !== 'ok' && a.result !== 'already';
      })
      .slice(0, 20);
    if (!bad.length) {
      ul.appendChild(R.el('li', 'empty', '暂无异常'));
    }
    bad.forEach(function (a) {
      var li = R.el('li');
      // Who (name and unit), why, how far, and when.
      var left = R.el('div', 'who', a.name ? a.name : '未识别的手机');
      if (a.unit) {
        left.appendChild(R.el('small', '', a.unit));
      }
      left.appendChild(
        R.el(
          'small',
          'why',
          (a.result_label || REASONS[a.result] || a.result) +
            (a.distance_m != null ? ' · 距离 ' + Math.round(a.distance_m) + ' 米' : '')
        )
      );
      li.appendChild(left);
      li.appendChild(R.el('span', '', R.hhmm(a.at)));
      ul.appendChild(li);
    });
  }

  function refresh() {
    api('GET', '/sessions/' + sessionId + '/attendance/summary')
      .then(function (res) {
        if (!res.ok) {
          $('sub').textContent = R.failed(res);
          return;
        }
        $('login').classList.add('hidden');
        $('monitor').classList.remove('hidden');
        render(res.body);
      })
      .catch(function () {});
    api('GET', '/sessions/' + sessionId + '/attempts?per_page=50')
      .then(function (res) {
        if (res.ok) {
          renderAttempts(res.body);
        }
      })
      .catch(function () {});
  }

  function start() {
    api('GET', '/sessions/' + sessionId)
      .then(function (res) {
        if (res.ok) {
          $('title').textContent = res.body.title;
          $('sub').textContent =
            R.hhmm(res.body.starts_at) + '–' + R.hhmm(res.body.ends_at) + ' ' + (res.body.venue || '');
        }
      })
      .catch(function () {});
    refresh();
    setInterval(refresh, 3000);
  }

  $('login-btn').onclick = function () {
    R.api('POST', '/auth/login', { body: { username: $('username').value, password: $('password').value } })
      .then(function (res) {
        if (res.ok) {
          R.staff.set(res.body.token);
          start();
        } else {
          R.message('login-error', R.failed(res, '登录失败'));
        }
      })
      .catch(function () {
        R.message('login-error', '网络异常，请重试');
      });
  };

  if (R.staff.get()) {
    start();
  } else {
    showLogin();
  }
})();
