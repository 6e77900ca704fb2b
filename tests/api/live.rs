//! Live attendance: a snapshot then events, across instances through Redis, and per instance without it.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    Backend, OwnRedis, SseReader, TestApp, backend, must_run_everything, nonce, spawn_app, spawn_app_with, spawn_on,
    test_settings,
};

async fn open_stream(app: &TestApp, token: &str, session_id: &str) -> SseReader {
    let response = app.get(&format!("/api/v1/sessions/{session_id}/live"), Some(token)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    SseReader::new(response)
}

#[tokio::test]
async fn a_stream_starts_with_a_snapshot_then_shows_each_check_in() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let mut stream = open_stream(&app, &f.admin_token, &f.session_id).await;
    let snapshot = stream.next(Duration::from_secs(2)).await.expect("snapshot");
    assert_eq!(snapshot.event, "snapshot");
    assert_eq!(snapshot.data["counts"]["expected"], 3);
    assert_eq!(snapshot.data["counts"]["not_yet"], 3);

    let token = app.trainee_token(&f.trainees[1].1, "phone-live-0001").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);
    let event = stream.next(Duration::from_secs(1)).await.expect("checked_in within 1 s");
    assert_eq!(event.event, "checked_in");
    assert_eq!(event.data["enrollment_id"], f.trainees[1].2.as_str());
    assert_eq!(event.data["name"], f.trainees[1].0.as_str());
    assert_eq!(event.data["status"], "present");
    assert!(event.id.parse::<u64>().unwrap() > snapshot.id.parse::<u64>().unwrap(), "ids increase");

    let summary: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance/summary", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["counts"]["present"], 1);
    assert_eq!(summary["counts"]["not_yet"], 2);
}

#[tokio::test]
async fn a_check_in_through_one_instance_reaches_a_stream_on_another() {
    if backend() != Backend::Postgres {
        return; // two instances share events through Redis; the embedded run has one instance
    }
    let a = spawn_app().await;
    let f = a.checkin_fixture(2, None).await;
    let mut settings = test_settings(&a._db);
    settings.redis.key_prefix = a.state.settings.redis.key_prefix.clone();
    let b = spawn_on(a._db.shared_view(), settings).await;
    b.clock.set(rollcall::clock::Clock::now(&*a.clock));

    let mut on_b = open_stream(&b, &f.admin_token, &f.session_id).await;
    assert_eq!(on_b.next(Duration::from_secs(2)).await.expect("snapshot").event, "snapshot");
    let token = a.trainee_token(&f.trainees[0].1, "phone-live-0002").await;
    let qr = a.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(a.scan(&token, &qr, &nonce(), None).await.status(), 201);
    let event = on_b.next(Duration::from_secs(1)).await.expect("the check-in through A arrives on B within 1 s");
    assert_eq!(event.event, "checked_in");
    assert_eq!(event.data["enrollment_id"], f.trainees[0].2.as_str());
}

#[tokio::test]
async fn without_redis_an_instance_still_streams_its_own_events() {
    let Some(mut redis) = OwnRedis::start() else {
        assert!(!must_run_everything(), "redis-server is required for this test");
        eprintln!("SKIPPED: redis-server is not installed");
        return;
    };
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let app = spawn_app_with(|s| {
        s.redis.url = url;
        s.redis.key_prefix = "own:".into();
    })
    .await;
    let f = app.checkin_fixture(2, None).await;
    let token = app.trainee_token(&f.trainees[0].1, "phone-live-0003").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let mut stream = open_stream(&app, &f.admin_token, &f.session_id).await;
    assert_eq!(stream.next(Duration::from_secs(2)).await.expect("snapshot").event, "snapshot");

    redis.stop();

    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201, "check-ins go on without Redis");
    let event = stream.next(Duration::from_secs(2)).await.expect("the event is delivered on this instance");
    assert_eq!(event.event, "checked_in");
}

#[tokio::test]
async fn corrections_and_window_changes_are_streamed() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let mut stream = open_stream(&app, &f.admin_token, &f.session_id).await;
    stream.next(Duration::from_secs(2)).await.expect("snapshot");
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);
    let body = serde_json::json!({"status": "leave", "reason": "病假，已提交医院证明"});
    assert_eq!(app.send_json(reqwest::Method::PUT, &path, Some(&f.admin_token), &body).await.status(), 200);
    let changed = stream.next(Duration::from_secs(1)).await.expect("status_changed");
    assert_eq!(changed.event, "status_changed");
    assert_eq!(changed.data["status"], "leave");

    app.post_json(&format!("/api/v1/sessions/{}/close", f.session_id), Some(&f.admin_token), &serde_json::json!({}))
        .await;
    assert_eq!(stream.next(Duration::from_secs(1)).await.expect("window_closed").event, "window_closed");
}

#[tokio::test]
async fn two_hundred_subscribers_all_see_a_check_in_within_a_second() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(6, None).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let mut tokens = Vec::new();
    for (i, t) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(&t.1, &format!("phone-many-{i:04}")).await);
    }
    let timed_scan = |token: String| {
        let (app, qr) = (&app, qr.clone());
        async move {
            let started = std::time::Instant::now();
            assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);
            started.elapsed()
        }
    };
    let quiet =
        [timed_scan(tokens[0].clone()).await, timed_scan(tokens[1].clone()).await, timed_scan(tokens[2].clone()).await];

    let mut streams = Vec::new();
    for _ in 0..200 {
        streams.push(open_stream(&app, &f.admin_token, &f.session_id).await);
    }
    for s in &mut streams {
        assert_eq!(s.next(Duration::from_secs(5)).await.expect("snapshot").event, "snapshot");
    }
    let busy =
        [timed_scan(tokens[3].clone()).await, timed_scan(tokens[4].clone()).await, timed_scan(tokens[5].clone()).await];
    let deliveries = futures_util::future::join_all(streams.iter_mut().map(|s| async move {
        let mut seen = 0;
        while seen < 3 {
            let e = s.next(Duration::from_secs(1)).await?;
            if e.event == "checked_in" {
                seen += 1;
            }
        }
        Some(seen)
    }))
    .await;
    assert!(deliveries.iter().all(|d| *d == Some(3)), "every subscriber got all three check-ins within 1 s");
    let median = |mut v: [std::time::Duration; 3]| {
        v.sort();
        v[1]
    };
    eprintln!(
        "check-in latency: median {:?} with no subscribers, {:?} with 200 subscribers",
        median(quiet),
        median(busy)
    );
}

async fn open_stream_after(app: &TestApp, token: &str, session_id: &str, last_event_id: &str) -> SseReader {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/sessions/{session_id}/live")))
        .bearer_auth(token)
        .header("last-event-id", last_event_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    SseReader::new(response)
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_resumes_or_gets_a_fresh_snapshot() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let mut tokens = Vec::new();
    for (i, t) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(&t.1, &format!("phone-resume-{i:03}")).await);
    }
    // Two check-ins while nobody watches: this instance has not seen them.
    for t in &tokens[..2] {
        assert_eq!(app.scan(t, &qr, &nonce(), None).await.status(), 201);
    }
    let mut behind = open_stream_after(&app, &f.admin_token, &f.session_id, "1").await;
    let first = behind.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(first.event, "snapshot", "too far behind: a fresh snapshot");
    assert_eq!(first.data["counts"]["present"], 2);

    // A watcher stays connected; a client that saw up to the third event reconnects after the fourth.
    assert_eq!(app.scan(&tokens[2], &qr, &nonce(), None).await.status(), 201);
    let third = behind.next(Duration::from_secs(1)).await.unwrap();
    assert_eq!(third.id, "3");
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);
    let body = serde_json::json!({"status": "late", "reason": "迟到 10 分钟，班主任核实"});
    app.send_json(reqwest::Method::PUT, &path, Some(&f.admin_token), &body).await;
    assert_eq!(behind.next(Duration::from_secs(1)).await.unwrap().id, "4");

    let mut resumed = open_stream_after(&app, &f.admin_token, &f.session_id, "3").await;
    let missed = resumed.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!((missed.event.as_str(), missed.id.as_str()), ("status_changed", "4"), "resumes after event 3");
}

#[tokio::test]
async fn a_class_stream_shows_the_days_sessions_then_events_of_any_of_them() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let response = app.get(&format!("/api/v1/classes/{}/live", f.class_id), Some(&f.admin_token)).await;
    assert_eq!(response.status(), 200);
    let mut stream = SseReader::new(response);
    let snapshot = stream.next(Duration::from_secs(2)).await.expect("snapshot");
    assert_eq!(snapshot.event, "snapshot");
    assert_eq!(snapshot.data["sessions"][0]["session"]["id"], f.session_id.as_str());
    assert_eq!(snapshot.data["sessions"][0]["counts"]["not_yet"], 2);

    let token = app.trainee_token(&f.trainees[0].1, "phone-class-0001").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);
    let event = stream.next(Duration::from_secs(1)).await.expect("checked_in");
    assert_eq!(event.event, "checked_in");
    assert_eq!(event.data["session_id"], f.session_id.as_str());
}
