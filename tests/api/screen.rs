//! Screen links: the classroom PC shows one session's QR and counts without a staff login.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_body, nonce, spawn_app};

async fn screen_state(app: &TestApp, key: &str) -> reqwest::Response {
    app.client.get(app.url("/api/v1/screen/state")).header("x-screen-key", key).send().await.unwrap()
}

#[tokio::test]
async fn a_screen_link_shows_the_qr_counts_and_masked_arrivals_until_revoked() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let response = app
        .post_json(&format!("/api/v1/sessions/{}/screen-links", f.session_id), Some(&f.admin_token), &json!({}))
        .await;
    assert_eq!(response.status(), 201);
    let link: Value = response.json().await.unwrap();
    let url = link["url"].as_str().unwrap();
    assert!(url.contains(&format!("/screen/{}#key=", f.session_id)), "{url}");
    let key = url.split("#key=").nth(1).unwrap().to_owned();

    let page = app.client.get(url.split('#').next().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("课堂签到大屏"));

    let state: Value = screen_state(&app, &key).await.json().await.unwrap();
    assert_eq!(state["counts"]["expected"], 3);
    assert_eq!(state["qr"]["mode"], "check_in");
    assert!(state["qr_svg"].as_str().unwrap().contains("<svg"));

    let token = app.trainee_token(&f.trainees[0].1, "phone-screen-01").await;
    assert_eq!(app.scan(&token, state["qr"]["token"].as_str().unwrap(), &nonce(), None).await.status(), 201);
    let state: Value = screen_state(&app, &key).await.json().await.unwrap();
    assert_eq!(state["counts"]["present"], 1);
    assert_eq!(state["latest"][0]["name"], "学**0", "names are masked: {}", state["latest"]);

    let links: Vec<Value> = app
        .get(&format!("/api/v1/sessions/{}/screen-links", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert!(links[0].get("key_hash").is_none());
    let revoke = app
        .client
        .delete(app.url(&format!(
            "/api/v1/sessions/{}/screen-links/{}",
            f.session_id,
            link["link"]["id"].as_str().unwrap()
        )))
        .bearer_auth(&f.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let (status, code, _) = error_body(screen_state(&app, &key).await).await;
    assert_eq!((status, code.as_str()), (401, "invalid_token"));
}

#[tokio::test]
async fn a_screen_link_expires_with_its_session_and_needs_its_key() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let link: Value = app
        .post_json(&format!("/api/v1/sessions/{}/screen-links", f.session_id), Some(&f.admin_token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let key = link["url"].as_str().unwrap().split("#key=").nth(1).unwrap().to_owned();
    let (status, code, _) = error_body(screen_state(&app, "").await).await;
    assert_eq!((status, code.as_str()), (401, "auth_required"));
    assert_eq!(error_body(screen_state(&app, "not-a-key").await).await.1, "invalid_token");

    // The session ends at 12:00 China time; the link lasts an hour longer. After the check-out grace, no QR.
    app.clock.advance(Duration::hours(4) + Duration::minutes(1));
    let state: Value = screen_state(&app, &key).await.json().await.unwrap();
    assert_eq!(state["qr"], Value::Null);
    assert_eq!(state["window"], "closed");
    app.clock.advance(Duration::minutes(30));
    assert_eq!(error_body(screen_state(&app, &key).await).await.1, "invalid_token");
}
