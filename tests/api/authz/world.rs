//! The world the authorization matrix runs in: classes A and B with their staff and trainees, every kind of
//! resource class A can have (so every path parameter has a real id), the eight actors' tokens, and throwaway
//! resources for the operations that consume what they act on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{Duration, Utc};
use reqwest::Method;
use rollcall::auth::Role;
use serde_json::{Value, json};

use super::Actor;
use crate::helpers::{Account, ClockExt, TestApp, error_body};

pub struct World {
    pub app: TestApp,
    pub tokens: HashMap<Actor, String>,
    /// Real ids for every path parameter (class A's resources, trainee A's own), and a few body-only values.
    pub ids: HashMap<&'static str, String>,
    /// The policy class A has, sent back unchanged by `PUT …/policy`.
    pub policy: Value,
    /// When the expired token expired.
    pub expires_at: chrono::DateTime<Utc>,
    /// Name and phone number of every trainee: class A's four (甲, 乙, 丙, 丁), then class B's one (戊).
    pub trainee_phones: Vec<(String, String)>,
    /// Whose invite code each trainee token was bound with (by name).
    pub trainee_names: HashMap<Actor, String>,
    /// The accounts of the 班主任 of class A and of class B, to sign in to the console.
    pub accounts: HashMap<Actor, Account>,
    phones: u64,
    counter: AtomicU32,
    sessions: AtomicU32,
}

/// Staff tokens live 12 hours (`security.staff_token_ttl_hours`); the expired one was issued 13 hours ago.
const EXPIRED_TOKEN_AGE_HOURS: i64 = 13;
const STAFF_TOKEN_TTL_HOURS: i64 = 12;

pub fn png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(8, 8, image::Luma([200u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn json_of(response: reqwest::Response, expected: u16, what: &str) -> Value {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected, "arrange: {what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")).to_owned()
}

impl World {
    pub async fn arrange(app: TestApp) -> World {
        let t0 = app.clock.now_utc();

        // A staff token issued 13 hours ago: valid then, expired now, and nothing else about it is wrong.
        app.clock.set(t0 - Duration::hours(EXPIRED_TOKEN_AGE_HOURS));
        let expired_account = app.create_account(Role::Staff).await;
        let expired = app.token_for(&expired_account).await;
        assert_eq!(app.get("/api/v1/me", Some(&expired)).await.status(), 200, "arrange: fresh token works");
        app.clock.set(t0);
        let expires_at = t0 - Duration::hours(EXPIRED_TOKEN_AGE_HOURS - STAFF_TOKEN_TTL_HOURS);

        let (_, admin) = app.admin().await;
        let tag = uuid::Uuid::new_v4().simple().to_string()[..6].to_uppercase();
        let class_a = app.create_class(&admin, &format!("AZ-A-{tag}")).await;
        let class_b = app.create_class(&admin, &format!("AZ-B-{tag}")).await;
        let phones = 13_900_000_000u64 + (uuid::Uuid::new_v4().as_u128() % 90_000_000) as u64;
        let roster_a = format!(
            "姓名,手机号,单位\n甲学员,{},甲单位\n乙学员,{},甲单位\n丙学员,{},乙单位\n丁学员,{},乙单位\n",
            phones,
            phones + 1,
            phones + 2,
            phones + 3
        );
        app.import_roster_csv(&admin, &class_a, &roster_a).await;
        app.import_roster_csv(&admin, &class_b, &format!("姓名,手机号,单位\n戊学员,{},丙单位\n", phones + 4)).await;

        let names = ["甲学员", "乙学员", "丙学员", "丁学员", "戊学员"];
        let trainee_phones = (0..).zip(names).map(|(i, name)| (name.to_owned(), (phones + i).to_string())).collect();

        let (staff_a_account, staff_a) = app.assigned_staff(&admin, &class_a).await;
        let (staff_b_account, staff_b) = app.assigned_staff(&admin, &class_b).await;
        let (disabled_account, disabled) = app.assigned_staff(&admin, &class_a).await;
        let class_path = format!("/api/v1/classes/{class_a}");
        assert_eq!(app.get(&class_path, Some(&disabled)).await.status(), 200, "arrange: staff of A before disabling");
        let response =
            app.post_json(&format!("/api/v1/staff/{}/disable", disabled_account.id), Some(&admin), &json!({})).await;
        json_of(response, 200, "disable staff").await;
        let assign = json!({"staff_id": expired_account.id, "role": "head_teacher"});
        json_of(app.post_json(&format!("{class_path}/staff"), Some(&admin), &assign).await, 200, "assign").await;

        let session = app.add_session(&admin, &class_a, "2026-11-26T01:00:00Z", "2026-11-26T04:00:00Z", 3.0).await;
        let codes_a = app.invite_codes(&admin, &class_a).await;
        let codes_b = app.invite_codes(&admin, &class_b).await;
        let trainee_a = app.trainee_token(&codes_a[0].1, "authz-phone-a").await;
        let trainee_b = app.trainee_token(&codes_b[0].1, "authz-phone-b").await;
        let trainee_names =
            HashMap::from([(Actor::TraineeA, codes_a[0].0.clone()), (Actor::TraineeB, codes_b[0].0.clone())]);
        let accounts = HashMap::from([(Actor::StaffA, staff_a_account), (Actor::StaffB, staff_b_account)]);
        let roster: Value = json_of(app.get(&format!("{class_path}/roster"), Some(&admin)).await, 200, "roster").await;
        let entries = roster["items"].as_array().unwrap().clone();
        let entry = |name: &str| entries.iter().find(|e| e["name"] == name).unwrap().clone();
        let me = entry("甲学员");
        let policy = json_of(app.get(&format!("{class_path}/policy"), Some(&admin)).await, 200, "policy").await;

        let tokens = HashMap::from([
            (Actor::TraineeA, trainee_a),
            (Actor::TraineeB, trainee_b),
            (Actor::StaffA, staff_a),
            (Actor::StaffB, staff_b),
            (Actor::Admin, admin),
            (Actor::DisabledStaff, disabled),
            (Actor::ExpiredToken, expired),
        ]);
        let ids = HashMap::from([
            ("class_id", class_a),
            ("session_id", session),
            ("enrollment_id", str_of(&me, "enrollment_id")),
            ("person_id", str_of(&me, "person_id")),
            ("unit", str_of(&me, "unit")),
            ("enrollment_2", str_of(&entry("乙学员"), "enrollment_id")),
            ("enrollment_3", str_of(&entry("丙学员"), "enrollment_id")),
        ]);
        let phones = phones + 100;
        let mut world = World {
            app,
            tokens,
            ids,
            policy,
            expires_at,
            trainee_phones,
            trainee_names,
            accounts,
            phones,
            counter: AtomicU32::new(0),
            sessions: AtomicU32::new(0),
        };
        world.arrange_resources().await;
        world
    }

    /// Trainee A's leave request with a sick note, a discipline record with evidence, an inbox message, a screen
    /// link, issued certificates, and staff accounts to assign and to disable.
    async fn arrange_resources(&mut self) {
        let (app, admin, trainee) = (&self.app, self.token(Actor::Admin), self.token(Actor::TraineeA));
        let class = self.id("class_id");

        let note = json_of(app.upload("/api/v1/attachments", trainee, "note.png", png()).await, 201, "note").await;
        let session = self.fresh_session().await;
        let body = json!({"class_id": class, "kind": "sick", "reason": "发烧就医", "session_ids": [session],
            "attachment_id": note["id"]});
        let leave = json_of(app.post_json("/api/v1/me/leave-requests", Some(trainee), &body).await, 201, "leave").await;

        let photo = json_of(app.upload("/api/v1/attachments", admin, "photo.png", png()).await, 201, "photo").await;
        let mut body = self.discipline_body(self.id("enrollment_id"));
        body["attachment_id"] = photo["id"].clone();
        let path = format!("/api/v1/classes/{class}/discipline");
        let record = json_of(app.post_json(&path, Some(admin), &body).await, 201, "discipline").await;

        let inbox = json_of(app.get("/api/v1/inbox", Some(trainee)).await, 200, "inbox").await;
        let message = str_of(&inbox["items"][0], "id");

        let path = format!("/api/v1/sessions/{}/screen-links", self.id("session_id"));
        let link = json_of(app.post_json(&path, Some(admin), &json!({})).await, 201, "screen link").await;
        let key = str_of(&link, "url").split("#key=").nth(1).unwrap().to_owned();

        let path = format!("/api/v1/classes/{class}/evaluations");
        let body = json!({"opens_at": "2026-11-01T00:00:00Z", "closes_at": "2027-01-01T00:00:00Z"});
        let form = json_of(app.post_json(&path, Some(admin), &body).await, 201, "evaluation form").await;

        let certificates = self.issue_certificates().await;
        let spare = self.app.create_account(Role::Staff).await.id.to_string();
        let throwaway = self.app.create_account(Role::Staff).await.id.to_string();

        let ids = [
            ("leave_id", str_of(&leave, "id")),
            ("record_id", str_of(&record, "id")),
            ("form_id", str_of(&form, "id")),
            ("message_id", message),
            ("link_id", str_of(&link["link"], "id")),
            ("screen_key", key),
            ("spare_staff", spare),
            ("staff_id", throwaway),
        ];
        self.ids.extend(ids);
        self.ids.extend(certificates);
    }

    /// Certificates for trainees 甲, 乙 and 丙 of class A (finished for the moment, then open again).
    async fn issue_certificates(&self) -> Vec<(&'static str, String)> {
        let (app, admin, class) = (&self.app, self.token(Actor::Admin), self.id("class_id"));
        let class_path = format!("/api/v1/classes/{class}");
        let status = |s: &str| json!({ "status": s });
        let response = app.send_json(Method::PATCH, &class_path, Some(admin), &status("finished")).await;
        json_of(response, 200, "finish class A").await;
        for key in ["enrollment_id", "enrollment_2", "enrollment_3"] {
            let path = format!("{class_path}/completion/{}", self.id(key));
            let body = json!({"decision": "allow", "reason": "结业考核合格"});
            json_of(app.send_json(Method::PUT, &path, Some(admin), &body).await, 200, "allow completion").await;
        }
        let issued =
            json_of(app.post_json(&format!("{class_path}/certificates"), Some(admin), &json!({})).await, 200, "issue")
                .await;
        let response = app.send_json(Method::PATCH, &class_path, Some(admin), &status("open")).await;
        json_of(response, 200, "reopen class A").await;
        let of = |key: &str| {
            let enrollment = self.id(key);
            issued["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["enrollment_id"] == enrollment)
                .unwrap()
                .clone()
        };
        let mine = of("enrollment_id");
        vec![
            ("certificate_id", str_of(&mine, "id")),
            ("code", str_of(&mine, "verification_code")),
            ("certificate_2", str_of(&of("enrollment_2"), "id")),
            ("certificate_3", str_of(&of("enrollment_3"), "id")),
        ]
    }

    pub fn token(&self, actor: Actor) -> &str {
        self.tokens.get(&actor).map(String::as_str).unwrap_or_else(|| panic!("no token for {actor:?}"))
    }

    pub fn id(&self, key: &str) -> &str {
        self.ids.get(key).map(String::as_str).unwrap_or_else(|| panic!("no fixture id {key}"))
    }

    pub fn next(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// An 11-digit phone number no other trainee has.
    pub fn phone(&self) -> String {
        (self.phones + u64::from(self.next())).to_string()
    }

    pub fn discipline_body(&self, enrollment_id: &str) -> Value {
        json!({"enrollment_id": enrollment_id, "category": "classroom", "severity": "minor",
            "occurred_at": "2026-11-25T02:00:00Z", "description": "课堂上接打电话"})
    }

    /// A future session of class A of its own (nobody's leave covers it; check-in has not opened).
    pub async fn fresh_session(&self) -> String {
        let n = i64::from(self.sessions.fetch_add(1, Ordering::Relaxed));
        let starts = chrono::DateTime::parse_from_rfc3339("2026-11-27T00:00:00Z").unwrap() + Duration::minutes(90 * n);
        let ends = starts + Duration::minutes(60);
        let (starts, ends) = (starts.to_rfc3339(), ends.to_rfc3339());
        self.app.add_session(self.token(Actor::Admin), self.id("class_id"), &starts, &ends, 1.0).await
    }

    /// Trainee A's pending leave request for a fresh session.
    pub async fn fresh_leave(&self) -> String {
        let session = self.fresh_session().await;
        let body = json!({"class_id": self.id("class_id"), "kind": "personal", "reason": "家中有事",
            "session_ids": [session]});
        let response = self.app.post_json("/api/v1/me/leave-requests", Some(self.token(Actor::TraineeA)), &body).await;
        str_of(&json_of(response, 201, "fresh leave").await, "id")
    }

    /// A new trainee on class A's roster.
    pub async fn fresh_enrollment(&self) -> String {
        let body = json!({"name": "临时学员", "phone": self.phone(), "unit": "甲单位"});
        let path = format!("/api/v1/classes/{}/roster", self.id("class_id"));
        let response = self.app.post_json(&path, Some(self.token(Actor::Admin)), &body).await;
        str_of(&json_of(response, 201, "fresh enrollment").await, "enrollment_id")
    }

    /// A new screen link for the main session.
    pub async fn fresh_screen_link(&self) -> String {
        let path = format!("/api/v1/sessions/{}/screen-links", self.id("session_id"));
        let response = self.app.post_json(&path, Some(self.token(Actor::Admin)), &json!({})).await;
        str_of(&json_of(response, 201, "fresh screen link").await["link"], "id")
    }

    /// A new staff account assigned to class A as 组织员.
    pub async fn fresh_assignment(&self) -> String {
        let id = self.app.create_account(Role::Staff).await.id.to_string();
        let path = format!("/api/v1/classes/{}/staff", self.id("class_id"));
        let body = json!({"staff_id": id, "role": "organiser"});
        json_of(self.app.post_json(&path, Some(self.token(Actor::Admin)), &body).await, 200, "fresh assignment").await;
        id
    }

    /// A new discipline record of trainee 乙.
    pub async fn fresh_discipline(&self) -> String {
        let path = format!("/api/v1/classes/{}/discipline", self.id("class_id"));
        let body = self.discipline_body(self.id("enrollment_2"));
        let response = self.app.post_json(&path, Some(self.token(Actor::Admin)), &body).await;
        str_of(&json_of(response, 201, "fresh discipline record").await, "id")
    }

    /// The main session's current QR token, as the classroom screen shows it.
    pub async fn qr_token(&self) -> String {
        self.app.qr_token(self.token(Actor::Admin), self.id("session_id")).await
    }

    /// The expired token works again when the clock is put back before its expiry: expiry was the only reason.
    pub async fn expired_token_works_before_its_expiry(&self) {
        let now = self.app.clock.now_utc();
        let path = format!("/api/v1/classes/{}", self.id("class_id"));
        let token = self.token(Actor::ExpiredToken);
        let (status, code, _) = error_body(self.app.get(&path, Some(token)).await).await;
        assert_eq!((status, code.as_str()), (401, "invalid_token"), "the expired token is refused now");
        self.app.clock.set(self.expires_at - Duration::minutes(1));
        let status = self.app.get(&path, Some(token)).await.status();
        self.app.clock.set(now);
        assert_eq!(status, 200, "a minute before its expiry the same token reads class A");
    }
}
