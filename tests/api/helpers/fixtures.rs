//! Data most tests start from: a class with a roster, a session open for check-in, fresh nonces.

use rollcall::auth::Role;
use serde_json::{Value, json};

use super::app::*;

/// A class with dates around the test clock's day, created through the API by a fresh admin.
pub struct ClassFixture {
    pub id: String,
    pub admin_token: String,
}

impl TestApp {
    pub async fn create_class(&self, admin_token: &str, code: &str) -> String {
        let body = json!({
            "code": code, "name": format!("{code} 培训班"), "kind": "main",
            "start_date": "2026-11-23", "end_date": "2026-12-04", "status": "open"
        });
        let response = self.post_json("/api/v1/classes", Some(admin_token), &body).await;
        assert_eq!(response.status(), 201, "create class {code}");
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// An admin and one class.
    pub async fn class_fixture(&self) -> ClassFixture {
        let (_, admin_token) = self.admin().await;
        let id = self.create_class(&admin_token, "T-01").await;
        ClassFixture { id, admin_token }
    }

    /// A staff member assigned to the class, and their token.
    /// A staff account assigned to the class as 班主任 (`head_teacher`), with a token.
    pub async fn assigned_staff(&self, admin_token: &str, class_id: &str) -> (Account, String) {
        self.staff_with_role(admin_token, class_id, "head_teacher").await
    }

    /// A staff account assigned to the class in `role` (`head_teacher` or `organiser`), with a token.
    pub async fn staff_with_role(&self, admin_token: &str, class_id: &str, role: &str) -> (Account, String) {
        let staff = self.create_account(Role::Staff).await;
        let response = self
            .post_json(
                &format!("/api/v1/classes/{class_id}/staff"),
                Some(admin_token),
                &json!({"staff_id": staff.id, "role": role}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let token = self.token_for(&staff).await;
        (staff, token)
    }

    /// Adds a session (times in UTC, RFC 3339) and returns its id.
    pub async fn add_session(&self, token: &str, class_id: &str, starts: &str, ends: &str, credit: f64) -> String {
        let body = json!({"title": format!("课程 {starts}"), "kind": "lecture", "starts_at": starts,
            "ends_at": ends, "credit_hours": credit});
        let response = self.post_json(&format!("/api/v1/classes/{class_id}/sessions"), Some(token), &body).await;
        assert_eq!(response.status(), 201, "add session");
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, path: &str, token: &str, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.client.post(self.url(path)).bearer_auth(token).multipart(form).send().await.unwrap()
    }

    /// Imports a CSV roster (no dry run) and returns the report.
    pub async fn import_roster_csv(&self, token: &str, class_id: &str, csv: &str) -> Value {
        let response = self
            .upload(&format!("/api/v1/classes/{class_id}/roster/import"), token, "roster.csv", csv.as_bytes().to_vec())
            .await;
        assert_eq!(response.status(), 200, "import roster");
        response.json().await.unwrap()
    }

    /// The class's invite codes by trainee name.
    pub async fn invite_codes(&self, token: &str, class_id: &str) -> Vec<(String, String)> {
        let body: Value =
            self.get(&format!("/api/v1/classes/{class_id}/invites"), Some(token)).await.json().await.unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["name"].as_str().unwrap().to_owned(), i["invite_code"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// Logs a trainee in on an H5 device with their invite code; returns the token.
    pub async fn trainee_token(&self, invite_code: &str, device_id: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/invite",
                None,
                &json!({"invite_code": invite_code, "device_id": device_id,
                    "notice_version": self.state.settings.privacy.notice_version}),
            )
            .await;
        assert_eq!(response.status(), 200, "invite login");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }
}

pub const SMALL_ROSTER: &str = "姓名,性别,手机号,单位,职务,职级,学号\n\
张伟,男,13800000001,市财政局,科长,正科级,A001\n\
李娜,女,13800000002,市教育局,副科长,副科级,A002\n\
王强,男,13800000003,高新区管委会,副局长,副处级,A003\n";

/// A class with a roster of `n` trainees (phones 1350000xxxx) and one session today, 09:00–12:00 China time
/// (check-in opens 08:30 = the test clock's start, late after 09:05, closes 09:30). Optional geofence.
pub struct CheckinFixture {
    pub class_id: String,
    pub session_id: String,
    pub admin_token: String,
    /// (name, invite code, enrolment id)
    pub trainees: Vec<(String, String, String)>,
    /// Trainee i's phone is this followed by i as four digits.
    pub phone_prefix: String,
}

impl TestApp {
    pub async fn checkin_fixture(&self, n: usize, geofence: Option<Value>) -> CheckinFixture {
        let (_, admin) = self.admin().await;
        let class_id =
            self.create_class(&admin, &format!("C{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
        let phone_prefix = format!("15{:05}", rand_digits());
        let mut csv = String::from("姓名,手机号,单位\n");
        for i in 0..n {
            csv.push_str(&format!("学员{i:02},{phone_prefix}{i:04},测试单位{}\n", i % 3));
        }
        self.import_roster_csv(&admin, &class_id, &csv).await;
        let mut body = json!({"title": "专题讲授", "kind": "lecture", "starts_at": "2026-11-26T01:00:00Z",
            "ends_at": "2026-11-26T04:00:00Z", "credit_hours": 3});
        if let Some(g) = geofence {
            body["geofence"] = g;
        }
        let session: Value = self
            .post_json(&format!("/api/v1/classes/{class_id}/sessions"), Some(&admin), &body)
            .await
            .json()
            .await
            .unwrap();
        let roster: Value = self
            .get(&format!("/api/v1/classes/{class_id}/roster?per_page=200"), Some(&admin))
            .await
            .json()
            .await
            .unwrap();
        let codes = self.invite_codes(&admin, &class_id).await;
        let trainees = codes
            .into_iter()
            .zip(roster["items"].as_array().unwrap())
            .map(|((name, code), entry)| (name, code, entry["enrollment_id"].as_str().unwrap().to_owned()))
            .collect();
        CheckinFixture {
            class_id,
            session_id: session["id"].as_str().unwrap().to_owned(),
            admin_token: admin,
            trainees,
            phone_prefix,
        }
    }

    /// The session's current QR token, as the classroom screen shows it.
    pub async fn qr_token(&self, staff_token: &str, session_id: &str) -> String {
        let response = self.get(&format!("/api/v1/sessions/{session_id}/qr"), Some(staff_token)).await;
        assert_eq!(response.status(), 200, "qr");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn scan(&self, trainee_token: &str, qr: &str, nonce: &str, location: Option<Value>) -> reqwest::Response {
        let mut body = json!({"qr_token": qr, "nonce": nonce, "kind": "in"});
        if let Some(l) = location {
            body["location"] = l;
        }
        self.post_json("/api/v1/checkins", Some(trainee_token), &body).await
    }
}

/// Five random digits, so fixtures in one test never share a phone number.
fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 100_000) as u32
}

/// A fresh nonce.
pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
