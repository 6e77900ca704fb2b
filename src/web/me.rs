//! The trainee's self-service page (`/h5/me`), for a phone browser: their attendance and 学时, leave requests (ask,
//! follow the approval, withdraw), discipline records, completion (结业) with its certificate, and in-app messages. Logs in like the check-in page: the
//! bearer token and the device id stay in the browser's local storage, and without a token it asks for the invite
//! code. Everything is inline: no external CDN. Times are shown in China time whatever the phone's time zone.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::clock::local_date;
use crate::state::AppState;

/// Replaced with the server's date (China time), the default for the session picker: the server's clock decides
/// what "today" is, not the phone's.
const TODAY: &str = "{{today}}";

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<meta name="referrer" content="no-referrer">
<title>我的考勤与请假</title>
<style>
*{box-sizing:border-box}
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:480px;margin:0 auto;padding:12px 12px 40px}
h1{font-size:19px;margin:6px 0 2px;color:#c8161d} h2{font-size:16px;margin:0 0 8px}
.sub{color:#666;font-size:13px;margin-bottom:10px;min-height:18px}
.card{background:#fff;border-radius:10px;padding:12px;margin-bottom:12px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.tabs{display:flex;background:#fff;border-radius:10px;margin-bottom:12px;box-shadow:0 1px 3px rgba(0,0,0,.06);overflow:hidden}
.tabs button{flex:1;font-size:16px;padding:12px 0;border:0;background:#fff;color:#555;border-bottom:3px solid transparent;position:relative}
.tabs button.active{color:#c8161d;border-bottom-color:#c8161d;font-weight:700}
.badge{display:inline-block;min-width:18px;padding:0 5px;margin-left:3px;border-radius:9px;background:#c8161d;color:#fff;font-size:12px;line-height:18px;font-weight:400;vertical-align:1px}
.totals{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;text-align:center}
.totals div{background:#f7f7f9;border-radius:8px;padding:8px 0}
.totals b{display:block;font-size:22px} .totals span{font-size:12px;color:#666}
ul{list-style:none;margin:0;padding:0}
.list>li{padding:10px 0;border-bottom:1px solid #eee;font-size:15px;line-height:1.6;overflow-wrap:anywhere}
.list>li:last-child{border-bottom:0}
.row{display:flex;justify-content:space-between;align-items:center;gap:8px}
.muted{color:#888;font-size:13px} .nowrap{white-space:nowrap;flex:none}
.tag{display:inline-block;font-size:13px;padding:1px 8px;border-radius:10px;background:#eee;color:#555;white-space:nowrap}
.st-pending{background:#fff4e0;color:#a05a00} .st-approved,.st-present{background:#e8f6ec;color:#17692f}
.st-rejected,.st-absent{background:#fdecec;color:#a61b1b} .st-cancelled{background:#eee;color:#777}
.st-late,.st-early_leave{background:#fff4e0;color:#a05a00} .st-leave{background:#e8effc;color:#1d4f9c}
.steps{margin:4px 0 0;padding-left:16px;list-style:decimal;color:#555;font-size:13px}
label.field{display:block;font-size:14px;color:#555;margin:10px 0 4px}
select,input[type=date],textarea{width:100%;font-size:16px;padding:9px;border:1px solid #ccc;border-radius:8px;background:#fff;font-family:inherit}
textarea{min-height:72px;resize:vertical}
input[type=file]{font-size:14px;max-width:100%}
.sessions li{padding:6px 0;border-bottom:1px dashed #eee;font-size:15px}
.sessions label{display:flex;gap:8px;align-items:flex-start}
.sessions input{margin-top:5px;width:18px;height:18px;flex:none}
.kinds{display:flex;gap:8px}
.kinds label{flex:1;text-align:center;border:1px solid #ccc;border-radius:8px;padding:9px 0;font-size:16px}
.kinds input{position:absolute;opacity:0;pointer-events:none}
.kinds label.on{border-color:#c8161d;color:#c8161d;background:#fff5f5;font-weight:700}
.primary{width:100%;font-size:17px;padding:12px;border:0;border-radius:8px;background:#c8161d;color:#fff;margin-top:12px}
.primary:disabled{background:#aaa}
.small{font-size:13px;padding:5px 12px;border:1px solid #c8161d;background:#fff;color:#c8161d;border-radius:6px;margin:6px 6px 0 0}
.bad{color:#a61b1b} .good{color:#17692f} .hidden{display:none} .empty{color:#888;font-size:14px;padding:8px 0}
.unread .title{font-weight:700} .unread .title:before{content:"● ";color:#c8161d}
.annulled .what{text-decoration:line-through;color:#888}
img.proof{display:block;max-width:100%;margin-top:6px;border-radius:6px}
.verdict{font-size:24px;font-weight:700;margin:2px 0 6px}
.why{margin-top:6px;font-size:14px;color:#555}
.reasons{margin:4px 0 0;padding-left:18px;list-style:disc;font-size:14px;line-height:1.6;color:#a61b1b}
.cert{border:1px solid #eee;border-radius:8px;padding:10px;margin-top:10px;font-size:15px;line-height:1.6;overflow-wrap:anywhere}
.cert.revoked{background:#f4f4f4;color:#888;opacity:.75}
a.small{display:inline-block;text-decoration:none}
#bind input{width:100%;font-size:22px;letter-spacing:3px;padding:12px;border:1px solid #ccc;border-radius:8px;text-transform:uppercase}
</style></head><body><main>
<h1>我的考勤与请假</h1><div id="who" class="sub"></div>
<div id="bind" class="card hidden">
  <p>首次使用请输入邀请码，将本手机绑定为您的签到手机（邀请码见班主任发放的邀请卡）。</p>
  <input id="invite-code" autocomplete="off" maxlength="14" placeholder="邀请码">
  <button id="bind-btn" class="primary">绑定</button>
  <p id="bind-error" class="bad hidden"></p>
</div>
<div id="app" class="hidden">
  <nav class="tabs">
    <button data-tab="attendance">考勤</button><button data-tab="leave">请假</button><button data-tab="discipline">违纪</button><button data-tab="completion">结业</button><button data-tab="inbox">消息<span id="inbox-badge" class="badge hidden"></span></button>
  </nav>
  <p id="load-error" class="bad hidden"></p>
  <section id="tab-attendance" class="hidden">
    <div class="card totals">
      <div><b id="t-present">0</b><span>出勤</span></div><div><b id="t-late">0</b><span>迟到</span></div>
      <div><b id="t-early">0</b><span>早退</span></div><div><b id="t-leave">0</b><span>请假</span></div>
      <div><b id="t-absent">0</b><span>旷课</span></div><div><b id="t-credit">0</b><span>已获学时</span></div>
    </div>
    <div class="card"><h2>课程考勤</h2><ul id="attendance-list" class="list"></ul></div>
  </section>
  <section id="tab-leave" class="hidden">
    <div class="card" id="leave-form">
      <h2>申请请假</h2>
      <label class="field" for="leave-class">培训班</label><select id="leave-class"></select>
      <label class="field" for="leave-date">日期</label><input id="leave-date" type="date">
      <label class="field">请选择要请假的课程</label><ul id="leave-sessions" class="sessions"></ul>
      <label class="field">请假类型</label>
      <div class="kinds" id="leave-kinds">
        <label><input type="radio" name="kind" value="sick">病假</label><label><input type="radio" name="kind" value="personal">事假</label><label><input type="radio" name="kind" value="official">公假</label>
      </div>
      <label class="field" for="leave-reason">请假事由</label><textarea id="leave-reason" maxlength="500" placeholder="请填写请假事由"></textarea>
      <label class="field" for="leave-file">附图（选填，如病历、假条）</label><input id="leave-file" type="file" accept="image/*">
      <button id="leave-submit" class="primary">提交申请</button>
      <p id="leave-error" class="bad hidden"></p><p id="leave-ok" class="good hidden"></p>
    </div>
    <div class="card"><h2>我的请假</h2><p id="leave-list-error" class="bad hidden"></p><ul id="leave-list" class="list"></ul></div>
  </section>
  <section id="tab-discipline" class="hidden">
    <div class="card"><h2>违纪记录</h2><ul id="discipline-list" class="list"></ul></div>
  </section>
  <section id="tab-completion" class="hidden"><div id="completion-list"></div></section>
  <section id="tab-inbox" class="hidden">
    <div class="card"><h2>消息</h2><ul id="inbox-list" class="list"></ul></div>
  </section>
</div>
</main>
<script>
(function(){
  var TODAY = '{{today}}';
  var TABS = ['attendance', 'leave', 'discipline', 'completion', 'inbox'];
  var $ = function(id){ return document.getElementById(id); };
  var token = localStorage.getItem('rollcall.token');
  var me = null, current = null, leaves = [];

  function el(tag, cls, text){
    var e = document.createElement(tag);
    if(cls){ e.className = cls; }
    if(text != null){ e.textContent = text; }
    return e;
  }
  function message(id, text){ var p = $(id); p.textContent = text || ''; p.classList.toggle('hidden', !text); }
  function deviceId(){
    var id = localStorage.getItem('rollcall.device_id');
    if(!id){
      var b = new Uint8Array(16); (window.crypto||window.msCrypto).getRandomValues(b);
      id = 'h5-' + Array.prototype.map.call(b, function(x){return ('0'+x.toString(16)).slice(-2)}).join('');
      localStorage.setItem('rollcall.device_id', id);
    }
    return id;
  }
  // China time (UTC+8, no daylight saving), whatever the phone's zone: "11月26日 14:30".
  function pad(n){ return (n < 10 ? '0' : '') + n; }
  function cn(iso){
    var d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return {day: (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日', time: pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes())};
  }
  function when(iso){ var t = cn(iso); return t.day + ' ' + t.time; }
  function span(from, to){
    var a = cn(from), b = cn(to);
    return a.day === b.day ? a.day + ' ' + a.time + '–' + b.time : when(from) + ' 至 ' + when(to);
  }
  function showBind(){
    token = null; localStorage.removeItem('rollcall.token');
    $('app').classList.add('hidden'); $('bind').classList.remove('hidden'); $('who').textContent = '';
  }
  function failed(res){ return (res.body && res.body.message) || '操作失败，请稍后再试'; }
  // Resolves {ok, status, body}; a dead token sends the page back to the invite code.
  function api(method, path, body, form){
    var headers = {'Authorization': 'Bearer ' + token};
    if(body !== undefined){ headers['Content-Type'] = 'application/json'; }
    return fetch('/api/v1' + path, {method: method, headers: headers, cache: 'no-store',
      body: form || (body !== undefined ? JSON.stringify(body) : undefined)})
      .then(function(r){
        if(r.status === 204){ return {ok: true, status: 204, body: null}; }
        return r.json().catch(function(){ return {message: '服务器返回了无法识别的内容（' + r.status + '）'}; })
          .then(function(b){
            if(r.status === 401){ showBind(); throw new Error('auth'); }
            return {ok: r.ok, status: r.status, body: b};
          });
      });
  }
  function netError(e){ if(!e || e.message !== 'auth'){ message('load-error', '网络异常，请检查网络后重试'); } }

  // --- 考勤 ---
  function loadAttendance(){
    return api('GET', '/me/attendance').then(function(res){
      if(!res.ok){ message('load-error', failed(res)); return; }
      var t = res.body.totals;
      $('t-present').textContent = t.present; $('t-late').textContent = t.late; $('t-early').textContent = t.early_leave;
      $('t-leave').textContent = t.leave; $('t-absent').textContent = t.absent; $('t-credit').textContent = t.credit_hours_earned;
      var ul = $('attendance-list'); ul.innerHTML = '';
      var list = res.body.sessions.slice().reverse();
      if(!list.length){ ul.appendChild(el('li', 'empty', '暂无考勤记录，课程开始后在这里显示。')); }
      list.forEach(function(s){
        var li = el('li'); li.dataset.sessionId = s.session_id;
        var row = el('div', 'row'); row.appendChild(el('span', 'title', s.title));
        row.appendChild(el('span', 'tag st-' + (s.status || 'none'), s.status_label)); li.appendChild(row);
        var info = when(s.starts_at) + ' · ' + s.credit_hours + ' 学时';
        if(s.checked_in_at){ info += ' · 签到 ' + cn(s.checked_in_at).time; }
        if(s.checked_out_at){ info += ' · 签退 ' + cn(s.checked_out_at).time; }
        li.appendChild(el('div', 'muted', info));
        if(s.note){ li.appendChild(el('div', 'muted', '说明：' + s.note)); }
        ul.appendChild(li);
      });
    });
  }

  // --- 请假 ---
  var DECISIONS = {approved: '同意', rejected: '不同意'};
  function taken(){
    var ids = {};
    leaves.forEach(function(l){
      if(l.status === 'pending' || l.status === 'approved'){ l.sessions.forEach(function(s){ ids[s.session_id] = true; }); }
    });
    return ids;
  }
  function renderLeaves(){
    var ul = $('leave-list'); ul.innerHTML = '';
    if(!leaves.length){ ul.appendChild(el('li', 'empty', '暂无请假申请')); }
    leaves.forEach(function(l){
      var li = el('li', 'leave'); li.dataset.leaveId = l.id; li.dataset.status = l.status;
      var row = el('div', 'row'); row.appendChild(el('b', 'kind', l.kind_label));
      row.appendChild(el('span', 'tag status st-' + l.status, l.status_label)); li.appendChild(row);
      li.appendChild(el('div', 'muted span', span(l.starts_at, l.ends_at) + ' · ' + l.credit_hours + ' 学时'));
      li.appendChild(el('div', 'sessions-covered', l.sessions.map(function(s){ return s.title; }).join('、')));
      li.appendChild(el('div', 'reason', '事由：' + l.reason));
      if(l.status === 'pending' && l.waiting_for_label){ li.appendChild(el('div', 'muted waiting', '等待' + l.waiting_for_label + '审批')); }
      if(l.steps.length){
        var ol = el('ol', 'steps');
        l.steps.forEach(function(s){
          var text = s.role_label + ' ' + s.staff_name + '：' + (DECISIONS[s.decision] || s.decision);
          if(s.comment){ text += '，意见：' + s.comment; }
          ol.appendChild(el('li', 'step', text + '（' + when(s.at) + '）'));
        });
        li.appendChild(ol);
      }
      if(l.has_attachment){
        var view = el('button', 'small view', '查看附图');
        view.onclick = function(){ showProof(l, li, view); };
        li.appendChild(view);
      }
      if(l.status === 'pending'){
        var cancel = el('button', 'small cancel', '撤回');
        cancel.onclick = function(){ withdraw(l, cancel); };
        li.appendChild(cancel);
      }
      ul.appendChild(li);
    });
  }
  function showProof(l, li, btn){
    btn.disabled = true;
    fetch('/api/v1/me/leave-requests/' + l.id + '/attachment', {headers: {'Authorization': 'Bearer ' + token}, cache: 'no-store'})
      .then(function(r){ if(!r.ok){ throw new Error('status ' + r.status); } return r.blob(); })
      .then(function(b){ var img = el('img', 'proof'); img.alt = '附图'; img.src = URL.createObjectURL(b); li.appendChild(img); btn.remove(); })
      .catch(function(){ btn.disabled = false; message('leave-list-error', '附图加载失败，请稍后再试'); });
  }
  function withdraw(l, btn){
    if(!window.confirm('确定撤回这条' + l.kind_label + '申请吗？')){ return; }
    btn.disabled = true; message('leave-list-error', '');
    api('POST', '/me/leave-requests/' + l.id + '/cancel').then(function(res){
      if(!res.ok){ btn.disabled = false; message('leave-list-error', failed(res)); return; }
      loadLeave();
    }).catch(function(e){ btn.disabled = false; netError(e); });
  }
  function renderSessions(list){
    var ul = $('leave-sessions'); ul.innerHTML = '';
    var classId = $('leave-class').value, busy = taken();
    list = list.filter(function(s){ return s.class_id === classId; });
    if(!list.length){ ul.appendChild(el('li', 'empty', '当天没有课程')); }
    list.forEach(function(s){
      var li = el('li'); li.dataset.sessionId = s.id;
      var label = el('label'), box = el('input');
      box.type = 'checkbox'; box.value = s.id; box.disabled = !!busy[s.id];
      var text = el('span'); text.appendChild(el('span', 'title', s.title));
      var info = cn(s.starts_at).time + '–' + cn(s.ends_at).time + ' · ' + s.kind_label + ' · ' + s.credit_hours + ' 学时';
      if(busy[s.id]){ info += ' · 已申请'; }
      text.appendChild(el('div', 'muted', info));
      label.appendChild(box); label.appendChild(text); li.appendChild(label); ul.appendChild(li);
    });
  }
  function loadSessions(){
    var date = $('leave-date').value || TODAY;
    return api('GET', '/me/sessions?date=' + encodeURIComponent(date)).then(function(res){
      if(!res.ok){ message('leave-error', failed(res)); renderSessions([]); return; }
      renderSessions(res.body);
    });
  }
  function loadLeave(){
    return api('GET', '/me/leave-requests').then(function(res){
      if(!res.ok){ message('load-error', failed(res)); return; }
      leaves = res.body; renderLeaves();
      return loadSessions();
    });
  }
  // A phone photo can be larger than the 5 MB the server takes: large ones are re-encoded smaller first.
  function shrink(file){
    if(file.size <= 1500000 || !window.createImageBitmap){ return Promise.resolve(file); }
    return createImageBitmap(file).then(function(img){
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      var c = document.createElement('canvas'); c.width = Math.round(img.width * scale); c.height = Math.round(img.height * scale);
      c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
      return new Promise(function(resolve){ c.toBlob(function(b){ resolve(b || file); }, 'image/jpeg', 0.85); });
    }).catch(function(){ return file; });
  }
  function upload(){
    var file = $('leave-file').files[0];
    if(!file){ return Promise.resolve(null); }
    return shrink(file).then(function(blob){
      var form = new FormData(); form.append('file', blob, file.name || 'photo.jpg');
      return api('POST', '/attachments', undefined, form);
    }).then(function(res){
      if(!res.ok){ throw {shown: '附图上传失败：' + failed(res)}; }
      return res.body;
    });
  }
  function submitLeave(){
    var btn = $('leave-submit');
    message('leave-error', ''); message('leave-ok', '');
    var kind = document.querySelector('#leave-kinds input:checked');
    if(!kind){ message('leave-error', '请选择请假类型'); return; }
    var ids = Array.prototype.map.call(document.querySelectorAll('#leave-sessions input:checked'), function(b){ return b.value; });
    btn.disabled = true;
    upload().then(function(att){
      var body = {class_id: $('leave-class').value, kind: kind.value, reason: $('leave-reason').value, session_ids: ids};
      if(att){ body.attachment_id = att.id; }
      return api('POST', '/me/leave-requests', body);
    }).then(function(res){
      btn.disabled = false;
      if(!res.ok){ message('leave-error', failed(res)); return; }
      $('leave-reason').value = ''; $('leave-file').value = ''; kind.checked = false; markKinds();
      message('leave-ok', '已提交，等待' + (res.body.waiting_for_label || '') + '审批');
      loadLeave();
    }).catch(function(e){ btn.disabled = false; if(e && e.shown){ message('leave-error', e.shown); } else { netError(e); } });
  }
  function markKinds(){
    Array.prototype.forEach.call(document.querySelectorAll('#leave-kinds label'), function(l){
      l.classList.toggle('on', l.querySelector('input').checked);
    });
  }

  // --- 违纪 ---
  function loadDiscipline(){
    return api('GET', '/me/discipline').then(function(res){
      if(!res.ok){ message('load-error', failed(res)); return; }
      var ul = $('discipline-list'); ul.innerHTML = '';
      if(!res.body.length){ ul.appendChild(el('li', 'empty', '暂无违纪记录')); }
      res.body.forEach(function(d){
        var li = el('li', d.annulled ? 'annulled' : ''); li.dataset.recordId = d.id;
        var row = el('div', 'row'); row.appendChild(el('b', 'what', d.category_label));
        row.appendChild(el('span', 'tag ' + (d.annulled ? 'st-cancelled' : 'st-rejected'), d.annulled ? '已撤销' : d.severity_label));
        li.appendChild(row);
        li.appendChild(el('div', 'muted', when(d.occurred_at) + (d.annulled ? ' · ' + d.severity_label : '')));
        li.appendChild(el('div', 'description', d.description));
        if(d.annulled){ li.appendChild(el('div', 'muted annul', '撤销原因：' + (d.annul_reason || ''))); }
        ul.appendChild(li);
      });
    });
  }

  // --- 结业 ---
  // "2026-11-30" → "2026年11月30日".
  function cnDate(d){ var p = String(d).split('-'); return p.length === 3 ? +p[0] + '年' + +p[1] + '月' + +p[2] + '日' : String(d); }
  function finished(classId){
    return ((me && me.enrollments) || []).some(function(e){ return e.class.id === classId && e.class.status === 'finished'; });
  }
  // The PDF is an authenticated download: fetched with the token, handed to the phone as a file.
  function downloadCert(c, btn, err){
    btn.disabled = true; err.classList.add('hidden');
    fetch('/api/v1/me/certificates/' + c.id + '/pdf', {headers: {'Authorization': 'Bearer ' + token}, cache: 'no-store'})
      .then(function(r){
        if(r.status === 401){ showBind(); throw new Error('auth'); }
        if(!r.ok){
          return r.json().catch(function(){ return {}; }).then(function(b){ throw {shown: b.message || '证书下载失败（' + r.status + '）'}; });
        }
        return r.blob();
      })
      .then(function(b){
        var url = URL.createObjectURL(b), a = el('a');
        a.href = url; a.download = c.serial + '_' + (c.holder_name || (me && me.name) || '结业证书') + '.pdf';
        a.className = 'hidden'; document.body.appendChild(a); a.click(); a.remove();
        setTimeout(function(){ URL.revokeObjectURL(url); }, 60000);
        btn.disabled = false;
      })
      .catch(function(e){
        btn.disabled = false;
        if(e && e.message === 'auth'){ return; }
        err.textContent = (e && e.shown) || '网络异常，证书下载失败，请稍后重试'; err.classList.remove('hidden');
      });
  }
  function certItem(c){
    var box = el('div', 'cert' + (c.revoked ? ' revoked' : '')); box.dataset.certId = c.id;
    var row = el('div', 'row'); row.appendChild(el('b', '', '结业证书'));
    row.appendChild(el('span', 'tag ' + (c.revoked ? 'st-cancelled' : 'st-approved'), c.revoked ? '已撤销' : '有效')); box.appendChild(row);
    box.appendChild(el('div', 'serial', '证书编号：' + c.serial));
    box.appendChild(el('div', 'muted', '发证日期：' + cnDate(c.issue_date) + ' · ' + c.credit_hours + ' 学时'));
    if(c.revoked){
      var why = (c.revoked_at ? cn(c.revoked_at).day + '撤销' : '已撤销') + (c.revoke_reason ? '，撤销原因：' + c.revoke_reason : '');
      box.appendChild(el('div', 'muted revoke', why));
      if(c.replaced_by){ box.appendChild(el('div', 'muted', '已换发新证书')); }
      return box;
    }
    var err = el('p', 'bad hidden cert-error');
    var dl = el('button', 'small download', '下载证书 PDF');
    dl.onclick = function(){ downloadCert(c, dl, err); };
    box.appendChild(dl);
    if(c.verify_url){
      var a = el('a', 'small verify', '在线验证'); a.href = c.verify_url; a.target = '_blank'; a.rel = 'noopener';
      box.appendChild(a);
    }
    box.appendChild(err);
    return box;
  }
  function renderCompletion(list, certs){
    var root = $('completion-list'); root.innerHTML = '';
    var shown = {};
    list.forEach(function(x){
      var done = finished(x.class_id), eligible = x.status === 'eligible';
      var card = el('div', 'card completion'); card.dataset.classId = x.class_id; card.dataset.status = x.status;
      card.appendChild(el('h2', '', x.class_name));
      card.appendChild(el('div', 'muted phase', done ? '结业审核结果' : '当前结业审核状态'));
      card.appendChild(el('div', 'verdict ' + (eligible ? 'good' : 'bad'), x.status_label));
      card.appendChild(el('div', 'muted hours', '已获学时 ' + x.attended_hours));
      if(!done){ card.appendChild(el('div', 'muted live', '培训尚未结束，以上为按目前考勤、请假和违纪情况得出的实时状态，以结业时的审核为准。')); }
      if(!eligible){
        card.appendChild(el('div', 'why', '不予结业的原因：'));
        var ul = el('ul', 'reasons');
        x.reasons.forEach(function(r){ ul.appendChild(el('li', 'reason', r.message)); });
        if(!x.reasons.length){ ul.appendChild(el('li', 'reason', '请咨询班主任')); }
        card.appendChild(ul);
      }
      var mine = certs.filter(function(c){ return c.class_id === x.class_id; });
      // The decision names the valid certificate; should the list not have it, what the decision says is enough.
      if(x.certificate && !mine.some(function(c){ return c.id === x.certificate.id; })){
        mine.push({id: x.certificate.id, serial: x.certificate.serial, issue_date: x.certificate.issue_date,
          credit_hours: x.certificate.credit_hours, revoked: false});
      }
      mine.sort(function(a, b){ return (a.revoked ? 1 : 0) - (b.revoked ? 1 : 0); });
      mine.forEach(function(c){ shown[c.id] = true; card.appendChild(certItem(c)); });
      if(done && eligible && !mine.some(function(c){ return !c.revoked; })){ card.appendChild(el('div', 'muted pending', '结业证书尚未发放')); }
      root.appendChild(card);
    });
    var rest = certs.filter(function(c){ return !shown[c.id]; });
    if(rest.length){
      var card = el('div', 'card'); card.appendChild(el('h2', '', '其他证书'));
      rest.forEach(function(c){ card.appendChild(certItem(c)); });
      root.appendChild(card);
    }
    if(!list.length && !rest.length){
      var none = el('div', 'card'); none.appendChild(el('div', 'empty', '暂无结业信息')); root.appendChild(none);
    }
  }
  function loadCompletion(){
    return Promise.all([api('GET', '/me/completion'), api('GET', '/me/certificates')]).then(function(r){
      if(!r[0].ok){ message('load-error', failed(r[0])); return; }
      if(!r[1].ok){ message('load-error', failed(r[1])); }
      renderCompletion(r[0].body, r[1].ok ? r[1].body : []);
    });
  }

  // --- 消息 ---
  function badge(n){ var b = $('inbox-badge'); b.textContent = n > 99 ? '99+' : String(n); b.classList.toggle('hidden', !n); }
  function loadInbox(){
    return api('GET', '/inbox?per_page=50').then(function(res){
      if(!res.ok){ message('load-error', failed(res)); return; }
      var unread = res.body.unread; badge(unread);
      var ul = $('inbox-list'); ul.innerHTML = '';
      if(!res.body.items.length){ ul.appendChild(el('li', 'empty', '暂无消息')); }
      res.body.items.forEach(function(m){
        var li = el('li', m.read ? 'read' : 'unread'); li.dataset.messageId = m.id;
        var row = el('div', 'row'); row.appendChild(el('span', 'title', m.title)); row.appendChild(el('span', 'muted nowrap', when(m.created_at)));
        li.appendChild(row); li.appendChild(el('div', 'body', m.body));
        li.onclick = function(){
          if(li.className !== 'unread'){ return; }
          li.className = 'read'; unread = Math.max(0, unread - 1); badge(unread);
          api('POST', '/inbox/' + m.id + '/read').then(function(r){ if(!r.ok){ message('load-error', failed(r)); } }).catch(netError);
        };
        ul.appendChild(li);
      });
    });
  }

  var LOADERS = {attendance: loadAttendance, leave: loadLeave, discipline: loadDiscipline, completion: loadCompletion, inbox: loadInbox};
  function show(tab){
    if(TABS.indexOf(tab) < 0){ tab = 'attendance'; }
    current = tab; message('load-error', '');
    TABS.forEach(function(t){ $('tab-' + t).classList.toggle('hidden', t !== tab); });
    Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function(b){ b.classList.toggle('active', b.dataset.tab === tab); });
    if(history.replaceState){ history.replaceState(null, '', '#' + tab); }
    LOADERS[tab]().catch(netError);
  }
  function start(){
    $('bind').classList.add('hidden');
    api('GET', '/me').then(function(res){
      if(!res.ok || res.body.kind !== 'trainee'){ showBind(); return; }
      me = res.body.trainee;
      $('who').textContent = me.name + ' · ' + me.unit;
      var select = $('leave-class'); select.innerHTML = '';
      me.enrollments.forEach(function(e){ var o = el('option', '', e.class.name); o.value = e.class.id; select.appendChild(o); });
      $('app').classList.remove('hidden');
      show(location.hash.slice(1));
      if(current !== 'inbox'){ loadInbox().catch(function(){}); }
    }).catch(netError);
  }

  Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function(b){ b.onclick = function(){ show(b.dataset.tab); }; });
  $('leave-date').value = TODAY;
  $('leave-date').onchange = function(){ loadSessions().catch(netError); };
  $('leave-class').onchange = function(){ loadSessions().catch(netError); };
  Array.prototype.forEach.call(document.querySelectorAll('#leave-kinds input'), function(i){ i.onchange = markKinds; });
  $('leave-submit').onclick = submitLeave;
  $('bind-btn').onclick = function(){
    var btn = this; btn.disabled = true; message('bind-error', '');
    fetch('/api/v1/auth/invite', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({invite_code: $('invite-code').value, device_id: deviceId()})})
      .then(function(r){ return r.json().then(function(b){ return {ok: r.ok, body: b}; }); })
      .then(function(res){
        btn.disabled = false;
        if(res.ok){ token = res.body.token; localStorage.setItem('rollcall.token', token); start(); }
        else { message('bind-error', failed(res)); }
      }).catch(function(){ btn.disabled = false; message('bind-error', '网络异常，请重试'); });
  };
  if(token){ start(); } else { showBind(); }
})();
</script></body></html>"#;

/// The page, with the server's today as the session picker's default date.
pub fn render(today: chrono::NaiveDate) -> String {
    PAGE.replace(TODAY, &today.format("%Y-%m-%d").to_string())
}

pub async fn page(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(render(local_date(state.clock.now())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_the_servers_date_and_keeps_no_placeholder() {
        let page = render(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"));
        assert!(page.contains("var TODAY = '2026-11-26';"), "the date is inlined");
        assert!(!page.contains("{{"), "no placeholder is left");
        assert!(!page.contains("http://") && !page.contains("https://"), "nothing is loaded from elsewhere");
    }
}
