// What rollcall's script-driven pages share, loaded before each page's own script: element helpers, the device id
// and the logins kept in the browser, calls to the JSON API with the bearer token and its Chinese error message,
// and times in China time (UTC+8, no daylight saving) whatever the device's time zone. Plain ES5 in one global,
// `rollcall`, with no build step, as the pages had it inline before: WeChat's in-app browser runs it as it is.
(function () {
  'use strict';

  function $(id) {
    return document.getElementById(id);
  }

  /** A new element, with a class and text when given. */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text != null) {
      e.textContent = text;
    }
    return e;
  }

  /** Shows `text` in the element `id`, or hides the element when there is no text. */
  function message(id, text) {
    var p = $(id);
    p.textContent = text || '';
    p.classList.toggle('hidden', !text);
  }

  /** `bytes` random bytes as hex. */
  function randomHex(bytes) {
    var b = new Uint8Array(bytes);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return Array.prototype.map
      .call(b, function (x) {
        return ('0' + x.toString(16)).slice(-2);
      })
      .join('');
  }

  /** This browser's device id, made once and kept: a trainee's login is bound to it. */
  function deviceId() {
    var id = localStorage.getItem('rollcall.device_id');
    if (!id) {
      id = 'h5-' + randomHex(16);
      localStorage.setItem('rollcall.device_id', id);
    }
    return id;
  }

  /** A login token kept in local storage under `key`. */
  function login(key) {
    return {
      get: function () {
        return localStorage.getItem(key);
      },
      set: function (token) {
        localStorage.setItem(key, token);
      },
      clear: function () {
        localStorage.removeItem(key);
      },
    };
  }

  /** The Chinese message of a failed answer, or `fallback`. */
  function failed(res, fallback) {
    return (res && res.body && res.body.message) || fallback || '操作失败，请稍后再试';
  }

  /**
   * Calls the JSON API under /api/v1 and resolves {ok, status, body}: body is null on 204 and carries a Chinese
   * message when the answer is not JSON. Options: `token` (sent as bearer), `body` (sent as JSON), `form`
   * (FormData), `headers`, and `unauthorized`: called on 401, after which the promise rejects with Error('auth').
   */
  function api(method, path, options) {
    var o = options || {};
    var headers = {};
    if (o.token) {
      headers.Authorization = 'Bearer ' + o.token;
    }
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    Object.keys(o.headers || {}).forEach(function (k) {
      headers[k] = o.headers[k];
    });
    return fetch('/api/v1' + path, {
      method: method,
      headers: headers,
      cache: 'no-store',
      body: o.form || (o.body !== undefined ? JSON.stringify(o.body) : undefined),
    }).then(function (r) {
      if (r.status === 401 && o.unauthorized) {
        o.unauthorized();
        throw new Error('auth');
      }
      if (r.status === 204) {
        return { ok: true, status: 204, body: null };
      }
      return r
        .json()
        .catch(function () {
          return { message: '服务器返回了无法识别的内容（' + r.status + '）' };
        })
        .then(function (b) {
          return { ok: r.ok, status: r.status, body: b };
        });
    });
  }

  var trainee = login('rollcall.token');

  /** The version of the personal-information notice on this page (sent with a binding: it was shown). */
  function noticeVersion() {
    var notice = document.getElementById('privacy-notice');
    return notice ? notice.getAttribute('data-version') : undefined;
  }

  /** Binds this phone with an invite code and keeps the trainee's login on success; resolves as api() does. */
  function bindPhone(code) {
    var body = { invite_code: code, device_id: deviceId(), notice_version: noticeVersion() };
    return api('POST', '/auth/invite', { body: body }).then(function (res) {
      if (res.ok) {
        trainee.set(res.body.token);
      }
      return res;
    });
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  /** An RFC 3339 time in China: {day: '11月26日', time: '14:30'}. */
  function cn(iso) {
    var d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return {
      day: d.getUTCMonth() + 1 + '月' + d.getUTCDate() + '日',
      time: pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()),
    };
  }

  /** '14:30'. */
  function hhmm(iso) {
    return cn(iso).time;
  }

  /** '11月26日 14:30'. */
  function when(iso) {
    var t = cn(iso);
    return t.day + ' ' + t.time;
  }

  /** '11月26日 14:30–16:00', or both ends in full when they fall on different days. */
  function span(from, to) {
    var a = cn(from);
    var b = cn(to);
    return a.day === b.day ? a.day + ' ' + a.time + '–' + b.time : when(from) + ' 至 ' + when(to);
  }

  /** A date as the API writes it, '2026-11-30', as '2026年11月30日'. */
  function date(d) {
    var p = String(d).split('-');
    return p.length === 3 ? +p[0] + '年' + +p[1] + '月' + +p[2] + '日' : String(d);
  }

  window.rollcall = {
    $: $,
    el: el,
    message: message,
    randomHex: randomHex,
    deviceId: deviceId,
    trainee: trainee,
    staff: login('rollcall.staff_token'),
    failed: failed,
    api: api,
    bindPhone: bindPhone,
    cn: cn,
    hhmm: hhmm,
    when: when,
    span: span,
    date: date,
  };
})();
