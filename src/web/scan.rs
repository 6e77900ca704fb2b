//! The H5 check-in page behind every classroom QR code (`/c/{token}`): works in any phone browser and in WeChat's
//! in-app browser. First visit binds the phone with the invite code; then it asks for the position, checks in,
//! and shows the result large, with a link to the trainee's own page (`/h5/me`). Everything is inline: no external CDN.

use actix_web::HttpResponse;
use actix_web::http::header;

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<meta name="referrer" content="no-referrer">
<title>课堂签到</title>
<style>
*{box-sizing:border-box}
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:440px;margin:0 auto;padding:22px 18px 40px}
h1{font-size:20px;margin:4px 0 14px;color:#c8161d}
.card{background:#fff;border-radius:12px;padding:18px;box-shadow:0 1px 3px rgba(0,0,0,.06);margin-bottom:14px}
p{color:#555;line-height:1.7;margin:6px 0}
input{width:100%;font-size:22px;letter-spacing:3px;padding:12px;border:1px solid #ccc;border-radius:8px;text-transform:uppercase}
button{width:100%;margin-top:14px;font-size:18px;padding:14px;border:0;border-radius:8px;background:#c8161d;color:#fff}
button:disabled{background:#aaa}
#result{text-align:center;padding:28px 16px}
#result-icon{font-size:64px;line-height:1}
#result-title{font-size:28px;font-weight:700;margin:10px 0 6px}
#result-detail{font-size:17px;color:#444;line-height:1.7;white-space:pre-line}
.ok #result-title{color:#17692f} .err #result-title{color:#a61b1b}
#status{color:#666;text-align:center;font-size:16px;padding:26px 0}
.hidden{display:none}
.hint{font-size:13px;color:#888}
#me-link{display:inline-block;margin-top:18px;font-size:15px;color:#c8161d}
</style></head><body><main>
<h1>课堂签到</h1>
<div id="status" class="card">正在签到，请稍候…</div>
<div id="bind" class="card hidden">
  <p>首次使用请输入邀请码，将本手机绑定为您的签到手机（邀请码见班主任发放的邀请卡）。</p>
  <input id="invite-code" autocomplete="off" maxlength="14" placeholder="邀请码">
  <button id="bind-btn">绑定并签到</button>
  <p id="bind-error" class="hidden" style="color:#a61b1b"></p>
</div>
<div id="result" class="card hidden"><div id="result-icon"></div><div id="result-title"></div><div id="result-detail"></div>
  <a id="me-link" href="/h5/me">我的考勤与请假</a></div>
<p class="hint">签到需要获取您的位置，仅用于核对是否在上课地点。请使用本人手机签到。</p>
</main>
<script>
(function(){
  var qr = decodeURIComponent(location.pathname.split('/c/')[1] || '');
  var $ = function(id){ return document.getElementById(id); };
  function show(id){ ['status','bind','result'].forEach(function(x){ $(x).classList.toggle('hidden', x !== id); }); }
  function deviceId(){
    var id = localStorage.getItem('rollcall.device_id');
    if(!id){
      var b = new Uint8Array(16); (window.crypto||window.msCrypto).getRandomValues(b);
      id = 'h5-' + Array.prototype.map.call(b, function(x){return ('0'+x.toString(16)).slice(-2)}).join('');
      localStorage.setItem('rollcall.device_id', id);
    }
    return id;
  }
  function nonce(){
    var key = 'rollcall.nonce.' + qr, n = sessionStorage.getItem(key);
    if(!n){ var b = new Uint8Array(12); crypto.getRandomValues(b); n = Array.prototype.map.call(b, function(x){return ('0'+x.toString(16)).slice(-2)}).join(''); sessionStorage.setItem(key, n); }
    return n;
  }
  function hhmm(iso){
    try { return new Date(iso).toLocaleTimeString('zh-CN', {timeZone:'Asia/Shanghai', hour:'2-digit', minute:'2-digit'}); }
    catch(e){ return iso; }
  }
  function result(ok, title, detail){
    $('result').className = 'card ' + (ok ? 'ok' : 'err');
    $('result-icon').textContent = ok ? '✅' : '⚠️';
    $('result-title').textContent = title;
    $('result-detail').textContent = detail;
    show('result');
  }
  function api(path, body, token){
    var headers = {'Content-Type':'application/json'};
    if(token){ headers['Authorization'] = 'Bearer ' + token; }
    return fetch(path, {method:'POST', headers:headers, body:JSON.stringify(body)})
      .then(function(r){ return r.json().then(function(b){ return {status:r.status, body:b}; }); });
  }
  function position(){
    return new Promise(function(resolve){
      if(!navigator.geolocation){ resolve({error:'unsupported'}); return; }
      navigator.geolocation.getCurrentPosition(function(p){
        resolve({lat:p.coords.latitude, lng:p.coords.longitude, accuracy_m:p.coords.accuracy, coord:'wgs84'});
      }, function(e){ resolve({error: e.code === 1 ? 'denied' : 'unavailable'}); }, {enableHighAccuracy:true, timeout:10000, maximumAge:0});
    });
  }
  function send(token, kind, loc){
    var body = {qr_token: qr, nonce: nonce() + (kind === 'out' ? '-out' : ''), kind: kind};
    if(loc && !loc.error){ body.location = loc; }
    return api('/api/v1/checkins', body, token);
  }
  function checkIn(){
    var token = localStorage.getItem('rollcall.token');
    if(!token){ show('bind'); return; }
    show('status');
    $('status').textContent = '正在获取位置并签到…';
    position().then(function(loc){
      return send(token, 'in', loc).then(function(res){
        if(res.body && res.body.code === 'session_closed'){
          return send(token, 'out', loc).then(function(out){
            return out.body && out.body.code === 'not_checked_in' ? res : out;
          });
        }
        return res;
      }).then(function(res){
        var b = res.body || {};
        if(res.status === 200 || res.status === 201){
          var out = b.kind === 'out';
          var when = out ? b.checked_out_at : b.checked_in_at;
          var title = out ? '签退成功' : (b.already_checked_in ? '您已签到' : '签到成功');
          result(true, title, b.session_title + '\n' + (out ? '签退' : '签到') + '时间 ' + hhmm(when) + ' · ' + b.status_label);
        } else if(b.code === 'invalid_token'){
          localStorage.removeItem('rollcall.token'); show('bind');
        } else {
          var detail = b.message || '签到失败，请稍后再试';
          if(b.code === 'location_required' && loc.error === 'denied'){
            detail = '无法获取位置：您拒绝了定位权限。请在浏览器或微信设置中允许获取位置后，重新扫描二维码。';
          }
          result(false, '签到未成功', detail);
        }
      });
    }).catch(function(){ result(false, '网络异常', '请检查网络后重新扫描二维码。'); });
  }
  $('bind-btn').onclick = function(){
    var btn = this; btn.disabled = true;
    api('/api/v1/auth/invite', {invite_code: $('invite-code').value, device_id: deviceId()}).then(function(res){
      btn.disabled = false;
      if(res.status === 200){ localStorage.setItem('rollcall.token', res.body.token); checkIn(); }
      else { $('bind-error').textContent = (res.body && res.body.message) || '绑定失败'; $('bind-error').classList.remove('hidden'); }
    }).catch(function(){ btn.disabled = false; $('bind-error').textContent = '网络异常，请重试'; $('bind-error').classList.remove('hidden'); });
  };
  checkIn();
})();
</script></body></html>"#;

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PAGE)
}
