//! Notification delivery against a fake WeChat (a real HTTP server in the test): a leave decision writes an inbox
//! message and an outbox row in its transaction; the worker sends it as a subscribe message, retries after -1 with
//! backoff, refreshes the access token after 40001, records 43101 without retrying, and two workers on two
//! instances never send one message twice.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::fake_wechat::{APPID, FakeWechat, SECRET};
use crate::helpers::{CheckinFixture, ClockExt, TestApp, spawn_app_with, spawn_on, test_settings};
use rollcall::entity::vocab::{NoticeKind, OutboxStatus};
use rollcall::entity::{enrollment, outbox};
use rollcall::notify::outbox::{MAX_ATTEMPTS, Report, deliver_once};
use rollcall::notify::wechat::{SubscribePayload, WechatSender};

const TEMPLATE: &str = "tpl-leave-result-0001";

fn configure(s: &mut rollcall::config::Settings, base: &str) {
    s.wechat.base_url = base.to_owned();
    s.wechat.appid = APPID.into();
    s.wechat.secret = Some(SECRET.to_owned().into());
    s.wechat.timeout_ms = 2000;
    s.wechat.templates.get_mut("leave_result").expect("default template entry").id = TEMPLATE.to_owned();
}

async fn wechat_app() -> (TestApp, FakeWechat) {
    let fake = FakeWechat::start();
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| configure(s, &base)).await;
    (app, fake)
}

fn sender(app: &TestApp) -> WechatSender {
    WechatSender::new(&app.state.settings.wechat, app.state.infra.kv.clone()).unwrap()
}

async fn deliver(app: &TestApp, worker: &str) -> Report {
    deliver_once(&app.state.db, &sender(app), worker, app.clock.now_utc()).await.unwrap()
}

/// Trainee `i` of the fixture, logged in through WeChat as `openid`, asks for leave and the admin approves it.
async fn approved_leave(app: &TestApp, f: &CheckinFixture, i: usize, openid: &str) {
    let (_, code, enrollment_id) = f.trainees[i].clone();
    enrollment::Entity::update_many()
        .col_expr(enrollment::Column::WechatOpenid, Expr::value(openid))
        .filter(enrollment::Column::Id.eq(enrollment_id.parse::<uuid::Uuid>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let token = app.trainee_token(&code, &format!("phone-{openid}")).await;
    let body = json!({"class_id": f.class_id, "kind": "sick", "reason": "发烧就医", "session_ids": [f.session_id]});
    let req: Value = app.post_json("/api/v1/me/leave-requests", Some(&token), &body).await.json().await.unwrap();
    let path = format!("/api/v1/leave-requests/{}/approve", req["id"].as_str().unwrap());
    assert_eq!(app.post_json(&path, Some(&f.admin_token), &json!({"comment": "同意"})).await.status(), 200);
}

async fn rows(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find().all(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn a_leave_decision_is_sent_as_a_subscribe_message_and_retried_after_busy() {
    let (app, fake) = wechat_app().await;
    let f = app.checkin_fixture(2, None).await;
    approved_leave(&app, &f, 0, "o-busy-once-1").await;
    // A trainee who logged in with an invite code (no openid) gets the inbox message only.
    let (_, code, _) = f.trainees[1].clone();
    let plain = app.trainee_token(&code, "phone-plain").await;
    let body = json!({"class_id": f.class_id, "kind": "personal", "reason": "家中有事", "session_ids": [f.session_id]});
    let req: Value = app.post_json("/api/v1/me/leave-requests", Some(&plain), &body).await.json().await.unwrap();
    let path = format!("/api/v1/leave-requests/{}/approve", req["id"].as_str().unwrap());
    assert_eq!(app.post_json(&path, Some(&f.admin_token), &json!({})).await.status(), 200);
    let inbox: Value = app.get("/api/v1/inbox", Some(&plain)).await.json().await.unwrap();
    let titles: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"请假已批准"), "{titles:?}");

    let queued = rows(&app).await;
    assert_eq!(queued.len(), 1, "one WeChat message, for the trainee with an openid");
    assert_eq!(queued[0].status, OutboxStatus::Pending);

    // WeChat is busy (-1): kept, tried again after the backoff, not before.
    let first = deliver(&app, "w1").await;
    assert_eq!(first, Report { retrying: 1, ..Report::default() });
    let row = &rows(&app).await[0];
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.last_error.as_deref().unwrap().contains("-1"));
    assert_eq!(row.next_attempt_at, app.clock.now_utc() + Duration::seconds(30));
    assert_eq!(deliver(&app, "w1").await.handled(), 0, "not due yet");
    app.clock.advance(Duration::seconds(30));
    assert_eq!(deliver(&app, "w1").await, Report { sent: 1, ..Report::default() });
    let row = &rows(&app).await[0];
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
    assert_eq!(fake.calls_for("o-busy-once-1"), [-1, 0]);

    // What WeChat received: the template, the page, and the variables in the configured keys.
    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 1);
    let sent: SubscribePayload = serde_json::from_value(delivered[0].clone()).unwrap();
    assert_eq!(sent.touser, "o-busy-once-1");
    assert_eq!(sent.template_id, TEMPLATE);
    assert_eq!(sent.page, "pages/leave/index");
    assert_eq!(sent.data["thing1"]["value"], "病假");
    assert_eq!(sent.data["phrase3"]["value"], "已批准");
    assert_eq!(sent.data["thing4"]["value"], "同意");
    assert_eq!(sent.data["time2"]["value"], "2026-11-26 09:00");
    // Nothing is sent again.
    app.clock.advance(Duration::hours(3));
    assert_eq!(deliver(&app, "w1").await.handled(), 0);
    assert_eq!(fake.calls_for("o-busy-once-1").len(), 2);
}

#[tokio::test]
async fn the_access_token_is_cached_and_refreshed_after_40001() {
    let (app, fake) = wechat_app().await;
    let f = app.checkin_fixture(3, None).await;
    approved_leave(&app, &f, 0, "o-token-a").await;
    approved_leave(&app, &f, 1, "o-token-b").await;
    assert_eq!(deliver(&app, "w1").await.sent, 2);
    assert_eq!(fake.tokens_issued(), 1, "one token for both sends");

    // WeChat stops accepting the cached token: the sender fetches a new one and sends at once.
    fake.expire_tokens();
    approved_leave(&app, &f, 2, "o-token-c").await;
    assert_eq!(deliver(&app, "w1").await, Report { sent: 1, ..Report::default() });
    assert_eq!(fake.tokens_issued(), 2);
    assert_eq!(fake.calls_for("o-token-c"), [40001, 0]);
    let row = rows(&app).await.into_iter().find(|r| r.payload["touser"] == "o-token-c").unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 1), "the refresh is part of the same try");
}

#[tokio::test]
async fn a_user_who_has_not_subscribed_is_recorded_and_not_retried() {
    let (app, fake) = wechat_app().await;
    let f = app.checkin_fixture(1, None).await;
    approved_leave(&app, &f, 0, "o-unsub-1").await;
    assert_eq!(deliver(&app, "w1").await, Report { skipped: 1, ..Report::default() });
    let row = &rows(&app).await[0];
    assert_eq!(row.status, OutboxStatus::Skipped);
    assert!(row.last_error.as_deref().unwrap().contains("43101"));
    for _ in 0..3 {
        app.clock.advance(Duration::hours(2));
        assert_eq!(deliver(&app, "w1").await.handled(), 0);
    }
    assert_eq!(fake.calls_for("o-unsub-1"), [43101]);
    // Administrators see how delivery went.
    let page: Value = app.get("/api/v1/admin/outbox?status=skipped", Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["kind"], "leave_result");
}

#[tokio::test]
async fn an_unreachable_wechat_is_retried_with_backoff_then_given_up() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(move |s| configure(s, &format!("http://127.0.0.1:{port}"))).await;
    let f = app.checkin_fixture(1, None).await;
    approved_leave(&app, &f, 0, "o-nowhere").await;
    let mut waits = Vec::new();
    for _ in 0..MAX_ATTEMPTS {
        let before = app.clock.now_utc();
        deliver(&app, "w1").await;
        let row = &rows(&app).await[0];
        if row.status != OutboxStatus::Pending {
            break;
        }
        waits.push((row.next_attempt_at - before).num_seconds());
        app.clock.set(row.next_attempt_at);
    }
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920]);
    let row = &rows(&app).await[0];
    assert_eq!((row.status.as_str(), row.attempts), ("failed", MAX_ATTEMPTS));
}

#[tokio::test]
async fn two_workers_on_two_instances_never_send_a_message_twice() {
    let fake = FakeWechat::start();
    fake.state.lock().unwrap().send_delay = std::time::Duration::from_millis(15);
    let base = fake.base_url.clone();
    let a = spawn_app_with({
        let base = base.clone();
        move |s| configure(s, &base)
    })
    .await;
    let mut settings = test_settings(&a._db);
    configure(&mut settings, &base);
    settings.redis.key_prefix = a.state.settings.redis.key_prefix.clone();
    let b = spawn_on(a._db.shared_view(), settings).await;
    b.clock.set(a.clock.now_utc());

    const N: usize = 60;
    let now = a.clock.now_utc();
    for i in 0..N {
        let payload = SubscribePayload {
            touser: format!("o-race-{i:03}"),
            template_id: TEMPLATE.to_owned(),
            page: "pages/leave/index".to_owned(),
            data: json!({"thing1": {"value": "病假"}}),
            miniprogram_state: "formal".to_owned(),
            lang: "zh_CN".to_owned(),
        };
        rollcall::notify::outbox::enqueue(&a.state.db, now, NoticeKind::LeaveResult, &payload).await.unwrap();
    }
    let run = |app: &TestApp, worker: &'static str| {
        let (db, sender, now) = (app.state.db.clone(), sender(app), app.clock.now_utc());
        tokio::spawn(async move {
            let mut sent = 0;
            loop {
                let r = deliver_once(&db, &sender, worker, now).await.unwrap();
                if r.handled() == 0 {
                    return sent;
                }
                sent += r.sent;
            }
        })
    };
    let (on_a, on_b) = (run(&a, "a"), run(&b, "b"));
    let (sent_a, sent_b) = (on_a.await.unwrap(), on_b.await.unwrap());
    assert_eq!(sent_a + sent_b, N as u32);
    assert!(sent_a > 0 && sent_b > 0, "both workers took part ({sent_a} + {sent_b})");
    let delivered = fake.delivered();
    assert_eq!(delivered.len(), N, "each message reached WeChat exactly once");
    let mut users: Vec<&str> = delivered.iter().map(|d| d["touser"].as_str().unwrap()).collect();
    users.sort();
    users.dedup();
    assert_eq!(users.len(), N);
    assert!(rows(&a).await.iter().all(|r| r.status == OutboxStatus::Sent && r.attempts == 1));
}
