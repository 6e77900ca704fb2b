//! The classroom big screen (`/screen/{session_id}#key=…`): full-screen page for the classroom PC or projector with
//! the rotating QR (refreshed before it expires, with a countdown), the class and session, the present/expected
//! counter and the latest arrivals. The key stays in the URL fragment and goes to the server in a header only.

use actix_web::HttpResponse;
use actix_web::http::header;

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>课堂签到大屏</title>
<style>
*{box-sizing:border-box}
html,body{height:100%;margin:0}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#8b0d12;color:#fff;display:flex;flex-direction:column}
header{padding:18px 28px 6px;text-align:center}
#class-name{font-size:26px;opacity:.9}
#session-title{font-size:38px;font-weight:700;margin-top:4px}
main{flex:1;display:flex;gap:28px;align-items:center;justify-content:center;padding:10px 28px 24px;flex-wrap:wrap}
#qr-box{background:#fff;border-radius:16px;padding:18px;text-align:center;color:#222;min-width:340px}
#qr svg{width:min(52vh,520px);height:min(52vh,520px);display:block}
#countdown{font-size:20px;margin-top:8px;color:#555}
#mode{font-size:22px;font-weight:700;color:#8b0d12;margin-bottom:6px}
#side{min-width:300px;max-width:460px}
#counter{font-size:64px;font-weight:800;line-height:1}
#counter small{font-size:28px;font-weight:400;opacity:.85}
#counter-label{font-size:22px;opacity:.85;margin:6px 0 18px}
#latest{list-style:none;padding:0;margin:0;font-size:24px}
#latest li{display:flex;justify-content:space-between;padding:6px 0;border-bottom:1px solid rgba(255,255,255,.2)}
#notice{font-size:28px;text-align:center;padding:40px}
.hidden{display:none}
</style></head><body>
<header><div id="class-name"></div><div id="session-title"></div></header>
<main>
  <div id="qr-box" class="hidden"><div id="mode">请扫码签到</div><div id="qr"></div><div id="countdown"></div></div>
  <div id="notice" class="hidden"></div>
  <div id="side"><div id="counter">0<small> / 0</small></div><div id="counter-label">已到 / 应到</div><ul id="latest"></ul></div>
</main>
<script>
(function(){
  var key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
  var $ = function(id){ return document.getElementById(id); };
  var shownToken = null, expiresAt = 0, offset = 0;
  function hhmm(iso){ return new Date(iso).toLocaleTimeString('zh-CN', {timeZone:'Asia/Shanghai', hour:'2-digit', minute:'2-digit'}); }
  function render(s){
    offset = Date.parse(s.server_time) - Date.now();
    $('class-name').textContent = s.class_name;
    $('session-title').textContent = s.session_title;
    var c = s.counts, arrived = c.present + c.late + c.early_leave;
    $('counter').innerHTML = arrived + '<small> / ' + c.expected + '</small>';
    var list = $('latest'); list.innerHTML = '';
    s.latest.forEach(function(a){
      var li = document.createElement('li');
      var n = document.createElement('span'); n.textContent = a.name;
      var t = document.createElement('span'); t.textContent = hhmm(a.at) + ' ' + a.status_label;
      li.appendChild(n); li.appendChild(t); list.appendChild(li);
    });
    if(s.qr){
      $('notice').classList.add('hidden'); $('qr-box').classList.remove('hidden');
      $('mode').textContent = s.qr.mode === 'check_out' ? '请扫码签退' : '请扫码签到';
      if(s.qr.token !== shownToken){ $('qr').innerHTML = s.qr_svg; $('qr').dataset.token = s.qr.token; shownToken = s.qr.token; }
      expiresAt = Date.parse(s.qr.expires_at);
    } else {
      $('qr-box').classList.add('hidden'); $('notice').classList.remove('hidden');
      $('notice').textContent = s.window === 'not_open' ? '签到尚未开始（开课前开放签到）' : '本次课程签到已结束';
    }
  }
  function poll(){
    fetch('/api/v1/screen/state', {headers:{'X-Screen-Key': key}, cache:'no-store'})
      .then(function(r){ return r.json().then(function(b){ return {ok:r.ok, body:b}; }); })
      .then(function(res){
        if(res.ok){ render(res.body); }
        else { $('qr-box').classList.add('hidden'); $('notice').classList.remove('hidden'); $('notice').textContent = res.body.message || '屏幕链接无效'; }
      }).catch(function(){});
  }
  function tick(){
    if(expiresAt){
      var left = Math.max(0, Math.ceil((expiresAt - (Date.now() + offset)) / 1000));
      $('countdown').textContent = '二维码 ' + left + ' 秒后刷新';
      if(left <= 1){ poll(); }
    }
  }
  poll();
  setInterval(poll, 2000);
  setInterval(tick, 500);
})();
</script></body></html>"#;

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PAGE)
}
