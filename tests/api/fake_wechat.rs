//! A protocol-faithful stand-in for WeChat's `GET /sns/jscode2session`, as a real HTTP server in the test. It checks
//! the query exactly as WeChat does and answers as WeChat documents (as `text/plain`, error codes included).
//!
//! `js_code` decides the answer: `ok:<openid>` → that openid; `invalid` → 40029; `limited` → 45011;
//! `busy` → -1; `risky` → 40226; `slow` → answers after 3 s (longer than the client's timeout).

use std::collections::HashMap;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

pub const APPID: &str = "wx-test-appid";
pub const SECRET: &str = "wx-test-secret";

pub struct FakeWechat {
    pub base_url: String,
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
            Some(openid) => text(format!(
                r#"{{"openid":"{openid}","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"u-{openid}"}}"#
            )),
            None => err(40029, "invalid code"),
        },
    }
}

impl FakeWechat {
    pub fn start() -> FakeWechat {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(|| App::new().route("/sns/jscode2session", web::get().to(jscode2session)))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        tokio::spawn(server);
        FakeWechat { base_url: format!("http://127.0.0.1:{port}") }
    }
}
