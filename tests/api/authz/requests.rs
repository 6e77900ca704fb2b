//! The request each row sends: real ids (throwaway ones where the operation uses its resource up), a valid body,
//! and the witness a denied request must leave unchanged.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::Actor;
use super::world::{World, png};
use crate::helpers::nonce;

enum Body {
    Empty,
    Json(Value),
    File(&'static str, Vec<u8>),
}

/// One request of the matrix.
pub struct Call {
    path: String,
    query: Vec<(&'static str, String)>,
    body: Body,
    header: Option<(&'static str, String)>,
}

/// The ids for a row's request: the fixture's, with throwaway resources for operations that use theirs up (so
/// that every allowed caller acts on something that is there, and later rows still find the fixture).
pub async fn ids_for(w: &World, op: &str) -> HashMap<&'static str, String> {
    let mut ids = w.ids.clone();
    let fresh = match op {
        "DELETE /api/v1/sessions/{session_id}"
        | "POST /api/v1/sessions/{session_id}/open"
        | "POST /api/v1/sessions/{session_id}/close" => Some(("session_id", w.fresh_session().await)),
        "POST /api/v1/me/leave-requests" | "POST /api/v1/classes/{class_id}/leave-records" => {
            Some(("free_session", w.fresh_session().await))
        }
        "POST /api/v1/leave-requests/{leave_id}/approve"
        | "POST /api/v1/leave-requests/{leave_id}/reject"
        | "POST /api/v1/me/leave-requests/{leave_id}/cancel" => Some(("leave_id", w.fresh_leave().await)),
        "DELETE /api/v1/classes/{class_id}/roster/{enrollment_id}"
        | "POST /api/v1/classes/{class_id}/roster/{enrollment_id}/invite/reset" => {
            Some(("enrollment_id", w.fresh_enrollment().await))
        }
        "DELETE /api/v1/sessions/{session_id}/screen-links/{link_id}" => Some(("link_id", w.fresh_screen_link().await)),
        "DELETE /api/v1/classes/{class_id}/staff/{staff_id}" => Some(("staff_id", w.fresh_assignment().await)),
        "POST /api/v1/discipline/{record_id}/annul" => Some(("record_id", w.fresh_discipline().await)),
        "POST /api/v1/certificates/{certificate_id}/revoke" => Some(("certificate_id", w.id("certificate_2").into())),
        "POST /api/v1/certificates/{certificate_id}/reissue" => Some(("certificate_id", w.id("certificate_3").into())),
        _ => None,
    };
    ids.extend(fresh);
    ids
}

/// Fills the path template from `ids`; a parameter the world has no id for fails with the operation's name.
fn fill(op: &str, template: &str, ids: &HashMap<&'static str, String>) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.split_once('}')) {
            Some((name, rest)) => {
                let id = ids.get(name).unwrap_or_else(|| panic!("{op}: the world has no id for {{{name}}}"));
                format!("{id}{rest}")
            }
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A valid request for the operation (so that a denial is not hidden behind a 400 from a body or query that
/// does not parse). Operations not named here send no body.
pub async fn call_for(w: &World, op: &str, template: &str, actor: Actor, ids: &HashMap<&'static str, String>) -> Call {
    let path = fill(op, template, ids);
    let n = w.next();
    let (mut query, mut header) = (Vec::new(), None);
    let body = match op {
        "POST /api/v1/auth/login" => json!({"username": format!("nobody-{n}"), "password": "not the password"}),
        "POST /api/v1/auth/invite" => json!({"invite_code": "AAAA-BBBB", "device_id": format!("authz-device-{n}")}),
        "POST /api/v1/auth/wechat" => json!({"code": "authz-wechat-code"}),
        "POST /api/v1/auth/bind" => json!({"binding_ticket": "not-a-ticket", "invite_code": "AAAA-BBBB"}),
        "GET /api/v1/screen/state" => {
            header = Some(("x-screen-key", ids["screen_key"].clone()));
            Value::Null
        }
        "PUT /api/v1/me/password" => {
            json!({"current_password": "not the password", "new_password": "a new password 2"})
        }
        "POST /api/v1/me/leave-requests" => json!({"class_id": ids["class_id"], "kind": "personal",
            "reason": "家中有事", "session_ids": [ids["free_session"]]}),
        "POST /api/v1/checkins" => json!({"qr_token": w.qr_token().await, "nonce": nonce(), "kind": "in"}),
        "POST /api/v1/attachments" => return Call { path, query, body: Body::File("photo.png", png()), header },
        "POST /api/v1/staff" => json!({"username": format!("authz-new-{n}"), "display_name": "新同事",
            "password": "correct horse battery", "role": "staff"}),
        "POST /api/v1/staff/{staff_id}/disable" | "POST /api/v1/staff/{staff_id}/enable" => {
            json!({"reason": "授权矩阵测试"})
        }
        "PUT /api/v1/staff/{staff_id}/password" => json!({"new_password": "correct horse battery 2"}),
        "POST /api/v1/classes" => json!({"code": format!("AZ-NEW-{n}"), "name": "新培训班", "kind": "main",
            "start_date": "2026-12-07", "end_date": "2026-12-11"}),
        "PATCH /api/v1/classes/{class_id}" => json!({"venue": format!("{actor:?} 的教室")}),
        "POST /api/v1/classes/{class_id}/staff" => json!({"staff_id": ids["spare_staff"], "role": "organiser"}),
        "POST /api/v1/classes/{class_id}/sessions" => json!({"title": "晚间讲座", "kind": "lecture",
            "starts_at": "2026-12-02T11:00:00Z", "ends_at": "2026-12-02T12:00:00Z", "credit_hours": 1}),
        "POST /api/v1/classes/{class_id}/sessions/batch" => json!({"from": "2026-12-03", "to": "2026-12-03",
            "slots": [{"start": "19:00", "end": "20:00", "title": "晚自习", "kind": "lecture", "credit_hours": 1}]}),
        "POST /api/v1/classes/{class_id}/sessions/import" => {
            let csv = "日期,开始时间,结束时间,课程名称,类型,学时,地点\n2026-12-02,19:00,20:00,专题讲授,讲授,1,301\n";
            query.push(("dry_run", "true".into()));
            return Call { path, query, body: Body::File("课表.csv", csv.into()), header };
        }
        "PATCH /api/v1/sessions/{session_id}" => json!({"title": format!("专题讲授（{actor:?}）")}),
        "POST /api/v1/classes/{class_id}/roster" => json!({"name": "新学员", "phone": w.phone(), "unit": "甲单位"}),
        // The world's session is a lecture: the online operations answer 400 to those allowed, after the checks.
        "POST /api/v1/sessions/{session_id}/online/import" => {
            let csv = "姓名,入会时间,退会时间\n李娜,09:00,10:00\n";
            query.push(("dry_run", "true".into()));
            return Call { path, query, body: Body::File("参会明细.csv", csv.into()), header };
        }
        "POST /api/v1/sessions/{session_id}/online/assign" => {
            json!({"display_name": "李娜", "enrollment_id": ids["enrollment_id"]})
        }
        "PUT /api/v1/sessions/{session_id}/online/settings" => json!({"platform": "tencent_meeting"}),
        "PUT /api/v1/classes/{class_id}/online-rule" => json!({"rule": null}),
        "POST /api/v1/classes/{class_id}/evaluations" => json!({"opens_at": "2026-11-01T00:00:00Z",
            "closes_at": "2027-01-01T00:00:00Z", "session_ids": []}),
        "PUT /api/v1/evaluation/default-form" => {
            json!({"questions": rollcall::evaluation::form::default_questions()})
        }
        "POST /api/v1/me/evaluations/{form_id}/answers" => json!({"target": "class", "answers": {
            "organisation": "satisfied", "logistics": "fair", "overall": "very_satisfied"}}),
        "POST /api/v1/classes/{class_id}/roster/import" => {
            let csv = format!("姓名,手机号,单位\n导入学员,{},甲单位\n", w.phone());
            query.push(("dry_run", "true".into()));
            return Call { path, query, body: Body::File("roster.csv", csv.into_bytes()), header };
        }
        "DELETE /api/v1/classes/{class_id}/roster/{enrollment_id}"
        | "POST /api/v1/classes/{class_id}/roster/{enrollment_id}/invite/reset" => json!({"reason": "换了手机"}),
        "PUT /api/v1/sessions/{session_id}/attendance/{enrollment_id}" => {
            json!({"status": "present", "reason": "纸质签到补录"})
        }
        "POST /api/v1/sessions/{session_id}/attendance/{enrollment_id}/undo" => json!({"reason": "误操作"}),
        "POST /api/v1/sessions/{session_id}/screen-links" => json!({}),
        "POST /api/v1/classes/{class_id}/leave-records" => json!({"enrollment_id": ids["enrollment_id"],
            "kind": "personal", "reason": "家中有事", "session_ids": [ids["free_session"]], "record_reason": "事后补假"}),
        "POST /api/v1/leave-requests/{leave_id}/approve" => json!({"comment": "同意"}),
        "POST /api/v1/leave-requests/{leave_id}/reject" => json!({"comment": "理由不充分"}),
        "POST /api/v1/classes/{class_id}/discipline" => w.discipline_body(&ids["enrollment_id"]),
        "POST /api/v1/discipline/{record_id}/annul" => json!({"reason": "记录有误"}),
        "PUT /api/v1/classes/{class_id}/policy" => json!({"policy": w.policy}),
        "PUT /api/v1/classes/{class_id}/completion/{enrollment_id}" => {
            json!({"decision": "allow", "reason": "结业考核合格"})
        }
        "POST /api/v1/certificates/{certificate_id}/revoke" | "POST /api/v1/certificates/{certificate_id}/reissue" => {
            json!({"reason": "姓名有误"})
        }
        // Trainee A is active in class A, which has not ended: an admin is answered 409 after the checks.
        "POST /api/v1/people/{person_id}/erase" => json!({"reason": "本人申请删除"}),
        "GET /api/v1/classes/{class_id}/reports/unit" => {
            query.push(("unit", ids["unit"].clone()));
            Value::Null
        }
        _ => Value::Null,
    };
    Call { path, query, body: if body.is_null() { Body::Empty } else { Body::Json(body) }, header }
}

/// A read of what a state-changing operation would change, as an admin (or trainee A for their inbox) sees it.
pub fn witness(op: &str, ids: &HashMap<&'static str, String>) -> Option<(Actor, String)> {
    let class = format!("/api/v1/classes/{}", ids["class_id"]);
    let session = format!("/api/v1/sessions/{}", ids["session_id"]);
    let path = match op {
        "PATCH /api/v1/classes/{class_id}" => class,
        "POST /api/v1/classes/{class_id}/staff" | "DELETE /api/v1/classes/{class_id}/staff/{staff_id}" => {
            format!("{class}/staff")
        }
        "POST /api/v1/classes/{class_id}/sessions"
        | "POST /api/v1/classes/{class_id}/sessions/batch"
        | "POST /api/v1/classes/{class_id}/sessions/import"
        | "PATCH /api/v1/sessions/{session_id}"
        | "DELETE /api/v1/sessions/{session_id}" => format!("{class}/sessions"),
        "POST /api/v1/sessions/{session_id}/open"
        | "POST /api/v1/sessions/{session_id}/close"
        | "PUT /api/v1/sessions/{session_id}/attendance/{enrollment_id}"
        | "POST /api/v1/checkins" => format!("{session}/attendance"),
        "POST /api/v1/classes/{class_id}/roster"
        | "POST /api/v1/classes/{class_id}/roster/import"
        | "DELETE /api/v1/classes/{class_id}/roster/{enrollment_id}" => format!("{class}/roster?per_page=200"),
        "POST /api/v1/classes/{class_id}/roster/{enrollment_id}/invite/reset" => format!("{class}/invites"),
        "POST /api/v1/sessions/{session_id}/screen-links"
        | "DELETE /api/v1/sessions/{session_id}/screen-links/{link_id}" => format!("{session}/screen-links"),
        "POST /api/v1/me/leave-requests"
        | "POST /api/v1/me/leave-requests/{leave_id}/cancel"
        | "POST /api/v1/classes/{class_id}/leave-records"
        | "POST /api/v1/leave-requests/{leave_id}/approve"
        | "POST /api/v1/leave-requests/{leave_id}/reject" => format!("{class}/leave-requests"),
        "POST /api/v1/classes/{class_id}/discipline" | "POST /api/v1/discipline/{record_id}/annul" => {
            format!("{class}/discipline")
        }
        "PUT /api/v1/classes/{class_id}/policy" => format!("{class}/policy"),
        "POST /api/v1/classes/{class_id}/evaluations"
        | "POST /api/v1/evaluations/{form_id}/remind"
        | "POST /api/v1/me/evaluations/{form_id}/answers" => format!("{class}/evaluations"),
        "PUT /api/v1/evaluation/default-form" => "/api/v1/evaluation/default-form".to_owned(),
        "PUT /api/v1/classes/{class_id}/completion/{enrollment_id}" => format!("{class}/completion"),
        "POST /api/v1/classes/{class_id}/certificates"
        | "POST /api/v1/certificates/{certificate_id}/revoke"
        | "POST /api/v1/certificates/{certificate_id}/reissue" => format!("{class}/certificates"),
        "POST /api/v1/staff" => "/api/v1/staff?per_page=100".to_owned(),
        "POST /api/v1/staff/{staff_id}/disable"
        | "POST /api/v1/staff/{staff_id}/enable"
        | "PUT /api/v1/staff/{staff_id}/password" => format!("/api/v1/staff/{}", ids["staff_id"]),
        "POST /api/v1/classes" => "/api/v1/classes?per_page=100".to_owned(),
        "POST /api/v1/inbox/{message_id}/read" => return Some((Actor::TraineeA, "/api/v1/inbox".to_owned())),
        "POST /api/v1/people/{person_id}/erase" => format!("/api/v1/people/{}/data", ids["person_id"]),
        _ => return None,
    };
    Some((Actor::Admin, path))
}

pub async fn read(w: &World, (actor, path): &(Actor, String)) -> String {
    let response = w.app.get(path, Some(w.token(*actor))).await;
    assert_eq!(response.status(), 200, "witness {path}");
    response.text().await.unwrap()
}

/// The status and error code of an answer (the body is read only for errors: live streams never end).
pub async fn send(w: &World, method: &Method, actor: Actor, call: Call) -> (u16, String) {
    let response = request(w, method, actor, call).send().await.expect("request");
    let status = response.status().as_u16();
    if status < 400 {
        return (status, String::new());
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

/// The request for a call, with the actor's token.
pub fn request(w: &World, method: &Method, actor: Actor, call: Call) -> reqwest::RequestBuilder {
    let mut request = w.app.client.request(method.clone(), w.app.url(&call.path)).query(&call.query);
    if let Some(token) = w.tokens.get(&actor) {
        request = request.bearer_auth(token);
    }
    if let Some((name, value)) = call.header {
        request = request.header(name, value);
    }
    request = match call.body {
        Body::Empty => request,
        Body::Json(v) => request.json(&v),
        Body::File(name, bytes) => {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
            request.multipart(reqwest::multipart::Form::new().part("file", part))
        }
    };
    request
}
