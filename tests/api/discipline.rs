//! 违纪 records: staff record, the trainee sees their own, only an administrator annuls and only with a reason;
//! both are in the audit trail with who and why.

use serde_json::{Value, json};

use crate::helpers::{error_body, spawn_app};

#[tokio::test]
async fn discipline_is_recorded_seen_by_the_trainee_and_annulled_by_an_admin_with_a_reason() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (_, head) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let (_, code, enrollment) = f.trainees[0].clone();
    let trainee = app.trainee_token(&code, "phone-disc-0001").await;
    let neighbour = app.trainee_token(&f.trainees[1].1, "phone-disc-0002").await;
    let path = format!("/api/v1/classes/{}/discipline", f.class_id);

    let body = json!({"enrollment_id": enrollment, "category": "integrity", "severity": "serious",
        "occurred_at": "2026-11-25T12:00:00Z", "description": "接受培训所在地单位宴请",
        "evidence": "同桌学员证实，有照片"});
    // Trainees cannot record; bad input is refused with a clear code.
    assert_eq!(app.post_json(&path, Some(&trainee), &body).await.status(), 403);
    let mut empty = body.clone();
    empty["description"] = json!("  ");
    assert_eq!(error_body(app.post_json(&path, Some(&head), &empty).await).await.1, "validation_failed");
    let mut unknown = body.clone();
    unknown["category"] = json!("gambling");
    assert_eq!(error_body(app.post_json(&path, Some(&head), &unknown).await).await.1, "invalid_json");
    let mut future = body.clone();
    future["occurred_at"] = json!("2026-11-30T12:00:00Z");
    assert_eq!(error_body(app.post_json(&path, Some(&head), &future).await).await.1, "validation_failed");

    let response = app.post_json(&path, Some(&head), &body).await;
    assert_eq!(response.status(), 201);
    let record: Value = response.json().await.unwrap();
    assert_eq!(record["category_label"], "违反廉洁纪律");
    assert_eq!(record["severity_label"], "较重");
    assert_eq!(record["annulled"], false);
    let id = record["id"].as_str().unwrap();

    // The trainee sees it (and an inbox message); their neighbour does not.
    let mine: Value = app.get("/api/v1/me/discipline", Some(&trainee)).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["description"], "接受培训所在地单位宴请");
    let theirs: Value = app.get("/api/v1/me/discipline", Some(&neighbour)).await.json().await.unwrap();
    assert!(theirs.as_array().unwrap().is_empty());
    let inbox: Value = app.get("/api/v1/inbox", Some(&trainee)).await.json().await.unwrap();
    assert_eq!(inbox["unread"], 1);
    assert!(inbox["items"][0]["title"].as_str().unwrap().contains("违反廉洁纪律"));

    // Only an administrator annuls, and only with a reason.
    let annul = format!("/api/v1/discipline/{id}/annul");
    assert_eq!(app.post_json(&annul, Some(&head), &json!({"reason": "误记"})).await.status(), 403);
    let (status, code_, _) =
        error_body(app.post_json(&annul, Some(&f.admin_token), &json!({"reason": " "})).await).await;
    assert_eq!((status, code_.as_str()), (400, "reason_required"));
    let response = app.post_json(&annul, Some(&f.admin_token), &json!({"reason": "经核实系工作餐，非宴请"})).await;
    assert_eq!(response.status(), 200);
    let annulled: Value = response.json().await.unwrap();
    assert_eq!(annulled["annulled"], true);
    assert_eq!(annulled["annul_reason"], "经核实系工作餐，非宴请");
    let (status, code_, _) =
        error_body(app.post_json(&annul, Some(&f.admin_token), &json!({"reason": "再次"})).await).await;
    assert_eq!((status, code_.as_str()), (409, "already_annulled"));

    // The record stays, marked, for staff and the trainee.
    let list: Value = app.get(&path, Some(&head)).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["annulled"], true);
    let mine: Value = app.get("/api/v1/me/discipline", Some(&trainee)).await.json().await.unwrap();
    assert_eq!(mine[0]["annulled"], true);

    // Both changes are in the audit trail with who and why.
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=discipline_record&entity_id={id}"), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    let annul_entry = items.iter().find(|e| e["action"] == "discipline.annul").expect("annul audited");
    assert_eq!(annul_entry["reason"], "经核实系工作餐，非宴请");
    assert_eq!(annul_entry["actor_kind"], "staff");
    assert_eq!(annul_entry["before"]["annulled"], false);
    assert_eq!(annul_entry["after"]["annulled"], true);
    let record_entry = items.iter().find(|e| e["action"] == "discipline.record").expect("record audited");
    assert_eq!(record_entry["after"]["severity"], "serious");
}
