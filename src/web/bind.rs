//! The H5 binding page a trainee reaches by scanning the QR on their invite card: it binds this phone to their
//! enrolment with the invite code and keeps the login in the browser.

use actix_web::HttpResponse;

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<title>绑定本人手机</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:420px;margin:0 auto;padding:24px 18px}
h1{font-size:22px;margin:8px 0 4px} p{color:#555;line-height:1.6}
input{width:100%;box-sizing:border-box;font-size:22px;letter-spacing:3px;padding:12px;border:1px solid #ccc;border-radius:8px;text-transform:uppercase}
button{width:100%;margin-top:14px;font-size:18px;padding:14px;border:0;border-radius:8px;background:#c8161d;color:#fff}
button:disabled{background:#aaa}
#result{margin-top:18px;padding:14px;border-radius:8px;display:none;font-size:16px;line-height:1.6}
.ok{background:#e8f6ec;color:#17692f} .err{background:#fdecec;color:#a61b1b}
</style></head><body><main>
<h1>绑定本人手机</h1>
<p>请核对邀请码后点击“绑定”。绑定后，本手机即可用于本班签到；一个邀请码只能绑定一部手机。</p>
<input id="code" autocomplete="off" maxlength="14" placeholder="邀请码">
<button id="go">绑定</button>
<div id="result"></div>
</main>
<script>
(function(){
  var q = new URLSearchParams(location.search);
  var input = document.getElementById('code');
  input.value = q.get('code') || '';
  function deviceId(){
    var id = localStorage.getItem('rollcall.device_id');
    if(!id){
      var b = new Uint8Array(16); (window.crypto||window.msCrypto).getRandomValues(b);
      id = 'h5-' + Array.prototype.map.call(b, function(x){return ('0'+x.toString(16)).slice(-2)}).join('');
      localStorage.setItem('rollcall.device_id', id);
    }
    return id;
  }
  function show(ok, text){
    var r = document.getElementById('result');
    r.className = ok ? 'ok' : 'err'; r.textContent = text; r.style.display = 'block';
  }
  document.getElementById('go').onclick = function(){
    var btn = this; btn.disabled = true;
    fetch('/api/v1/auth/invite', {method:'POST', headers:{'Content-Type':'application/json'},
      body: JSON.stringify({invite_code: input.value, device_id: deviceId()})})
    .then(function(r){ return r.json().then(function(b){ return {ok: r.ok, body: b}; }); })
    .then(function(res){
      btn.disabled = false;
      if(res.ok){
        localStorage.setItem('rollcall.token', res.body.token);
        var t = res.body.trainee, cls = (t.enrollments[0] || {}).class || {};
        show(true, '绑定成功：' + t.name + '（' + t.unit + '）' + (cls.name ? '，' + cls.name : '') + '。上课时请用手机扫描教室屏幕上的二维码签到。');
      } else {
        show(false, res.body.message || '绑定失败，请稍后再试');
      }
    })
    .catch(function(){ btn.disabled = false; show(false, '网络异常，请检查网络后重试'); });
  };
})();
</script></body></html>"#;

pub async fn page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(PAGE)
}
