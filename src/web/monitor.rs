//! The staff monitor (`/staff/sessions/{session_id}`), for a 班主任's phone: live counts, who is missing with one tap
//! to mark leave or correct (with a reason), and the attempt log with failure reasons so staff can spot a relay or a
//! fake position. Logs in with the staff account; the token stays in the browser's local storage.

use actix_web::HttpResponse;
use actix_web::http::header;

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<meta name="referrer" content="no-referrer">
<title>考勤跟班</title>
<style>
*{box-sizing:border-box}
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:480px;margin:0 auto;padding:14px 12px 40px}
h1{font-size:19px;margin:6px 0 2px} .sub{color:#666;font-size:13px;margin-bottom:10px}
.card{background:#fff;border-radius:10px;padding:12px;margin-bottom:12px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.counts{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;text-align:center}
.counts div{background:#f7f7f9;border-radius:8px;padding:8px 0}
.counts b{display:block;font-size:24px} .counts span{font-size:12px;color:#666}
h2{font-size:16px;margin:0 0 8px}
ul{list-style:none;margin:0;padding:0}
li{display:flex;align-items:center;justify-content:space-between;padding:8px 0;border-bottom:1px solid #eee;font-size:15px}
li small{color:#888;display:block;font-size:12px}
li button{font-size:13px;padding:6px 10px;margin-left:6px;border:1px solid #c8161d;background:#fff;color:#c8161d;border-radius:6px}
input{width:100%;font-size:16px;padding:10px;margin:6px 0;border:1px solid #ccc;border-radius:8px}
.primary{width:100%;font-size:17px;padding:12px;border:0;border-radius:8px;background:#c8161d;color:#fff;margin-top:6px}
.bad{color:#a61b1b} .hidden{display:none} .empty{color:#888;font-size:14px}
</style></head><body><main>
<div id="login" class="card hidden">
  <h2>工作人员登录</h2>
  <input id="username" placeholder="用户名" autocomplete="username">
  <input id="password" type="password" placeholder="密码" autocomplete="current-password">
  <button id="login-btn" class="primary">登录</button>
  <p id="login-error" class="bad hidden"></p>
</div>
<div id="monitor" class="hidden">
  <h1 id="title">考勤跟班</h1><div id="sub" class="sub"></div>
  <div class="card counts">
    <div><b id="c-arrived">0</b><span>已到</span></div><div><b id="c-late">0</b><span>迟到</span></div>
    <div><b id="c-missing">0</b><span>未到</span></div><div><b id="c-leave">0</b><span>请假</span></div>
    <div><b id="c-absent">0</b><span>旷课</span></div><div><b id="c-expected">0</b><span>应到</span></div>
  </div>
  <div class="card"><h2>未到人员</h2><ul id="missing"></ul></div>
  <div class="card"><h2>异常签到记录</h2><ul id="attempts"></ul></div>
</div>
</main>
<script>
(function(){
  var sessionId = location.pathname.split('/').pop();
  var $ = function(id){ return document.getElementById(id); };
  var token = localStorage.getItem('rollcall.staff_token');
  var reasons = {outside_geofence:'不在签到范围', device_shared:'一机多人', device_mismatch:'非绑定手机', qr_token_expired:'二维码过期',
    qr_token_invalid:'二维码无效', qr_token_forged:'伪造的二维码', location_required:'未提供定位', not_enrolled:'非本班学员', session_closed:'签到已结束',
    session_not_open:'签到未开始', rate_limited:'操作过于频繁'};
  function api(method, path, body){
    return fetch('/api/v1' + path, {method:method, headers:{'Content-Type':'application/json','Authorization':'Bearer ' + token},
      body: body ? JSON.stringify(body) : undefined, cache:'no-store'})
      .then(function(r){ if(r.status === 401){ localStorage.removeItem('rollcall.staff_token'); showLogin(); throw new Error('auth'); }
        return r.json().then(function(b){ return {ok:r.ok, body:b}; }); });
  }
  function hhmm(iso){ return new Date(iso).toLocaleTimeString('zh-CN', {timeZone:'Asia/Shanghai', hour:'2-digit', minute:'2-digit'}); }
  function showLogin(){ $('login').classList.remove('hidden'); $('monitor').classList.add('hidden'); }
  function correct(entry, status, label){
    var reason = window.prompt('将 ' + entry.name + ' 标记为“' + label + '”，请填写原因：');
    if(!reason){ return; }
    api('PUT', '/sessions/' + sessionId + '/attendance/' + entry.enrollment_id, {status: status, reason: reason}).then(function(res){
      if(!res.ok){ alert(res.body.message); } refresh();
    });
  }
  function render(s){
    var c = s.counts;
    $('c-arrived').textContent = c.present + c.late + c.early_leave; $('c-late').textContent = c.late;
    $('c-missing').textContent = c.not_yet; $('c-leave').textContent = c.leave; $('c-absent').textContent = c.absent;
    $('c-expected').textContent = c.expected;
    var ul = $('missing'); ul.innerHTML = '';
    var missing = s.entries.filter(function(e){ return !e.status; });
    if(!missing.length){ ul.innerHTML = '<li class="empty">全部到齐</li>'; }
    missing.forEach(function(e){
      var li = document.createElement('li'); li.dataset.enrollment = e.enrollment_id;
      var who = document.createElement('div'); who.className = 'who'; who.textContent = e.name;
      var unit = document.createElement('small'); unit.textContent = e.unit; who.appendChild(unit);
      var acts = document.createElement('div');
      [['leave','请假'],['present','补签']].forEach(function(a){
        var b = document.createElement('button'); b.textContent = a[1]; b.onclick = function(){ correct(e, a[0], a[1]); }; acts.appendChild(b);
      });
      li.appendChild(who); li.appendChild(acts); ul.appendChild(li);
    });
  }
  function renderAttempts(page){
    var ul = $('attempts'); ul.innerHTML = '';
    var bad = page.items.filter(function(a){ return a.result !== 'ok'; }).slice(0, 20);
    if(!bad.length){ ul.innerHTML = '<li class="empty">暂无异常</li>'; }
    bad.forEach(function(a){
      var li = document.createElement('li');
      var left = document.createElement('div'); left.textContent = reasons[a.result] || a.result;
      var info = document.createElement('small');
      info.textContent = (a.distance_m != null ? '距离 ' + Math.round(a.distance_m) + ' 米 · ' : '') + (a.client_addr || '');
      left.appendChild(info);
      var right = document.createElement('span'); right.textContent = hhmm(a.at);
      li.appendChild(left); li.appendChild(right); ul.appendChild(li);
    });
  }
  function refresh(){
    api('GET', '/sessions/' + sessionId + '/attendance/summary').then(function(res){
      if(!res.ok){ $('sub').textContent = res.body.message; return; }
      $('login').classList.add('hidden'); $('monitor').classList.remove('hidden'); render(res.body);
    }).catch(function(){});
    api('GET', '/sessions/' + sessionId + '/attempts?per_page=50').then(function(res){ if(res.ok){ renderAttempts(res.body); } }).catch(function(){});
  }
  function start(){
    api('GET', '/sessions/' + sessionId).then(function(res){
      if(res.ok){ $('title').textContent = res.body.title; $('sub').textContent = hhmm(res.body.starts_at) + '–' + hhmm(res.body.ends_at) + ' ' + (res.body.venue || ''); }
    }).catch(function(){});
    refresh(); setInterval(refresh, 3000);
  }
  $('login-btn').onclick = function(){
    fetch('/api/v1/auth/login', {method:'POST', headers:{'Content-Type':'application/json'},
      body: JSON.stringify({username: $('username').value, password: $('password').value})})
      .then(function(r){ return r.json().then(function(b){ return {ok:r.ok, body:b}; }); })
      .then(function(res){
        if(res.ok){ token = res.body.token; localStorage.setItem('rollcall.staff_token', token); start(); }
        else { $('login-error').textContent = res.body.message; $('login-error').classList.remove('hidden'); }
      });
  };
  if(token){ start(); } else { showLogin(); }
})();
</script></body></html>"#;

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PAGE)
}
