//! Completion and certificates: decisions live with reasons, overrides audited, issuance idempotent and only to the
//! eligible, the PDF read back (text and QR), verification 200/410/404, revocation and re-issue.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::e2e::manifest_dir;
use crate::helpers::{TestApp, error_body, must_run_everything, spawn_app, spawn_app_with};

pub struct Class {
    pub id: String,
    pub code: String,
    pub admin: String,
    /// (name, enrollment id, invite code)
    pub trainees: Vec<(String, String, String)>,
    pub sessions: Vec<String>,
}

pub const NAMES: [&str; 4] = ["李明华", "王建国", "张晓燕", "赵志强"];
pub const UNITS: [&str; 4] = ["某县发展和改革局", "某县财政局", "某县发展和改革局", "某镇人民政府"];

/// A class of four trainees (two units) and seven sessions of 3.5 学时 (24.5 in all; the 1/7 limit is 3.5).
pub async fn class(app: &TestApp) -> Class {
    let (_, admin) = app.admin().await;
    let code = format!("C{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    let id = app.create_class(&admin, &code).await;
    let mut csv = String::from("姓名,手机号,单位\n");
    let prefix = format!("137{:04}", uuid::Uuid::new_v4().as_u128() % 10_000);
    for (i, (n, u)) in NAMES.iter().zip(UNITS).enumerate() {
        csv.push_str(&format!("{n},{prefix}{i:04},{u}\n"));
    }
    app.import_roster_csv(&admin, &id, &csv).await;
    let mut sessions = Vec::new();
    for d in 23..30 {
        sessions.push(
            app.add_session(&admin, &id, &format!("2026-11-{d}T01:00:00Z"), &format!("2026-11-{d}T04:00:00Z"), 3.5)
                .await,
        );
    }
    let roster: Value = app.get(&format!("/api/v1/classes/{id}/roster"), Some(&admin)).await.json().await.unwrap();
    let codes = app.invite_codes(&admin, &id).await;
    let trainees = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let name = e["name"].as_str().unwrap().to_owned();
            let code = codes.iter().find(|(n, _)| *n == name).unwrap().1.clone();
            (name, e["enrollment_id"].as_str().unwrap().to_owned(), code)
        })
        .collect();
    Class { id, code, admin, trainees, sessions }
}

impl Class {
    pub fn enrollment(&self, name: &str) -> String {
        self.trainees.iter().find(|t| t.0 == name).unwrap().1.clone()
    }

    pub fn invite(&self, name: &str) -> String {
        self.trainees.iter().find(|t| t.0 == name).unwrap().2.clone()
    }
}

/// Everyone attends everything, except: 王建国 has 7 学时 of leave (over 1/7), 张晓燕 has a 较重 discipline record.
pub async fn attendance(app: &TestApp, c: &Class) {
    for (name, enrollment, _) in &c.trainees {
        for (i, s) in c.sessions.iter().enumerate() {
            if name == "王建国" && i < 2 {
                continue;
            }
            let path = format!("/api/v1/sessions/{s}/attendance/{enrollment}");
            let body = json!({"status": "present", "reason": "纸质签到补录"});
            assert_eq!(app.send_json(reqwest::Method::PUT, &path, Some(&c.admin), &body).await.status(), 200);
        }
    }
    let body = json!({"enrollment_id": c.enrollment("王建国"), "kind": "personal", "reason": "家中有事",
        "session_ids": &c.sessions[0..2], "record_reason": "补假"});
    let response = app.post_json(&format!("/api/v1/classes/{}/leave-records", c.id), Some(&c.admin), &body).await;
    assert_eq!(response.status(), 201);
    let body = json!({"enrollment_id": c.enrollment("张晓燕"), "category": "integrity", "severity": "serious",
        "occurred_at": "2026-11-25T12:00:00Z", "description": "接受宴请"});
    let response = app.post_json(&format!("/api/v1/classes/{}/discipline", c.id), Some(&c.admin), &body).await;
    assert_eq!(response.status(), 201);
}

pub async fn finish(app: &TestApp, c: &Class) {
    let path = format!("/api/v1/classes/{}", c.id);
    let response = app.send_json(reqwest::Method::PATCH, &path, Some(&c.admin), &json!({"status": "finished"})).await;
    assert_eq!(response.status(), 200);
}

async fn completion(app: &TestApp, token: &str, c: &Class) -> Vec<Value> {
    let list: Value = app.get(&format!("/api/v1/classes/{}/completion", c.id), Some(token)).await.json().await.unwrap();
    list.as_array().unwrap().clone()
}

fn by_name<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter().find(|e| e["name"] == name).unwrap()
}

#[tokio::test]
async fn decisions_are_live_with_reasons_and_overrides_are_audited() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let (_, head) = app.assigned_staff(&c.admin, &c.id).await;

    let list = completion(&app, &head, &c).await;
    assert_eq!(list.len(), 4);
    assert_eq!(by_name(&list, "李明华")["status"], "eligible");
    let wang = by_name(&list, "王建国");
    assert_eq!(wang["status"], "withheld");
    assert_eq!(wang["reasons"][0]["code"], "leave_over_limit");
    assert_eq!(wang["reasons"][0]["message"], "请假 7 学时，超过总学时 24.5 的 1/7（3.50 学时）");
    let zhang = by_name(&list, "张晓燕");
    assert_eq!(zhang["reasons"][0]["message"], "有 1 条较重及以上违纪记录");

    // The trainee sees the decision and why.
    let token = app.trainee_token(&c.invite("王建国"), "phone-cert-wang").await;
    let mine: Value = app.get("/api/v1/me/completion", Some(&token)).await.json().await.unwrap();
    assert_eq!(mine[0]["status_label"], "不予结业");
    assert_eq!(mine[0]["reasons"][0]["code"], "leave_over_limit");

    // Only an administrator decides by hand, and only with a reason.
    let path = |name: &str| format!("/api/v1/classes/{}/completion/{}", c.id, c.enrollment(name));
    let put = |token: &str, name: &str, body: Value| {
        let (token, path) = (token.to_owned(), path(name));
        let app = &app;
        async move { app.send_json(reqwest::Method::PUT, &path, Some(&token), &body).await }
    };
    assert_eq!(put(&head, "赵志强", json!({"decision": "withhold", "reason": "x"})).await.status(), 403);
    let (status, code, _) =
        error_body(put(&c.admin, "赵志强", json!({"decision": "withhold", "reason": ""})).await).await;
    assert_eq!((status, code.as_str()), (400, "reason_required"));
    let zhao: Value = put(&c.admin, "赵志强", json!({"decision": "withhold", "reason": "结业考试未通过"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(zhao["status"], "withheld");
    assert_eq!(zhao["rules"]["eligible"], true);
    assert_eq!(zhao["reasons"][0]["code"], "withheld_by_admin");
    assert_eq!(zhao["reasons"][0]["message"], "经审核不予结业：结业考试未通过");
    let zhang: Value = put(&c.admin, "张晓燕", json!({"decision": "allow", "reason": "经查系误会，纪委已出具说明"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(zhang["status"], "eligible");
    assert_eq!(zhang["rules"]["eligible"], false, "the rules' view stays visible");
    assert_eq!(zhang["decided_by_hand"]["decision"], "allow");

    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=enrollment&entity_id={}", c.enrollment("张晓燕")), Some(&c.admin))
        .await
        .json()
        .await
        .unwrap();
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "completion.override");
    assert_eq!(entry["reason"], "经查系误会，纪委已出具说明");
    assert_eq!(entry["before"]["status"], "withheld");
    assert_eq!(entry["after"]["status"], "eligible");
    // And the trainee is told.
    let zhang_token = app.trainee_token(&c.invite("张晓燕"), "phone-cert-zhang").await;
    let inbox: Value = app.get("/api/v1/inbox", Some(&zhang_token)).await.json().await.unwrap();
    assert!(inbox["items"].as_array().unwrap().iter().any(|m| m["title"] == "结业审核：准予结业"));
}

#[tokio::test]
async fn issuing_twice_issues_once_and_the_withheld_get_no_certificate() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let issue = format!("/api/v1/classes/{}/certificates", c.id);
    let (status, code, _) = error_body(app.post_json(&issue, Some(&c.admin), &json!({})).await).await;
    assert_eq!((status, code.as_str()), (409, "class_not_finished"));
    finish(&app, &c).await;

    let first: Value = app.post_json(&issue, Some(&c.admin), &json!({})).await.json().await.unwrap();
    assert_eq!((first["issued"].as_u64(), first["withheld"].as_u64()), (Some(2), Some(2)));
    let serials: Vec<&str> =
        first["certificates"].as_array().unwrap().iter().map(|x| x["serial"].as_str().unwrap()).collect();
    assert_eq!(serials, [format!("{}-0001", c.code), format!("{}-0002", c.code)]);
    for cert in first["certificates"].as_array().unwrap() {
        let code = cert["verification_code"].as_str().unwrap();
        assert!(code.len() >= 10 && code.chars().all(|ch| ch.is_ascii_alphanumeric()), "{code}");
        assert_eq!(cert["credit_hours"], "24.5");
    }
    let again: Value = app.post_json(&issue, Some(&c.admin), &json!({})).await.json().await.unwrap();
    assert_eq!((again["issued"].as_u64(), again["already_issued"].as_u64()), (Some(0), Some(2)));
    assert_eq!(again["certificates"].as_array().unwrap().len(), 2);

    // The withheld trainee has no certificate and sees why.
    let wang = app.trainee_token(&c.invite("王建国"), "phone-issue-wang").await;
    let mine: Value = app.get("/api/v1/me/certificates", Some(&wang)).await.json().await.unwrap();
    assert!(mine.as_array().unwrap().is_empty());
    let decision: Value = app.get("/api/v1/me/completion", Some(&wang)).await.json().await.unwrap();
    assert_eq!(decision[0]["status"], "withheld");
    assert!(decision[0]["certificate"].is_null());
    let inbox: Value = app.get("/api/v1/inbox", Some(&wang)).await.json().await.unwrap();
    let told = inbox["items"].as_array().unwrap().iter().find(|m| m["title"] == "结业审核：不予结业").unwrap();
    assert!(told["body"].as_str().unwrap().contains("请假 7 学时"));
    // The eligible one has exactly one.
    let li = app.trainee_token(&c.invite("李明华"), "phone-issue-li").await;
    let mine: Value = app.get("/api/v1/me/certificates", Some(&li)).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    // Only administrators issue.
    let (_, head) = app.assigned_staff(&c.admin, &c.id).await;
    assert_eq!(app.post_json(&issue, Some(&head), &json!({})).await.status(), 403);
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

fn artifacts() -> PathBuf {
    let dir = manifest_dir().join("tests/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Text of a PDF (pdftotext) and its first page as PNG (pdftoppm), or `None` without poppler-utils.
pub fn read_pdf(bytes: &[u8], name: &str) -> Option<(String, PathBuf)> {
    if !(tool("pdftotext") && tool("pdftoppm")) {
        assert!(
            !must_run_everything(),
            "ROLLCALL_TEST_REQUIRE_ALL=1 but poppler-utils (pdftotext, pdftoppm) is missing"
        );
        eprintln!("SKIPPED: the PDF read-back needs poppler-utils (apt-get install poppler-utils)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("doc.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let text = Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-").output().unwrap();
    assert!(text.status.success(), "pdftotext: {}", String::from_utf8_lossy(&text.stderr));
    let out = artifacts().join(name);
    let stem = out.with_extension("");
    let ppm = Command::new("pdftoppm")
        .args(["-png", "-r", "200", "-singlefile", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&stem)
        .output()
        .unwrap();
    assert!(ppm.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&ppm.stderr));
    Some((String::from_utf8(text.stdout).unwrap(), out))
}

#[tokio::test]
async fn the_certificate_pdf_holds_the_name_serial_and_a_qr_of_the_verify_url() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    finish(&app, &c).await;
    let issued: Value = app
        .post_json(&format!("/api/v1/classes/{}/certificates", c.id), Some(&c.admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let cert =
        issued["certificates"].as_array().unwrap().iter().find(|x| x["holder_name"] == "李明华").unwrap().clone();
    let li = app.trainee_token(&c.invite("李明华"), "phone-pdf-li").await;
    let response = app.get(&format!("/api/v1/me/certificates/{}/pdf", cert["id"].as_str().unwrap()), Some(&li)).await;
    if response.status() == 503 {
        assert!(!must_run_everything(), "no CJK font for PDFs");
        return;
    }
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF"));
    // Someone else's certificate is not theirs to download.
    let other = app.trainee_token(&c.invite("赵志强"), "phone-pdf-zhao").await;
    let response =
        app.get(&format!("/api/v1/me/certificates/{}/pdf", cert["id"].as_str().unwrap()), Some(&other)).await;
    assert_eq!(response.status(), 404);

    if let Some((text, png)) = read_pdf(&bytes, "certificate.png") {
        let flat: String = text.split_whitespace().collect();
        for expected in ["结业证书", "李明华", "某县发展和改革局", "24.5学时", cert["serial"].as_str().unwrap()]
        {
            assert!(flat.contains(expected), "{expected} in the PDF text:\n{text}");
        }
        let img = image::open(&png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the certificate");
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, cert["verify_url"].as_str().unwrap());
        assert!(content.ends_with(&format!("/verify/{}", cert["verification_code"].as_str().unwrap())));
    }

    // Staff download the class as a ZIP with one PDF per certificate.
    let response = app.get(&format!("/api/v1/classes/{}/certificates.zip", c.id), Some(&c.admin)).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), 2);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        assert!(f.name().unwrap().ends_with(".pdf"));
        let mut head = [0u8; 4];
        std::io::Read::read_exact(&mut f, &mut head).unwrap();
        assert_eq!(&head, b"%PDF");
    }
}

#[tokio::test]
async fn verification_answers_200_410_404_and_limits_guessing() {
    let app = spawn_app_with(|s| {
        s.rate_limits.verify_per_address.burst = 12;
        s.rate_limits.verify_per_address.replenish_ms = 60_000;
    })
    .await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    finish(&app, &c).await;
    let issued: Value = app
        .post_json(&format!("/api/v1/classes/{}/certificates", c.id), Some(&c.admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let cert =
        issued["certificates"].as_array().unwrap().iter().find(|x| x["holder_name"] == "李明华").unwrap().clone();
    let code = cert["verification_code"].as_str().unwrap().to_owned();
    let id = cert["id"].as_str().unwrap().to_owned();

    let valid = app.get(&format!("/api/v1/public/certificates/{code}"), None).await;
    assert_eq!(valid.status(), 200);
    let body: Value = valid.json().await.unwrap();
    assert_eq!(body["status"], "valid");
    assert_eq!(body["holder_name"], "李*华", "masked by default");
    assert_eq!(body["serial"], cert["serial"]);
    assert_eq!(body["credit_hours"], "24.5");
    // Lower case typed by hand works too.
    assert_eq!(app.get(&format!("/api/v1/public/certificates/{}", code.to_lowercase()), None).await.status(), 200);
    let page = app.get(&format!("/verify/{code}"), None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("证书有效") && html.contains("李*华") && !html.contains("李明华"));

    // Unknown codes.
    let (status, code_, _) = error_body(app.get("/api/v1/public/certificates/ABCDEFGHJKMN", None).await).await;
    assert_eq!((status, code_.as_str()), (404, "not_found"));
    let unknown = app.get("/verify/NOPE", None).await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains(r#"<input id="code" name="code""#), "a box to type the code again");
    // A code typed from a paper certificate: /verify has the box, and the form leads to the code's page.
    let lookup = app.get("/verify", None).await;
    assert_eq!(lookup.status(), 200);
    let html = lookup.text().await.unwrap();
    assert!(html.contains(r#"<form method="get" action="/verify""#) && !html.contains("未查询到"), "{html}");
    let typed = app.client.get(app.url(&format!("/verify?code=%20{}%20", code.to_lowercase()))).send().await.unwrap();
    assert_eq!(typed.status(), 303);
    assert_eq!(typed.headers()["location"].to_str().unwrap(), format!("/verify/{code}"), "trimmed, upper case");

    // Revoking needs an administrator and a reason; then verification answers 410 with the date.
    let revoke = format!("/api/v1/certificates/{id}/revoke");
    assert_eq!(
        error_body(app.post_json(&revoke, Some(&c.admin), &json!({"reason": " "})).await).await.1,
        "reason_required"
    );
    let revoked = app.post_json(&revoke, Some(&c.admin), &json!({"reason": "学员信息有误，收回重发"})).await;
    assert_eq!(revoked.status(), 200);
    let gone = app.get(&format!("/api/v1/public/certificates/{code}"), None).await;
    assert_eq!(gone.status(), 410);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["code"], "certificate_revoked");
    assert!(body["revoked_at"].is_string());
    assert!(body["message"].as_str().unwrap().contains("2026年11月26日"), "{}", body["message"]);
    assert_eq!(app.get(&format!("/verify/{code}"), None).await.status(), 410);
    assert_eq!(
        error_body(app.post_json(&revoke, Some(&c.admin), &json!({"reason": "再次"})).await).await.1,
        "already_revoked"
    );

    // Re-issue: a new serial and code, valid; the old one stays revoked.
    let reissued: Value = app
        .post_json(
            &format!("/api/v1/certificates/{id}/reissue"),
            Some(&c.admin),
            &json!({"reason": "更正单位名称后重发"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(reissued["serial"], cert["serial"]);
    assert_eq!(reissued["serial"], format!("{}-0003", c.code));
    let new_code = reissued["verification_code"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/public/certificates/{new_code}"), None).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/public/certificates/{code}"), None).await.status(), 410);
    // The holder cannot download the revoked one any more.
    let li = app.trainee_token(&c.invite("李明华"), "phone-verify-li").await;
    let r = app.get(&format!("/api/v1/me/certificates/{id}/pdf"), Some(&li)).await;
    let (status, code_, _) = error_body(r).await;
    assert_eq!((status, code_.as_str()), (410, "certificate_revoked"));
    let audit: Value = app.get("/api/v1/audit?entity=certificate", Some(&c.admin)).await.json().await.unwrap();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"certificate.revoke") && actions.contains(&"certificate.reissue"), "{actions:?}");

    // Guessing is limited per address: the 12-request burst is spent by now.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.get("/api/v1/public/certificates/ZZZZZZZZZZZZ", None).await.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// The decision and the certificate never disagree: once issued, anything that would withhold the trainee (a
/// decision by hand, a late correction or a discipline record; leave goes through the same check) is refused with `certificate_issued` until an
/// administrator revokes the certificate; withheld first, the trainee gets none (both orders).
#[tokio::test]
async fn what_would_withhold_an_issued_certificate_is_refused_until_it_is_revoked() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    finish(&app, &c).await;
    let issue = format!("/api/v1/classes/{}/certificates", c.id);
    let issued: Value = app.post_json(&issue, Some(&c.admin), &json!({})).await.json().await.unwrap();
    assert_eq!(issued["issued"].as_u64(), Some(2), "李明华 and 赵志强: {issued}");
    let cert_of = |name: &str| {
        let e = c.enrollment(name);
        issued["certificates"].as_array().unwrap().iter().find(|x| x["enrollment_id"] == e.as_str()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let decide = |name: &str| format!("/api/v1/classes/{}/completion/{}", c.id, c.enrollment(name));
    let withhold = json!({"decision": "withhold", "reason": "结业考核未通过"});

    // By hand.
    let response = app.send_json(reqwest::Method::PUT, &decide("赵志强"), Some(&c.admin), &withhold).await;
    let (status, code, message) = error_body(response).await;
    assert_eq!((status, code.as_str()), (409, "certificate_issued"));
    assert!(message.contains("先撤销其证书"), "{message}");
    // A late correction: one session of 请假 is at the 1/7 limit (allowed), a second is over it (refused).
    let (li, sessions) = (c.enrollment("李明华"), &c.sessions);
    let correct = |s: &str| format!("/api/v1/sessions/{s}/attendance/{li}");
    let leave = json!({"status": "leave", "reason": "补记请假"});
    assert_eq!(app.send_json(reqwest::Method::PUT, &correct(&sessions[0]), Some(&c.admin), &leave).await.status(), 200);
    let response = app.send_json(reqwest::Method::PUT, &correct(&sessions[1]), Some(&c.admin), &leave).await;
    assert_eq!(error_body(response).await.1, "certificate_issued");
    let body = json!({"enrollment_id": li, "category": "integrity", "severity": "serious",
        "occurred_at": "2026-11-25T12:00:00Z", "description": "接受宴请"});
    let response = app.post_json(&format!("/api/v1/classes/{}/discipline", c.id), Some(&c.admin), &body).await;
    assert_eq!(error_body(response).await.1, "certificate_issued", "a discipline record that withholds");
    // Nothing of the refused changes stayed.
    let list = completion(&app, &c.admin, &c).await;
    let li_now = by_name(&list, "李明华");
    assert_eq!(
        (li_now["status"].as_str(), li_now["leave_hours"].as_str()),
        (Some("eligible"), Some("3.5")),
        "{li_now}"
    );
    assert_eq!(by_name(&list, "赵志强")["status"], "eligible");
    let attendance: Value =
        app.get(&format!("/api/v1/sessions/{}/attendance", sessions[1]), Some(&c.admin)).await.json().await.unwrap();
    let line = attendance["entries"].as_array().unwrap().iter().find(|e| e["enrollment_id"] == li.as_str()).unwrap();
    assert_eq!(line["status"], "present", "the refused correction was rolled back");

    // Revoked first, then withheld: allowed; issuing again gives 赵志强 nothing.
    let revoke = format!("/api/v1/certificates/{}/revoke", cert_of("赵志强"));
    assert_eq!(
        app.post_json(&revoke, Some(&c.admin), &json!({"reason": "结业考核未通过，收回证书"})).await.status(),
        200
    );
    let response = app.send_json(reqwest::Method::PUT, &decide("赵志强"), Some(&c.admin), &withhold).await;
    assert_eq!(response.status(), 200);
    let again: Value = app.post_json(&issue, Some(&c.admin), &json!({})).await.json().await.unwrap();
    assert_eq!((again["issued"].as_u64(), again["withheld"].as_u64()), (Some(0), Some(3)), "{again}");
}

/// A trainee added after sessions closed used to finish with 0 学时 and no absence: the next sweep marks those
/// sessions 旷课 for them, and staff exempt the ones not required of a late joiner (不计考勤, with a reason), which
/// then leave their total 学时 and limits.
#[tokio::test]
async fn a_late_joiner_is_absent_for_what_closed_before_unless_staff_exempt_it() {
    use crate::console::{csrf_of, page, post_form, session_cookie};
    use crate::helpers::ClockExt;
    let app = spawn_app().await;
    let c = class(&app).await;
    // Thursday 11-26 08:30 China time: the sessions of 11-23, 11-24 and 11-25 have closed and are swept.
    rollcall::attendance::close::run_once(&app.state.db, app.clock.now_utc()).await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    let body = json!({"name": "钱新来", "phone": "13900009999", "unit": "某县财政局"});
    let response = app.post_json(&format!("/api/v1/classes/{}/roster", c.id), Some(&c.admin), &body).await;
    assert_eq!(response.status(), 201);
    let late = response.json::<Value>().await.unwrap()["enrollment_id"].as_str().unwrap().to_owned();
    app.clock.advance(chrono::Duration::minutes(1));
    rollcall::attendance::close::run_once(&app.state.db, app.clock.now_utc()).await.unwrap();

    let list = completion(&app, &c.admin, &c).await;
    let qian = by_name(&list, "钱新来");
    assert_eq!(qian["facts"]["absences"], 3, "the three closed sessions count: {qian}");
    assert_eq!(qian["total_hours"], "24.5");
    for s in &c.sessions[0..3] {
        let list: Value =
            app.get(&format!("/api/v1/sessions/{s}/attendance"), Some(&c.admin)).await.json().await.unwrap();
        let line = list["entries"].as_array().unwrap().iter().find(|e| e["enrollment_id"] == late.as_str()).cloned();
        assert_eq!(line.unwrap()["status"], "absent");
    }

    // The 班主任 knows they joined on Thursday: those sessions are not required of them.
    let admin = app.create_account(rollcall::auth::Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let path = format!("/console/classes/{}/roster/{late}", c.id);
    let csrf = csrf_of(&page(&app, &path, Some(&cookie)).await.1);
    let mut form = vec![("csrf", csrf.as_str()), ("record_reason", "11月26日入班，此前课程不作要求")];
    form.extend(c.sessions[0..3].iter().map(|s| ("s", s.as_str())));
    let (status, location, body) = post_form(&app, &format!("{path}/exempt"), &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?exempt=3").as_str()), "{body}");
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已设为不计考勤") && body.matches("不计考勤</span>").count() == 3, "{body}");
    let list = completion(&app, &c.admin, &c).await;
    let qian = by_name(&list, "钱新来");
    assert_eq!((qian["facts"]["absences"].as_u64(), qian["total_hours"].as_str()), (Some(0), Some("14")), "{qian}");
    let audit: Value = app.get(&format!("/api/v1/audit?class_id={}", c.id), Some(&c.admin)).await.json().await.unwrap();
    let exempted = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "attendance.correct" && a["reason"] == "11月26日入班，此前课程不作要求")
        .count();
    assert_eq!(exempted, 3, "one audited correction per session");
}
