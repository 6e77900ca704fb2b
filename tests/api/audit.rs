//! Account changes land in the audit trail with who, when and why.

use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn disabling_an_account_is_audited_with_actor_and_reason() {
    let app = spawn_app().await;
    let (admin_account, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;

    app.post_json(&format!("/api/v1/staff/{}/disable", staff.id), Some(&admin), &json!({"reason": "已调离学院"})).await;

    let page: Value = app
        .get(&format!("/api/v1/audit?entity=staff_account&entity_id={}", staff.id), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2, "create + disable: {page}");
    let latest = &page["items"][0];
    assert_eq!(latest["action"], "staff.disable");
    assert_eq!(latest["actor_id"], admin_account.id.to_string());
    assert_eq!(latest["actor_kind"], "staff");
    assert_eq!(latest["reason"], "已调离学院");
    assert_eq!(latest["before"]["disabled"], false);
    assert_eq!(latest["after"]["disabled"], true);
    assert_eq!(latest["at"], "2026-11-26T00:30:00Z");
}

#[tokio::test]
async fn a_password_reset_is_audited_without_the_password() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/staff/{}/password", staff.id),
        Some(&admin),
        &json!({"new_password": "secret-new-pass"}),
    )
    .await;
    let page: Value =
        app.get(&format!("/api/v1/audit?entity_id={}", staff.id), Some(&admin)).await.json().await.unwrap();
    let text = page.to_string();
    assert!(text.contains("staff.password_set"), "{text}");
    assert!(!text.contains("secret-new-pass"), "the password never reaches the audit trail");
    assert!(!text.contains("argon2"), "nor its hash");
}
