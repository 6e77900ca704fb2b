//! A protocol-faithful stand-in for WeChat's `GET /sns/jscode2session`, as a real HTTP server in the test. It checks
//! the query exactly as WeChat does and answers as WeChat documents (as `text/plain`, error codes included).
//!
//! `js_code` decides the answer: `ok:<openid>` → that openid; `invalid` → 40029; `limited` → 45011;
//! `busy` → -1; `risky` → 40226; `slow` → answers after 3 s (longer than the client's timeout).
//!
//! It also stands in for `GET /cgi-bin/token` (client_credential; issues `tok-1`, `tok-2`, …, each valid until
//! [`FakeWechat::expire_tokens`]) and `POST /cgi-bin/message/subscribe/send?access_token=…` (checks the token:
//! 40001 if it was never issued or has been expired; checks the body has `touser`, `template_id` and `data`:
//! 47001 otherwise). `touser` decides the answer: `o-busy-once…` → -1 on its first send, then ok; `o-unsub…` →
//! 43101 (the user has not subscribed); anything else → ok. Every accepted send is recorded.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

pub const APPID: &str = "wx-test-appid";
pub const SECRET: &str = "wx-test-secret";
/// The `session_key` every successful login answers with (it must never reach a log or a client).
pub const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";

pub struct FakeWechat {
    pub base_url: String,
    pub state: Arc<Mutex<FakeState>>,
}

/// What the fake has seen, for tests to assert on.
#[derive(Default)]
pub struct FakeState {
    pub tokens_issued: u32,
    valid_tokens: HashSet<String>,
    /// Every send call, accepted or not: (touser, errcode).
    pub send_calls: Vec<(String, i64)>,
    /// Accepted sends, whole bodies.
    pub delivered: Vec<serde_json::Value>,
    /// How long each send takes (to widen races in tests).
    pub send_delay: Duration,
}

type Shared = web::Data<Arc<Mutex<FakeState>>>;

async fn token(query: web::Query<HashMap<String, String>>, state: Shared) -> HttpResponse {
    let json = |body: String| HttpResponse::Ok().content_type("application/json; charset=utf-8").body(body);
    if query.get("grant_type").map(String::as_str) != Some("client_credential") {
        return json(r#"{"errcode":40002,"errmsg":"invalid grant_type"}"#.to_owned());
    }
    if query.get("appid").map(String::as_str) != Some(APPID) {
        return json(r#"{"errcode":40013,"errmsg":"invalid appid"}"#.to_owned());
    }
    if query.get("secret").map(String::as_str) != Some(SECRET) {
        return json(
            r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#.to_owned(),
        );
    }
    let mut s = state.lock().unwrap();
    s.tokens_issued += 1;
    let t = format!("tok-{}", s.tokens_issued);
    s.valid_tokens.insert(t.clone());
    json(format!(r#"{{"access_token":"{t}","expires_in":7200}}"#))
}

async fn subscribe_send(query: web::Query<HashMap<String, String>>, body: web::Bytes, state: Shared) -> HttpResponse {
    let json = |code: i64, msg: &str| {
        HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .body(format!(r#"{{"errcode":{code},"errmsg":"{msg}"}}"#))
    };
    let delay = state.lock().unwrap().send_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let token = query.get("access_token").cloned().unwrap_or_default();
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let mut s = state.lock().unwrap();
    let touser = parsed.as_ref().and_then(|b| b["touser"].as_str()).unwrap_or("").to_owned();
    if !s.valid_tokens.contains(&token) {
        s.send_calls.push((touser, 40001));
        return json(40001, "invalid credential, access_token is invalid or not latest");
    }
    let Some(b) = parsed.filter(|b| b["touser"].is_string() && b["template_id"].is_string() && b["data"].is_object())
    else {
        s.send_calls.push((touser, 47001));
        return json(47001, "data format error");
    };
    let code = if touser.starts_with("o-busy-once") && !s.send_calls.iter().any(|(u, _)| *u == touser) {
        -1
    } else if touser.starts_with("o-unsub") {
        43101
    } else {
        0
    };
    s.send_calls.push((touser, code));
    match code {
        0 => {
            s.delivered.push(b);
            json(0, "ok")
        }
        -1 => json(-1, "system error"),
        _ => json(code, "user refuse to accept the msg"),
    }
}

async fn jscode2session(query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let text = |body: String| HttpResponse::Ok().content_type("text/plain").body(body);
    let err = |code: i64, msg: &str| text(format!(r#"{{"errcode":{code},"errmsg":"{msg}, rid: 6543"}}"#));
    if query.get("appid").map(String::as_str) != Some(APPID) {
        return err(40013, "invalid appid");
    }
    if query.get("secret").map(String::as_str) != Some(SECRET) {
        return err(40125, "invalid appsecret");
    }
    if query.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return err(40002, "invalid grant_type");
    }
    let code = query.get("js_code").cloned().unwrap_or_default();
    match code.as_str() {
        "invalid" => err(40029, "invalid code"),
        "limited" => err(45011, "api minute-quota reach limit"),
        "busy" => err(-1, "system error"),
        "risky" => err(40226, "high risk user"),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            err(40029, "invalid code")
        }
        other => match other.strip_prefix("ok:") {
            Some(openid) => {
                text(format!(r#"{{"openid":"{openid}","session_key":"{SESSION_KEY}","unionid":"u-{openid}"}}"#))
            }
            None => err(40029, "invalid code"),
        },
    }
}

impl FakeWechat {
    pub fn start() -> FakeWechat {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(FakeState::default()));
        let shared = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/sns/jscode2session", web::get().to(jscode2session))
                .route("/cgi-bin/token", web::get().to(token))
                .route("/cgi-bin/message/subscribe/send", web::post().to(subscribe_send))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        FakeWechat { base_url: format!("http://127.0.0.1:{port}"), state }
    }

    /// Every token issued so far stops working (as when another client fetched a new one long ago).
    pub fn expire_tokens(&self) {
        self.state.lock().unwrap().valid_tokens.clear();
    }

    pub fn tokens_issued(&self) -> u32 {
        self.state.lock().unwrap().tokens_issued
    }

    /// Send calls for `touser`, with their errcodes.
    pub fn calls_for(&self, touser: &str) -> Vec<i64> {
        self.state.lock().unwrap().send_calls.iter().filter(|(u, _)| u == touser).map(|(_, c)| *c).collect()
    }

    pub fn delivered(&self) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().delivered.clone()
    }
}
