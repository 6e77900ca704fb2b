// /staff/sessions/{session_id}: the staff monitor on a 班主任's phone. Logs in with the staff account (the token
// stays in local storage), then every 3 s shows whether check-in is open (with 开始/结束签到), the counts, who is
// missing (with 请假 and 补签, each with a reason), who has arrived or was handled (a staff change can be undone, with
// a reason), and the failed check-in attempts with who and why. A switcher goes to the day's other sessions; 打开大屏
// makes a big-screen link for this session and opens it.
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

  /** Asks for the reason a change needs; null (after saying so) when none is given. */
  function askReason(question) {
    var reason = window.prompt(question);
    if (reason === null) {
      return null;
    }
    if (!reason.trim()) {
      window.alert('必须填写原因（将记入操作日志），本次未修改。');
      return null;
    }
    return reason.trim();
  }

  function correct(entry, status, label) {
    var reason = askReason('将 ' + entry.name + ' 标记为“' + label + '”，请填写原因：');
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

  var session = null;
  var STATES = { not_open: '签到未开始', open: '签到中', closed: '签到已结束' };

  function undo(entry) {
    var reason = askReason('撤销对 ' + entry.name + ' 的上一次修改（恢复为修改前的状态），请填写原因：');
    if (!reason) {
      return;
    }
    api('POST', '/sessions/' + sessionId + '/attendance/' + entry.enrollment_id + '/undo', { reason: reason })
      .then(function (res) {
        if (!res.ok) {
          window.alert(R.failed(res));
        }
        refresh();
      })
      .catch(function () {});
  }

  function renderState(s) {
    var state = s.window;
    $('state').textContent = STATES[state] || state;
    $('state').className = 'tag st-' + state;
    var note = '';
    if (state === 'not_open' && session) {
      var opens = new Date(Date.parse(session.starts_at) - session.window.open_before_min * 60000).toISOString();
      note = R.hhmm(opens) + ' 开放签到';
    }
    $('state-note').textContent = note;
    var toggle = $('toggle');
    toggle.textContent = state === 'open' ? '结束签到' : '开始签到';
    toggle.dataset.action = state === 'open' ? 'close' : 'open';
    toggle.classList.remove('hidden');
  }

  function renderArrived(s) {
    var ul = $('arrived');
    ul.innerHTML = '';
    var done = s.entries.filter(function (e) {
      return e.status;
    });
    if (!done.length) {
      ul.appendChild(R.el('li', 'empty', '暂无'));
    }
    done.forEach(function (e) {
      var li = R.el('li');
      li.dataset.enrollment = e.enrollment_id;
      var who = R.el('div', 'who', e.name);
      who.appendChild(R.el('small', '', e.status_label + (e.checked_in_at ? ' · ' + R.hhmm(e.checked_in_at) : '')));
      li.appendChild(who);
      if (e.source === 'staff') {
        var b = R.el('button', 'secondary', '撤销');
        b.onclick = function () {
          undo(e);
        };
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
  }

  function render(s) {
    renderState(s);
    renderArrived(s);
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

  function loadDay() {
    var day = new Date(Date.parse(session.starts_at) + 8 * 3600 * 1000).toISOString().slice(0, 10);
    api('GET', '/classes/' + session.class_id + '/sessions?date=' + day)
      .then(function (res) {
        if (!res.ok) {
          return;
        }
        var select = $('switch');
        select.innerHTML = '';
        res.body.forEach(function (x) {
          var o = R.el('option', '', R.hhmm(x.starts_at) + ' ' + x.title);
          o.value = x.id;
          o.selected = x.id === sessionId;
          select.appendChild(o);
        });
      })
      .catch(function () {});
  }

  $('switch').onchange = function () {
    if (this.value && this.value !== sessionId) {
      location.assign('/staff/sessions/' + this.value);
    }
  };

  $('toggle').onclick = function () {
    var action = this.dataset.action;
    if (action === 'close' && !window.confirm('结束签到？之后学员无法再签到。')) {
      return;
    }
    api('POST', '/sessions/' + sessionId + '/' + action, {})
      .then(function (res) {
        if (!res.ok) {
          window.alert(R.failed(res));
        }
        refresh();
      })
      .catch(function () {});
  };

  $('screen-btn').onclick = function () {
    // Opened at once (a window opened later would be blocked), then sent to the new link.
    var screen = window.open('', '_blank');
    api('POST', '/sessions/' + sessionId + '/screen-links', {})
      .then(function (res) {
        if (res.ok && screen) {
          screen.location.href = res.body.url;
        } else {
          if (screen) {
            screen.close();
          }
          window.alert(R.failed(res, '未能生成大屏链接'));
        }
      })
      .catch(function () {});
  };

  function start() {
    api('GET', '/sessions/' + sessionId)
      .then(function (res) {
        if (res.ok) {
          session = res.body;
          $('title').textContent = res.body.title;
          $('sub').textContent =
            R.hhmm(res.body.starts_at) + '–' + R.hhmm(res.body.ends_at) + ' ' + (res.body.venue || '');
          loadDay();
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
