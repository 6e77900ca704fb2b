// /screen/{session_id}#key=…: the classroom big screen. Polls the screen state with the key (from the URL fragment,
// sent in a header only), shows the rotating QR with a countdown on the server's clock, the counter and the
// latest arrivals, and asks again as soon as the code is about to change. Before check-in opens it shows when it
// opens with a countdown; a clock (China time, on the server's clock) is always in the corner.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
  var shownToken = null;
  var expiresAt = 0;
  var offset = 0;
  var opensAt = 0;

  function notice(text) {
    $('qr-box').classList.add('hidden');
    $('notice').classList.remove('hidden');
    $('notice-text').textContent = text;
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function render(s) {
    offset = Date.parse(s.server_time) - Date.now();
    $('class-name').textContent = s.class_name;
    $('session-title').textContent = s.session_title;
    $('session-when').textContent =
      R.cn(s.starts_at).day + ' ' + R.hhmm(s.starts_at) + '–' + R.hhmm(s.ends_at) + (s.venue ? ' · ' + s.venue : '');
    var c = s.counts;
    var arrived = c.attended;
    var counter = $('counter');
    counter.textContent = arrived;
    counter.appendChild(R.el('small', '', ' / ' + c.expected));
    var list = $('latest');
    list.innerHTML = '';
    s.latest.forEach(function (a) {
      var li = R.el('li');
      li.appendChild(R.el('span', '', a.name));
      li.appendChild(R.el('span', '', R.hhmm(a.at) + ' ' + a.status_label));
      list.appendChild(li);
    });
    if (s.qr) {
      $('notice').classList.add('hidden');
      $('qr-box').classList.remove('hidden');
      $('mode').textContent = s.qr.mode === 'check_out' ? '请扫码签退' : '请扫码签到';
      if (s.qr.token !== shownToken) {
        // The server's own SVG of the code.
        $('qr').innerHTML = s.qr_svg;
        $('qr').dataset.token = s.qr.token;
        shownToken = s.qr.token;
      }
      expiresAt = Date.parse(s.qr.expires_at);
      opensAt = 0;
    } else if (s.window === 'not_open') {
      expiresAt = 0;
      opensAt = Date.parse(s.opens_at);
      notice('签到将于 ' + R.hhmm(s.opens_at) + ' 开放');
    } else {
      expiresAt = 0;
      opensAt = 0;
      notice('本次课程签到已结束');
    }
  }

  function poll() {
    R.api('GET', '/screen/state', { headers: { 'X-Screen-Key': key } })
      .then(function (res) {
        if (res.ok) {
          render(res.body);
        } else if (res.body && res.body.code) {
          // A refused key says why; anything else (a proxy's error page) leaves the screen as it is until the next poll.
          notice(R.failed(res, '屏幕链接无效'));
        }
      })
      .catch(function () {});
  }

  function tick() {
    var now = Date.now() + offset;
    var china = new Date(now + 8 * 3600 * 1000);
    $('clock').textContent = pad(china.getUTCHours()) + ':' + pad(china.getUTCMinutes()) + ':' + pad(china.getUTCSeconds());
    if (opensAt) {
      var wait = Math.max(0, Math.ceil((opensAt - now) / 1000));
      var h = Math.floor(wait / 3600);
      var m = Math.floor((wait % 3600) / 60);
      $('opens-in').textContent = '还有 ' + (h ? h + ':' + pad(m) : m) + ':' + pad(wait % 60);
      if (wait <= 1) {
        poll();
      }
    } else {
      $('opens-in').textContent = '';
    }
    if (expiresAt) {
      var left = Math.max(0, Math.ceil((expiresAt - (Date.now() + offset)) / 1000));
      $('countdown').textContent = '二维码 ' + left + ' 秒后刷新';
      if (left <= 1) {
        poll();
      }
    }
  }

  poll();
  setInterval(poll, 2000);
  setInterval(tick, 500);
})();
