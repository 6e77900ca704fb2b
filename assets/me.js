// /h5/me: the trainee's own page. Tabs for attendance and 学时, leave (ask with an optional photo, follow the
// approval, withdraw), discipline records, completion (结业) with the certificate, course evaluation (评估, drafts
// kept on the phone only), and messages. Logs in like the check-in page: without a login it asks for the invite
// code. The session picker starts at the server's date (`data-today` on <body>), not the phone's.
(function () {
  'use strict';
  var R = window.rollcall;
  var $ = R.$;
  var el = R.el;
  var message = R.message;
  var failed = R.failed;
  var cn = R.cn;
  var when = R.when;
  var span = R.span;
  var TODAY = document.body.dataset.today;
  var TABS = ['attendance', 'leave', 'discipline', 'completion', 'evaluation', 'inbox'];
  var token = R.trainee.get();
  var me = null;
  var current = null;
  var leaves = [];

  function showBind() {
    token = null;
    R.trainee.clear();
    $('app').classList.add('hidden');
    $('bind').classList.remove('hidden');
    $('who').textContent = '';
  }
  // Resolves {ok, status, body}; a dead login sends the page back to the invite code.
  function api(method, path, body, form) {
    return R.api(method, path, { token: token, body: body, form: form, unauthorized: showBind });
  }
  function netError(e) {
    if (!e || e.message !== 'auth') {
      message('load-error', '网络异常，请检查网络后重试');
    }
  }

  // --- 考勤 ---
  function loadAttendance() {
    return api('GET', '/me/attendance').then(function (res) {
      if (!res.ok) {
        message('load-error', failed(res));
        return;
      }
      // The totals of the current class (running classes come first), not of every class added together.
      var classes = res.body.classes || [];
      var current = classes[0];
      var t = current ? current.totals : res.body.totals;
      $('t-class').textContent = current ? current.class_name + (current.finished ? '（已结业）' : '') : '';
      $('t-class').classList.toggle('hidden', !current || classes.length < 2);
      $('t-present').textContent = t.present;
      $('t-late').textContent = t.late;
      $('t-early').textContent = t.early_leave;
      $('t-leave').textContent = t.leave;
      $('t-absent').textContent = t.absent;
      $('t-credit').textContent = t.credit_hours_earned;
      var ul = $('attendance-list');
      ul.innerHTML = '';
      var list = res.body.sessions.slice().reverse();
      if (!list.length) {
        ul.appendChild(el('li', 'empty', '暂无考勤记录，课程开始后在这里显示。'));
      }
      // Grouped by class, in the order of `classes`; a heading per class when there is more than one.
      var order = classes.map(function (c) {
        return c.class_id;
      });
      list.sort(function (a, b) {
        return order.indexOf(a.class_id) - order.indexOf(b.class_id);
      });
      var shownClass = null;
      list.forEach(function (s) {
        if (classes.length > 1 && s.class_id !== shownClass) {
          shownClass = s.class_id;
          var c = classes[order.indexOf(s.class_id)] || {};
          var head = el('li', 'class-head', (c.class_name || '') + (c.finished ? '（已结业）' : ''));
          if (c.totals) {
            head.appendChild(el('small', 'muted', ' 已获 ' + c.totals.credit_hours_earned + ' 学时'));
          }
          ul.appendChild(head);
        }
        var li = el('li');
        li.dataset.sessionId = s.session_id;
        var row = el('div', 'row');
        row.appendChild(el('span', 'title', s.title));
        row.appendChild(el('span', 'tag st-' + (s.status || 'none'), s.status_label));
        li.appendChild(row);
        var info = when(s.starts_at) + ' · ' + s.credit_hours + ' 学时';
        if (s.checked_in_at) {
          info += ' · 签到 ' + cn(s.checked_in_at).time;
        }
        if (s.checked_out_at) {
          info += ' · 签退 ' + cn(s.checked_out_at).time;
        }
        li.appendChild(el('div', 'muted', info));
        if (s.note) {
          li.appendChild(el('div', 'muted', '说明：' + s.note));
        }
        if (s.online) {
          // An online live session: where to join, and the link when staff gave one (https only, checked by the server).
          var o = s.online;
          var how = el('div', 'muted online-join', '线上直播' + (o.platform_label ? ' · ' + o.platform_label : '') +
            (o.meeting_number ? ' · 会议号 ' + o.meeting_number : ''));
          if (o.join_url) {
            var a = el('a', 'join-link', '进入直播');
            a.href = o.join_url;
            a.rel = 'noopener noreferrer';
            a.target = '_blank';
            how.appendChild(document.createTextNode(' '));
            how.appendChild(a);
          }
          li.appendChild(how);
        }
        ul.appendChild(li);
      });
    });
  }

  // --- 请假 ---
  var DECISIONS = { approved: '同意', rejected: '不同意' };
  function taken() {
    var ids = {};
    leaves.forEach(function (l) {
      if (l.status === 'pending' || l.status === 'approved') {
        l.sessions.forEach(function (s) {
          ids[s.session_id] = true;
        });
      }
    });
    return ids;
  }
  function renderLeaves() {
    var ul = $('leave-list');
    ul.innerHTML = '';
    if (!leaves.length) {
      ul.appendChild(el('li', 'empty', '暂无请假申请'));
    }
    leaves.forEach(function (l) {
      var li = el('li', 'leave');
      li.dataset.leaveId = l.id;
      li.dataset.status = l.status;
      var row = el('div', 'row');
      row.appendChild(el('b', 'kind', l.kind_label));
      row.appendChild(el('span', 'tag status st-' + l.status, l.status_label));
      li.appendChild(row);
      li.appendChild(el('div', 'muted span', span(l.starts_at, l.ends_at) + ' · ' + l.credit_hours + ' 学时'));
      li.appendChild(
        el(
          'div',
          'sessions-covered',
          l.sessions
            .map(function (s) {
              return s.title;
            })
            .join('、')
        )
      );
      li.appendChild(el('div', 'reason', '事由：' + l.reason));
      if (l.status === 'pending' && l.waiting_for_label) {
        li.appendChild(el('div', 'muted waiting', '等待' + l.waiting_for_label + '审批'));
      }
      if (l.steps.length) {
        var ol = el('ol', 'steps');
        l.steps.forEach(function (s) {
          var text = s.role_label + ' ' + s.staff_name + '：' + (DECISIONS[s.decision] || s.decision);
          if (s.comment) {
            text += '，意见：' + s.comment;
          }
          ol.appendChild(el('li', 'step', text + '（' + when(s.at) + '）'));
        });
        li.appendChild(ol);
      }
      if (l.has_attachment) {
        var view = el('button', 'small view', '查看附图');
        view.onclick = function () {
          showProof(l, li, view);
        };
        li.appendChild(view);
      }
      if (l.status === 'pending') {
        var cancel = el('button', 'small cancel', '撤回');
        cancel.onclick = function () {
          withdraw(l, cancel);
        };
        li.appendChild(cancel);
      }
      ul.appendChild(li);
    });
  }
  function showProof(l, li, btn) {
    btn.disabled = true;
    fetch('/api/v1/me/leave-requests/' + l.id + '/attachment', {
      headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store',
    })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('status ' + r.status);
        }
        return r.blob();
      })
      .then(function (b) {
        var img = el('img', 'proof');
        img.alt = '附图';
        img.src = URL.createObjectURL(b);
        li.appendChild(img);
        btn.remove();
      })
      .catch(function () {
        btn.disabled = false;
        message('leave-list-error', '附图加载失败，请稍后再试');
      });
  }
  function withdraw(l, btn) {
    if (!window.confirm('确定撤回这条' + l.kind_label + '申请吗？')) {
      return;
    }
    btn.disabled = true;
    message('leave-list-error', '');
    api('POST', '/me/leave-requests/' + l.id + '/cancel')
      .then(function (res) {
        if (!res.ok) {
          btn.disabled = false;
          message('leave-list-error', failed(res));
          return;
        }
        loadLeave();
      })
      .catch(function (e) {
        btn.disabled = false;
        netError(e);
      });
  }
  function renderSessions(list) {
    var ul = $('leave-sessions');
    ul.innerHTML = '';
    var classId = $('leave-class').value;
    var busy = taken();
    list = list.filter(function (s) {
      return s.class_id === classId;
    });
    if (!list.length) {
      ul.appendChild(el('li', 'empty', '当天没有课程'));
    }
    list.forEach(function (s) {
      var li = el('li');
      li.dataset.sessionId = s.id;
      var label = el('label');
      var box = el('input');
      box.type = 'checkbox';
      box.value = s.id;
      box.disabled = !!busy[s.id];
      var text = el('span');
      text.appendChild(el('span', 'title', s.title));
      var info =
        cn(s.starts_at).time + '–' + cn(s.ends_at).time + ' · ' + s.kind_label + ' · ' + s.credit_hours + ' 学时';
      if (busy[s.id]) {
        info += ' · 已申请';
      }
      text.appendChild(el('div', 'muted', info));
      label.appendChild(box);
      label.appendChild(text);
      li.appendChild(label);
      ul.appendChild(li);
    });
  }
  /** The days of the chosen class as 12月3日 周四 (China time), today chosen when it is one of them. */
  function fillDays() {
    var select = $('leave-date');
    var chosen = select.value || TODAY;
    select.innerHTML = '';
    var id = $('leave-class').value;
    var e = ((me && me.enrollments) || []).filter(function (x) {
      return x.class.id === id;
    })[0];
    if (!e) {
      return;
    }
    var WEEK = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
    var day = new Date(e.class.start_date + 'T00:00:00Z');
    var end = new Date(e.class.end_date + 'T00:00:00Z');
    var values = [];
    for (var n = 0; day <= end && n < 366; n++) {
      var value = day.toISOString().slice(0, 10);
      var text = day.getUTCMonth() + 1 + '月' + day.getUTCDate() + '日 ' + WEEK[day.getUTCDay()];
      var o = el('option', '', value === TODAY ? text + '（今天）' : text);
      o.value = value;
      select.appendChild(o);
      values.push(value);
      day = new Date(day.getTime() + 86400000);
    }
    select.value = values.indexOf(chosen) >= 0 ? chosen : values.filter(function (v) {
      return v >= TODAY;
    })[0] || values[0];
  }

  function loadSessions() {
    var date = $('leave-date').value || TODAY;
    return api('GET', '/me/sessions?date=' + encodeURIComponent(date)).then(function (res) {
      if (!res.ok) {
        message('leave-error', failed(res));
        renderSessions([]);
        return;
      }
      renderSessions(res.body);
    });
  }
  function loadLeave() {
    return api('GET', '/me/leave-requests').then(function (res) {
      if (!res.ok) {
        message('load-error', failed(res));
        return;
      }
      leaves = res.body;
      renderLeaves();
      return loadSessions();
    });
  }
  // A phone photo can be larger than the 5 MB the server takes: large ones are re-encoded smaller first.
  function shrink(file) {
    if (file.size <= 1500000 || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file)
      .then(function (img) {
        var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
        var c = document.createElement('canvas');
        c.width = Math.round(img.width * scale);
        c.height = Math.round(img.height * scale);
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
        return new Promise(function (resolve) {
          c.toBlob(
            function (b) {
              resolve(b || file);
            },
            'image/jpeg',
            0.85
          );
        });
      })
      .catch(function () {
        return file;
      });
  }
  function upload() {
    var file = $('leave-file').files[0];
    if (!file) {
      return Promise.resolve(null);
    }
    return shrink(file)
      .then(function (blob) {
        var form = new FormData();
        form.append('file', blob, file.name || 'photo.jpg');
        return api('POST', '/attachments', undefined, form);
      })
      .then(function (res) {
        if (!res.ok) {
          throw { shown: '附图上传失败：' + failed(res) };
        }
        return res.body;
      });
  }
  function submitLeave() {
    var btn = $('leave-submit');
    message('leave-error', '');
    message('leave-ok', '');
    var kind = document.querySelector('#leave-kinds input:checked');
    if (!kind) {
      message('leave-error', '请选择请假类型');
      return;
    }
    var ids = Array.prototype.map.call(document.querySelectorAll('#leave-sessions input:checked'), function (b) {
      return b.value;
    });
    btn.disabled = true;
    upload()
      .then(function (att) {
        var body = {
          class_id: $('leave-class').value,
          kind: kind.value,
          reason: $('leave-reason').value,
          session_ids: ids,
        };
        if (att) {
          body.attachment_id = att.id;
        }
        return api('POST', '/me/leave-requests', body);
      })
      .then(function (res) {
        btn.disabled = false;
        if (!res.ok) {
          message('leave-error', failed(res));
          return;
        }
        $('leave-reason').value = '';
        $('leave-file').value = '';
        $('leave-file-name').textContent = '未选择';
        kind.checked = false;
        markKinds();
        message('leave-ok', '已提交，等待' + (res.body.waiting_for_label || '') + '审批');
        loadLeave();
      })
      .catch(function (e) {
        btn.disabled = false;
        if (e && e.shown) {
          message('leave-error', e.shown);
        } else {
          netError(e);
        }
      });
  }
  function markKinds() {
    Array.prototype.forEach.call(document.querySelectorAll('#leave-kinds label'), function (l) {
      l.classList.toggle('on', l.querySelector('input').checked);
    });
  }

  // --- 违纪 ---
  function loadDiscipline() {
    return api('GET', '/me/discipline').then(function (res) {
      if (!res.ok) {
        message('load-error', failed(res));
        return;
      }
      var ul = $('discipline-list');
      ul.innerHTML = '';
      if (!res.body.length) {
        ul.appendChild(el('li', 'empty', '暂无违纪记录'));
      }
      res.body.forEach(function (d) {
        var li = el('li', d.annulled ? 'annulled' : '');
        li.dataset.recordId = d.id;
        var row = el('div', 'row');
        row.appendChild(el('b', 'what', d.category_label));
        row.appendChild(
          el('span', 'tag ' + (d.annulled ? 'st-cancelled' : 'st-rejected'), d.annulled ? '已撤销' : d.severity_label)
        );
        li.appendChild(row);
        li.appendChild(el('div', 'muted', when(d.occurred_at) + (d.annulled ? ' · ' + d.severity_label : '')));
        li.appendChild(el('div', 'description', d.description));
        if (d.annulled) {
          li.appendChild(el('div', 'muted annul', '撤销原因：' + (d.annul_reason || '')));
        }
        ul.appendChild(li);
      });
    });
  }

  // --- 结业 ---
  function finished(classId) {
    return ((me && me.enrollments) || []).some(function (e) {
      return e.class.id === classId && e.class.status === 'finished';
    });
  }
  // A PDF is an authenticated download: fetched with the token, handed to the phone as a file.
  function downloadCert(c, btn, err) {
    var name = c.serial + '_' + (c.holder_name || (me && me.name) || '结业证书') + '.pdf';
    downloadFile('/me/certificates/' + c.id + '/pdf', name, '证书', btn, err);
  }
  function downloadFile(path, name, what, btn, err) {
    btn.disabled = true;
    err.classList.add('hidden');
    fetch('/api/v1' + path, {
      headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store',
    })
      .then(function (r) {
        if (r.status === 401) {
          showBind();
          throw new Error('auth');
        }
        if (!r.ok) {
          return r
            .json()
            .catch(function () {
              return {};
            })
            .then(function (b) {
              throw { shown: b.message || what + '下载失败（' + r.status + '）' };
            });
        }
        return r.blob();
      })
      .then(function (b) {
        var url = URL.createObjectURL(b);
        var a = el('a');
        a.href = url;
        a.download = name;
        a.className = 'hidden';
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () {
          URL.revokeObjectURL(url);
        }, 60000);
        btn.disabled = false;
      })
      .catch(function (e) {
        btn.disabled = false;
        if (e && e.message === 'auth') {
          return;
        }
        err.textContent = (e && e.shown) || '网络异常，' + what + '下载失败，请稍后重试';
        err.classList.remove('hidden');
      });
  }
  function certItem(c) {
    var box = el('div', 'cert' + (c.revoked ? ' revoked' : ''));
    box.dataset.certId = c.id;
    var row = el('div', 'row');
    row.appendChild(el('b', '', '结业证书'));
    row.appendChild(el('span', 'tag ' + (c.revoked ? 'st-cancelled' : 'st-approved'), c.revoked ? '已撤销' : '有效'));
    box.appendChild(row);
    box.appendChild(el('div', 'serial', '证书编号：' + c.serial));
    box.appendChild(el('div', 'muted', '发证日期：' + R.date(c.issue_date) + ' · ' + c.credit_hours + ' 学时'));
    if (c.revoked) {
      var why =
        (c.revoked_at ? cn(c.revoked_at).day + '撤销' : '已撤销') +
        (c.revoke_reason ? '，撤销原因：' + c.revoke_reason : '');
      box.appendChild(el('div', 'muted revoke', why));
      if (c.replaced_by) {
        box.appendChild(el('div', 'muted', '已换发新证书'));
      }
      return box;
    }
    var err = el('p', 'bad hidden cert-error');
    var dl = el('button', 'small download', '下载证书 PDF');
    dl.onclick = function () {
      downloadCert(c, dl, err);
    };
    box.appendChild(dl);
    if (c.verify_url) {
      var a = el('a', 'small verify', '在线验证');
      a.href = c.verify_url;
      a.target = '_blank';
      a.rel = 'noopener';
      box.appendChild(a);
    }
    box.appendChild(err);
    return box;
  }
  function renderCompletion(list, certs) {
    var root = $('completion-list');
    root.innerHTML = '';
    var shown = {};
    list.forEach(function (x) {
      var done = finished(x.class_id);
      var eligible = x.status === 'eligible';
      var card = el('div', 'card completion');
      card.dataset.classId = x.class_id;
      card.dataset.status = x.status;
      card.appendChild(el('h2', '', x.class_name));
      card.appendChild(el('div', 'muted phase', done ? '结业审核结果' : '当前结业审核状态'));
      card.appendChild(el('div', 'verdict ' + (eligible ? 'good' : 'bad'), x.status_label));
      card.appendChild(el('div', 'muted hours', '已获学时 ' + x.attended_hours));
      if (!done) {
        card.appendChild(
          el('div', 'muted live', '培训尚未结束，以上为按目前考勤、请假和违纪情况得出的实时状态，以结业时的审核为准。')
        );
      }
      if (!eligible) {
        card.appendChild(el('div', 'why', '不予结业的原因：'));
        var ul = el('ul', 'reasons');
        x.reasons.forEach(function (r) {
          ul.appendChild(el('li', 'reason', r.message));
        });
        if (!x.reasons.length) {
          ul.appendChild(el('li', 'reason', '请咨询班主任'));
        }
        card.appendChild(ul);
      }
      var mine = certs.filter(function (c) {
        return c.class_id === x.class_id;
      });
      // The decision names the valid certificate; should the list not have it, what the decision says is enough.
      if (
        x.certificate &&
        !mine.some(function (c) {
          return c.id === x.certificate.id;
        })
      ) {
        mine.push({
          id: x.certificate.id,
          serial: x.certificate.serial,
          issue_date: x.certificate.issue_date,
          credit_hours: x.certificate.credit_hours,
          revoked: false,
        });
      }
      mine.sort(function (a, b) {
        return (a.revoked ? 1 : 0) - (b.revoked ? 1 : 0);
      });
      mine.forEach(function (c) {
        shown[c.id] = true;
        card.appendChild(certItem(c));
      });
      if (
        done &&
        eligible &&
        !mine.some(function (c) {
          return !c.revoked;
        })
      ) {
        card.appendChild(el('div', 'muted pending', '结业证书尚未发放'));
      }
      root.appendChild(card);
    });
    var rest = certs.filter(function (c) {
      return !shown[c.id];
    });
    if (rest.length) {
      var card = el('div', 'card');
      card.appendChild(el('h2', '', '其他证书'));
      rest.forEach(function (c) {
        card.appendChild(certItem(c));
      });
      root.appendChild(card);
    }
    if (!list.length && !rest.length) {
      var none = el('div', 'card');
      none.appendChild(el('div', 'empty', '暂无结业信息'));
      root.appendChild(none);
    }
  }
  function loadCompletion() {
    return Promise.all([api('GET', '/me/completion'), api('GET', '/me/certificates')]).then(function (r) {
      if (!r[0].ok) {
        message('load-error', failed(r[0]));
        return;
      }
      if (!r[1].ok) {
        message('load-error', failed(r[1]));
      }
      renderCompletion(r[0].body, r[1].ok ? r[1].body : []);
    });
  }

  // --- 评估 ---
  // Each form's parts (the class as a whole; each course once it has ended) with their state, and an open part's
  // questions on tap. What is typed so far stays on this phone: kept in localStorage under one key per person, form
  // and part as it changes, and removed once submitted. Nothing is sent before 提交: the server must never hold
  // unsubmitted answers tied to a person (the answers it stores carry no trainee).
  var GRADES = [
    ['very_satisfied', '非常满意'],
    ['satisfied', '满意'],
    ['fair', '基本满意'],
    ['dissatisfied', '不满意'],
  ];
  var MAX_TEXT = 500;
  var PART_STATES = { todo: '待填写', done: '已提交', later: '未开放' };
  var PART_TAGS = { todo: 'st-pending', done: 'st-approved', later: 'st-cancelled' };
  var evaluations = [];
  var sheet = null;

  function draftPrefix() {
    return 'rollcall.evaluation.' + ((me && me.person_id) || '') + '.';
  }
  function draftKey(formId, target) {
    return draftPrefix() + formId + '.' + target;
  }
  /** `fn(localStorage)`, or `fallback` when storage refuses (full, disabled in private mode) or a draft is not JSON. */
  function stored(fn, fallback) {
    try {
      return fn(localStorage);
    } catch (e) { // eslint-disable-line no-unused-vars
      return fallback;
    }
  }
  function readDraft(formId, target) {
    return stored(function (ls) {
      var d = JSON.parse(ls.getItem(draftKey(formId, target)) || 'null');
      return d && typeof d === 'object' && !(d instanceof Array) ? d : null;
    }, null);
  }
  // Written as it changes; removed when empty. Should storage refuse, the answers are still on the page.
  function writeDraft(formId, target, answers) {
    stored(function (ls) {
      if (Object.keys(answers).length) {
        ls.setItem(draftKey(formId, target), JSON.stringify(answers));
      } else {
        ls.removeItem(draftKey(formId, target));
      }
    });
  }
  function dropDraft(formId, target) {
    stored(function (ls) {
      ls.removeItem(draftKey(formId, target));
    });
  }
  /** Removes this trainee's drafts of parts that can no longer be answered: submitted, or of a form not listed. */
  function pruneDrafts() {
    var keep = {};
    evaluations.forEach(function (f) {
      f.parts.forEach(function (p) {
        if (!p.answered) {
          keep[draftKey(f.form_id, p.target)] = true;
        }
      });
    });
    stored(function (ls) {
      var stale = [];
      for (var i = 0; i < ls.length; i++) {
        var k = ls.key(i);
        if (k && k.indexOf(draftPrefix()) === 0 && !keep[k]) {
          stale.push(k);
        }
      }
      stale.forEach(function (k) {
        ls.removeItem(k);
      });
    });
  }
  function partState(p) {
    return p.answered ? 'done' : p.open ? 'todo' : 'later';
  }
  /** A course part's label, 「2026-11-26 专题讲授」, as 「11月26日 专题讲授」. */
  function partLabel(p) {
    var m = /^(\d{4})-(\d\d)-(\d\d) (.*)$/.exec(p.label);
    return m ? +m[2] + '月' + +m[3] + '日 ' + m[4] : p.label;
  }
  /** The questions a part asks: the class part those about the class, a course part those asked per course. */
  function partQuestions(f, p) {
    return f.questions.filter(function (q) {
      return !!q.per_session === (p.target !== 'class');
    });
  }
  function evaluationBadge() {
    var n = 0;
    evaluations.forEach(function (f) {
      f.parts.forEach(function (p) {
        if (partState(p) === 'todo') {
          n++;
        }
      });
    });
    var b = $('evaluation-badge');
    b.textContent = n > 99 ? '99+' : String(n);
    b.classList.toggle('hidden', !n);
  }
  function partRow(f, p) {
    var state = partState(p);
    var li = el('li', 'part ' + state);
    li.dataset.target = p.target;
    li.dataset.state = state;
    var row = el(state === 'todo' ? 'button' : 'div', 'part-row');
    var text = el('span', 'part-text');
    text.appendChild(el('span', 'title', partLabel(p)));
    var info = '';
    if (state === 'later') {
      info = p.target === 'class' ? when(p.opens_at) + ' 开放' : '课程结束后开放（' + when(p.opens_at) + '）';
    } else if (state === 'todo' && readDraft(f.form_id, p.target)) {
      info = '有未提交的草稿（保存在本机）';
    }
    if (info) {
      text.appendChild(el('span', 'muted info', info));
    }
    row.appendChild(text);
    row.appendChild(el('span', 'tag ' + PART_TAGS[state], PART_STATES[state]));
    if (state === 'todo') {
      row.type = 'button';
      row.onclick = function () {
        openPart(f, p);
      };
    }
    li.appendChild(row);
    return li;
  }
  function renderEvaluations() {
    sheet = null;
    $('evaluation-sheet').classList.add('hidden');
    var root = $('evaluation-list');
    root.classList.remove('hidden');
    root.innerHTML = '';
    if (!evaluations.length) {
      var none = el('div', 'card');
      none.appendChild(el('div', 'empty', '暂无需要填写的评估'));
      root.appendChild(none);
    }
    evaluations.forEach(function (f) {
      var card = el('div', 'card eval-form');
      card.dataset.formId = f.form_id;
      card.appendChild(el('h2', '', f.title));
      card.appendChild(el('div', 'muted about', f.class_name + ' · ' + when(f.closes_at) + ' 截止'));
      var ul = el('ul', 'parts');
      f.parts.forEach(function (p) {
        ul.appendChild(partRow(f, p));
      });
      card.appendChild(ul);
      root.appendChild(card);
    });
    evaluationBadge();
  }
  function loadEvaluation() {
    return api('GET', '/me/evaluations').then(function (res) {
      if (!res.ok) {
        message('load-error', failed(res));
        return;
      }
      evaluations = res.body;
      pruneDrafts();
      renderEvaluations();
    });
  }

  // One question: its text (必答 marked) and the control its kind takes; inputs are named after the question.
  function choice(type, name, value, text, cls) {
    var label = el('label', cls || 'choice');
    var input = el('input');
    input.type = type;
    input.name = name;
    input.value = value;
    label.appendChild(input);
    label.appendChild(el('span', '', text));
    return label;
  }
  function questionItem(q, n) {
    var li = el('li', 'q');
    li.dataset.questionId = q.id;
    li.dataset.kind = q.kind;
    var head = el('div', 'q-text');
    head.appendChild(el('span', 'q-no', n + '.'));
    head.appendChild(el('span', '', q.text));
    if (q.required) {
      head.appendChild(el('span', 'req', '必答'));
    }
    li.appendChild(head);
    var name = 'q-' + q.id;
    var box;
    if (q.kind === 'grade') {
      box = el('div', 'grades');
      GRADES.forEach(function (g) {
        box.appendChild(choice('radio', name, g[0], g[1]));
      });
    } else if (q.kind === 'stars') {
      box = el('div', 'stars');
      for (var i = 1; i <= 5; i++) {
        var star = choice('radio', name, String(i), '★', 'star');
        star.title = i + ' 星';
        star.querySelector('input').setAttribute('aria-label', i + ' 星');
        box.appendChild(star);
      }
      box.appendChild(el('span', 'muted stars-text', '请点选'));
    } else if (q.kind === 'score') {
      box = el('div', 'score');
      var input = el('input');
      input.type = 'text';
      input.name = name;
      input.setAttribute('inputmode', 'numeric');
      input.maxLength = 3;
      input.placeholder = '0–100';
      input.autocomplete = 'off';
      box.appendChild(input);
      box.appendChild(el('span', '', '分（0–100）'));
    } else if (q.kind === 'single' || q.kind === 'multiple') {
      box = el('div', 'options');
      (q.options || []).forEach(function (o, i) {
        box.appendChild(choice(q.kind === 'single' ? 'radio' : 'checkbox', name, String(i), o));
      });
    } else {
      box = el('div', 'text');
      var area = el('textarea');
      area.name = name;
      area.maxLength = MAX_TEXT;
      area.placeholder = (q.required ? '' : '选填，') + '最多 ' + MAX_TEXT + ' 字';
      box.appendChild(area);
      box.appendChild(el('div', 'muted counter', '0/' + MAX_TEXT));
    }
    li.appendChild(box);
    li.appendChild(el('div', 'bad q-error hidden'));
    return li;
  }
  function questionBox(q) {
    return $('evaluation-questions').querySelector('li[data-question-id="' + q.id + '"]');
  }
  /** The answer to `q` as the page shows it: what the API takes, a score as typed when it is not 0–100, or undefined. */
  function readAnswer(q) {
    var li = questionBox(q);
    var inputs = Array.prototype.slice.call(li.querySelectorAll('input'));
    var checked = inputs.filter(function (i) {
      return i.checked;
    });
    if (q.kind === 'grade') {
      return checked.length ? checked[0].value : undefined;
    }
    if (q.kind === 'stars' || q.kind === 'single') {
      return checked.length ? +checked[0].value : undefined;
    }
    if (q.kind === 'multiple') {
      return checked.length
        ? checked.map(function (i) {
          return +i.value;
        })
        : undefined;
    }
    if (q.kind === 'score') {
      var typed = inputs[0].value.trim();
      if (!typed) {
        return undefined;
      }
      return /^\d{1,3}$/.test(typed) && +typed <= 100 ? +typed : typed;
    }
    var text = li.querySelector('textarea').value;
    return text.trim() ? text : undefined;
  }
  function readAnswers() {
    var out = {};
    sheet.questions.forEach(function (q) {
      var v = readAnswer(q);
      if (v !== undefined) {
        out[q.id] = v;
      }
    });
    return out;
  }
  /** Puts a draft's answer to `q` back on the page; anything that does not fit the question is left out. */
  function restoreAnswer(q, v) {
    var li = questionBox(q);
    if (v === undefined || v === null) {
      return;
    }
    if (q.kind === 'score' || q.kind === 'text') {
      if (typeof v === 'string' || typeof v === 'number') {
        li.querySelector(q.kind === 'score' ? 'input' : 'textarea').value = String(v).slice(0, MAX_TEXT);
      }
      return;
    }
    var picked = (v instanceof Array ? v : [v]).map(String);
    Array.prototype.forEach.call(li.querySelectorAll('input'), function (i) {
      i.checked = picked.indexOf(i.value) >= 0;
    });
  }
  /** Marks what is chosen (choices, stars up to the one tapped), the text's length, and clears 未答 once answered. */
  function markSheet() {
    sheet.questions.forEach(function (q) {
      var li = questionBox(q);
      var v = readAnswer(q);
      Array.prototype.forEach.call(li.querySelectorAll('label'), function (l) {
        var input = l.querySelector('input');
        l.classList.toggle('on', q.kind === 'stars' ? typeof v === 'number' && +input.value <= v : input.checked);
      });
      if (q.kind === 'stars') {
        li.querySelector('.stars-text').textContent = v ? v + ' 星' : '请点选';
      }
      if (q.kind === 'text') {
        li.querySelector('.counter').textContent = li.querySelector('textarea').value.length + '/' + MAX_TEXT;
      }
      if (v !== undefined && !(q.kind === 'score' && typeof v === 'string')) {
        flag(q, '');
      }
    });
    // Once nothing is flagged any more, the message naming what was missing goes too.
    if (!$('evaluation-questions').querySelector('li.missing')) {
      message('evaluation-error', '');
    }
  }
  /** Marks `q` with what is wrong with its answer, or clears the mark. */
  function flag(q, why) {
    var li = questionBox(q);
    li.classList.toggle('missing', !!why);
    var note = li.querySelector('.q-error');
    note.textContent = why;
    note.classList.toggle('hidden', !why);
  }
  function openPart(f, p) {
    message('evaluation-ok', '');
    message('evaluation-list-error', '');
    message('evaluation-error', '');
    sheet = { form: f, part: p, questions: partQuestions(f, p) };
    $('evaluation-part').textContent = partLabel(p);
    $('evaluation-about').textContent = f.title + ' · ' + when(f.closes_at) + ' 截止';
    var ol = $('evaluation-questions');
    ol.innerHTML = '';
    sheet.questions.forEach(function (q, i) {
      ol.appendChild(questionItem(q, i + 1));
    });
    var draft = readDraft(f.form_id, p.target) || {};
    sheet.questions.forEach(function (q) {
      restoreAnswer(q, draft[q.id]);
    });
    markSheet();
    $('evaluation-submit').disabled = false;
    $('evaluation-submit').classList.remove('hidden');
    $('evaluation-list').classList.add('hidden');
    $('evaluation-sheet').classList.remove('hidden');
    window.scrollTo(0, 0);
  }
  function sheetChanged() {
    if (!sheet) {
      return;
    }
    markSheet();
    writeDraft(sheet.form.form_id, sheet.part.target, readAnswers());
  }
  function closeSheet() {
    if (sheet) {
      writeDraft(sheet.form.form_id, sheet.part.target, readAnswers());
    }
    renderEvaluations();
    window.scrollTo(0, 0);
  }
  // Checks on the phone first (required answers, the score's range), then sends the part's answers once.
  function submitEvaluation() {
    if (!sheet) {
      return;
    }
    var s = sheet;
    var btn = $('evaluation-submit');
    message('evaluation-error', '');
    var answers = readAnswers();
    var missing = s.questions.filter(function (q) {
      return q.required && answers[q.id] === undefined;
    });
    var wrong = s.questions.filter(function (q) {
      return q.kind === 'score' && typeof answers[q.id] === 'string';
    });
    missing.forEach(function (q) {
      flag(q, '此题为必答题，请作答');
    });
    wrong.forEach(function (q) {
      flag(q, '请填写 0 到 100 之间的整数');
    });
    if (missing.length || wrong.length) {
      message(
        'evaluation-error',
        missing.length
          ? '请回答' +
              missing
                .map(function (q) {
                  return '「' + q.text + '」';
                })
                .join('、')
          : '「' + wrong[0].text + '」请填写 0 到 100 之间的整数'
      );
      questionBox(missing.concat(wrong)[0]).scrollIntoView({ block: 'center' });
      return;
    }
    s.questions.forEach(function (q) {
      if (q.kind === 'text' && answers[q.id] !== undefined) {
        answers[q.id] = answers[q.id].trim();
      }
    });
    btn.disabled = true;
    var path = '/me/evaluations/' + encodeURIComponent(s.form.form_id) + '/answers';
    api('POST', path, { target: s.part.target, answers: answers })
      .then(function (res) {
        if (sheet !== s) {
          return;
        }
        var code = res.body && res.body.code;
        if (res.ok || code === 'already_answered') {
          // Answered (now, or before on this phone): the draft goes, the part shows 已提交 with no second submit.
          dropDraft(s.form.form_id, s.part.target);
          s.part.answered = true;
          renderEvaluations();
          if (res.ok) {
            message('evaluation-ok', '已提交「' + partLabel(s.part) + '」，感谢您的参与。');
          } else {
            message('evaluation-list-error', failed(res));
          }
          window.scrollTo(0, 0);
          return loadEvaluation();
        }
        if (code === 'evaluation_closed') {
          renderEvaluations();
          message('evaluation-list-error', failed(res));
          window.scrollTo(0, 0);
          return loadEvaluation();
        }
        btn.disabled = false;
        message('evaluation-error', failed(res));
      })
      .catch(function (e) {
        btn.disabled = false;
        if (!e || e.message !== 'auth') {
          message('evaluation-error', '网络异常，未能提交，请稍后重试（已填内容仍保存在本机）');
        }
      });
  }

  // --- 消息 ---
  function badge(n) {
    var b = $('inbox-badge');
    b.textContent = n > 99 ? '99+' : String(n);
    b.classList.toggle('hidden', !n);
  }
  function loadInbox() {
    return api('GET', '/inbox?per_page=50').then(function (res) {
      if (!res.ok) {
        message('load-error', failed(res));
        return;
      }
      var unread = res.body.unread;
      badge(unread);
      var ul = $('inbox-list');
      ul.innerHTML = '';
      if (!res.body.items.length) {
        ul.appendChild(el('li', 'empty', '暂无消息'));
      }
      res.body.items.forEach(function (m) {
        var li = el('li', m.read ? 'read' : 'unread');
        li.dataset.messageId = m.id;
        var row = el('div', 'row');
        row.appendChild(el('span', 'title', m.title));
        row.appendChild(el('span', 'muted nowrap', when(m.created_at)));
        li.appendChild(row);
        li.appendChild(el('div', 'body', m.body));
        li.onclick = function () {
          if (li.className !== 'unread') {
            return;
          }
          li.className = 'read';
          unread = Math.max(0, unread - 1);
          badge(unread);
          api('POST', '/inbox/' + m.id + '/read')
            .then(function (r) {
              if (!r.ok) {
                message('load-error', failed(r));
              }
            })
            .catch(netError);
        };
        ul.appendChild(li);
      });
    });
  }

  var LOADERS = {
    attendance: loadAttendance,
    leave: loadLeave,
    discipline: loadDiscipline,
    completion: loadCompletion,
    evaluation: function () {
      message('evaluation-ok', '');
      message('evaluation-list-error', '');
      return loadEvaluation();
    },
    inbox: loadInbox,
  };
  function show(tab) {
    if (TABS.indexOf(tab) < 0) {
      tab = 'attendance';
    }
    current = tab;
    message('load-error', '');
    TABS.forEach(function (t) {
      $('tab-' + t).classList.toggle('hidden', t !== tab);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function (b) {
      b.classList.toggle('active', b.dataset.tab === tab);
    });
    if (history.replaceState) {
      history.replaceState(null, '', '#' + tab);
    }
    LOADERS[tab]().catch(netError);
  }
  function start() {
    $('bind').classList.add('hidden');
    api('GET', '/me')
      .then(function (res) {
        if (!res.ok || res.body.kind !== 'trainee') {
          showBind();
          return;
        }
        me = res.body.trainee;
        $('who').textContent = me.name + ' · ' + me.unit;
        var select = $('leave-class');
        select.innerHTML = '';
        // Leave is asked in a class that is still running, not in one that has finished.
        me.enrollments.filter(function (e) {
          return e.class.status !== 'finished';
        }).forEach(function (e) {
          var o = el('option', '', e.class.name);
          o.value = e.class.id;
          select.appendChild(o);
        });
        fillDays();
        $('app').classList.remove('hidden');
        show(location.hash.slice(1));
        if (current !== 'inbox') {
          loadInbox().catch(function () {});
        }
        // The 评估 badge: parts waiting for this trainee.
        if (current !== 'evaluation') {
          loadEvaluation().catch(function () {});
        }
      })
      .catch(netError);
  }

  Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function (b) {
    b.onclick = function () {
      show(b.dataset.tab);
    };
  });
  $('leave-date').onchange = function () {
    loadSessions().catch(netError);
  };
  $('leave-class').onchange = function () {
    fillDays();
    loadSessions().catch(netError);
  };
  $('leave-file').onchange = function () {
    var f = this.files[0];
    $('leave-file-name').textContent = f ? f.name : '未选择';
  };
  Array.prototype.forEach.call(document.querySelectorAll('#leave-kinds input'), function (i) {
    i.onchange = markKinds;
  });
  $('leave-submit').onclick = submitLeave;
  $('evaluation-questions').addEventListener('change', sheetChanged);
  $('evaluation-questions').addEventListener('input', sheetChanged);
  $('evaluation-back').onclick = closeSheet;
  $('evaluation-submit').onclick = submitEvaluation;
  // The reminder links to /h5/me#evaluation: followed while the page is open, it opens the tab too.
  window.addEventListener('hashchange', function () {
    var tab = location.hash.slice(1);
    if (me && token && TABS.indexOf(tab) >= 0 && tab !== current) {
      show(tab);
    }
  });
  // The trainee's copy of their own data: a readable PDF, or the JSON the API answers (the browser names the file).
  $('my-data-pdf').onclick = function () {
    var name = '我的个人信息-' + ((me && me.name) || '') + '.pdf';
    downloadFile('/me/data.pdf', name, '个人信息副本', this, $('my-data-error'));
  };
  $('my-data').onclick = function () {
    var btn = this;
    btn.disabled = true;
    message('my-data-error', '');
    api('GET', '/me/data')
      .then(function (res) {
        btn.disabled = false;
        if (!res.ok) {
          message('my-data-error', failed(res));
          return;
        }
        var blob = new Blob([JSON.stringify(res.body, null, 2)], { type: 'application/json' });
        var link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = '我的个人信息-' + res.body.exported_at.slice(0, 10) + '.json';
        document.body.appendChild(link);
        link.click();
        link.remove();
        window.setTimeout(function () {
          URL.revokeObjectURL(link.href);
        }, 1000);
      })
      .catch(function () {
        btn.disabled = false;
        message('my-data-error', '网络异常，请重试');
      });
  };
  $('bind-btn').onclick = function () {
    var btn = this;
    btn.disabled = true;
    message('bind-error', '');
    R.bindPhone($('invite-code').value)
      .then(function (res) {
        btn.disabled = false;
        if (res.ok) {
          token = res.body.token;
          start();
        } else {
          message('bind-error', failed(res));
        }
      })
      .catch(function () {
        btn.disabled = false;
        message('bind-error', '网络异常，请重试');
      });
  };
  if (token) {
    start();
  } else {
    showBind();
  }
})();
