//! The authorization matrix: every operation of the served OpenAPI document × eight actors, against a table that
//! says who may call it. A new route without a row (or a row whose route is gone) fails the test by name.
//!
//! Requests use real ids of class A's resources (and trainee A's own). "Allowed" means the answer is not a denial;
//! a denial is 401 `auth_required` (anonymous) or `invalid_token` (expired token, disabled account), or 403 / 404
//! `not_found` for a logged-in caller (another class's resources answer 404, see `class::access`). A denied
//! state-changing request must leave its witness (a read of what it would change) as it was.
//!
//! A new operation needs a row in `TABLE`; if it takes a body, a valid one in `requests::call_for`; if it uses up
//! what it acts on, a throwaway in `requests::ids_for`; if it changes state, a witness in `requests::witness`.

pub(crate) mod requests;
pub(crate) mod world;

use std::collections::BTreeSet;
use std::time::Instant;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;
use requests::{call_for, ids_for, read, send, witness};
use world::World;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Anonymous,
    /// Enrolled in class A; the `/me` resources in the paths are theirs.
    TraineeA,
    /// Enrolled in class B only.
    TraineeB,
    /// 班主任 of class A.
    StaffA,
    /// 班主任 of class B only.
    StaffB,
    Admin,
    /// Was 班主任 of class A; disabled by an admin after logging in.
    DisabledStaff,
    /// 班主任 of class A whose token's lifetime has passed.
    ExpiredToken,
}

const ACTORS: [Actor; 8] = [
    Actor::Anonymous,
    Actor::TraineeA,
    Actor::TraineeB,
    Actor::StaffA,
    Actor::StaffB,
    Actor::Admin,
    Actor::DisabledStaff,
    Actor::ExpiredToken,
];

/// A set of actors.
#[derive(Debug, Clone, Copy)]
pub struct Who(u8);

impl Who {
    const fn of(actors: &[Actor]) -> Who {
        let mut bits = 0;
        let mut i = 0;
        while i < actors.len() {
            bits |= 1 << actors[i] as u8;
            i += 1;
        }
        Who(bits)
    }

    const fn and(self, other: Who) -> Who {
        Who(self.0 | other.0)
    }

    pub(crate) fn has(self, actor: Actor) -> bool {
        self.0 & (1 << actor as u8) != 0
    }
}

use Actor::{Admin, StaffA, StaffB, TraineeA, TraineeB};

/// Anyone, with or without a token (health, logins, certificate check, the screen by its key).
const PUBLIC: Who = Who(u8::MAX);
/// Any valid token.
const LOGGED_IN: Who = Who::of(&[TraineeA, TraineeB, StaffA, StaffB, Admin]);
/// Any trainee, about themselves.
const TRAINEES: Who = Who::of(&[TraineeA, TraineeB]);
/// The trainee whose resource it is (or who is enrolled in class A).
const TRAINEE_A: Who = Who::of(&[TraineeA]);
/// Any staff member or admin, not about a class.
const STAFF: Who = Who::of(&[StaffA, StaffB, Admin]);
/// Staff assigned to class A, and admins.
const CLASS_STAFF: Who = Who::of(&[StaffA, Admin]);
const ADMIN: Who = Who::of(&[Admin]);
/// Staff of the class, or the trainee concerned.
const CLASS_STAFF_OR_TRAINEE_A: Who = CLASS_STAFF.and(TRAINEE_A);

/// Who may call each operation. One line per operation of the OpenAPI document, `METHOD /path/template`.
pub(crate) const TABLE: &[(&str, Who)] = &[
    ("GET /api/v1/health", PUBLIC),
    ("GET /api/v1/ready", PUBLIC),
    ("POST /api/v1/auth/login", PUBLIC),
    ("POST /api/v1/auth/invite", PUBLIC),
    ("POST /api/v1/auth/wechat", PUBLIC),
    ("POST /api/v1/auth/bind", PUBLIC),
    ("GET /api/v1/privacy/notice", PUBLIC),
    ("GET /api/v1/public/certificates/{code}", PUBLIC),
    ("GET /api/v1/screen/state", PUBLIC),
    ("POST /api/v1/auth/logout", LOGGED_IN),
    ("GET /api/v1/me", LOGGED_IN),
    ("PUT /api/v1/me/password", STAFF),
    ("GET /api/v1/me/sessions", TRAINEES),
    ("GET /api/v1/me/attendance", TRAINEES),
    ("GET /api/v1/me/leave-requests", TRAINEES),
    ("POST /api/v1/me/leave-requests", TRAINEE_A),
    ("POST /api/v1/me/leave-requests/{leave_id}/cancel", TRAINEE_A),
    ("GET /api/v1/me/leave-requests/{leave_id}/attachment", TRAINEE_A),
    ("GET /api/v1/me/discipline", TRAINEES),
    ("GET /api/v1/me/completion", TRAINEES),
    ("GET /api/v1/me/certificates", TRAINEES),
    ("GET /api/v1/me/certificates/{certificate_id}/pdf", TRAINEE_A),
    ("GET /api/v1/me/hours", TRAINEES),
    ("POST /api/v1/checkins", TRAINEE_A),
    ("GET /api/v1/inbox", LOGGED_IN),
    ("POST /api/v1/inbox/{message_id}/read", TRAINEE_A),
    ("POST /api/v1/attachments", LOGGED_IN),
    ("GET /api/v1/staff", ADMIN),
    ("POST /api/v1/staff", ADMIN),
    ("GET /api/v1/staff/{staff_id}", ADMIN),
    ("POST /api/v1/staff/{staff_id}/disable", ADMIN),
    ("POST /api/v1/staff/{staff_id}/enable", ADMIN),
    ("PUT /api/v1/staff/{staff_id}/password", ADMIN),
    ("GET /api/v1/classes", STAFF),
    ("POST /api/v1/classes", ADMIN),
    ("GET /api/v1/classes/{class_id}", CLASS_STAFF),
    ("PATCH /api/v1/classes/{class_id}", ADMIN),
    ("GET /api/v1/classes/{class_id}/staff", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/staff", ADMIN),
    ("DELETE /api/v1/classes/{class_id}/staff/{staff_id}", ADMIN),
    ("GET /api/v1/classes/{class_id}/sessions", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/sessions", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/sessions/batch", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/sessions/import", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}", CLASS_STAFF),
    ("PATCH /api/v1/sessions/{session_id}", CLASS_STAFF),
    ("DELETE /api/v1/sessions/{session_id}", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/roster", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/roster", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/roster/import", CLASS_STAFF),
    ("DELETE /api/v1/classes/{class_id}/roster/{enrollment_id}", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/roster/{enrollment_id}/invite/reset", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/roster.xlsx", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/roster.csv", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/invites", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/qr", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/qr.svg", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/qr.png", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/open", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/close", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/attendance", CLASS_STAFF),
    ("PUT /api/v1/sessions/{session_id}/attendance/{enrollment_id}", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/attendance/{enrollment_id}/undo", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/attendance/summary", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/attempts", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/live", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/online", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/online/import", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/online/assign", CLASS_STAFF),
    ("PUT /api/v1/sessions/{session_id}/online/settings", CLASS_STAFF),
    ("PUT /api/v1/classes/{class_id}/online-rule", ADMIN),
    ("POST /api/v1/classes/{class_id}/evaluations", ADMIN),
    ("GET /api/v1/classes/{class_id}/evaluations", CLASS_STAFF),
    ("GET /api/v1/evaluations/{form_id}/progress", CLASS_STAFF),
    ("GET /api/v1/evaluations/{form_id}/results", CLASS_STAFF),
    ("GET /api/v1/evaluations/{form_id}/results/file", CLASS_STAFF),
    ("POST /api/v1/evaluations/{form_id}/remind", CLASS_STAFF),
    ("GET /api/v1/me/evaluations", TRAINEES),
    ("POST /api/v1/me/evaluations/{form_id}/answers", TRAINEE_A),
    ("GET /api/v1/evaluation/default-form", ADMIN),
    ("PUT /api/v1/evaluation/default-form", ADMIN),
    ("GET /api/v1/evaluation/teachers", ADMIN),
    ("GET /api/v1/evaluation/teachers/detail", ADMIN),
    ("GET /api/v1/evaluation/teachers/file", ADMIN),
    ("GET /api/v1/classes/{class_id}/live", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/notice", CLASS_STAFF),
    ("GET /api/v1/sessions/{session_id}/screen-links", CLASS_STAFF),
    ("POST /api/v1/sessions/{session_id}/screen-links", CLASS_STAFF),
    ("DELETE /api/v1/sessions/{session_id}/screen-links/{link_id}", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/leave-requests", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/leave-records", CLASS_STAFF),
    ("GET /api/v1/leave-requests/{leave_id}", CLASS_STAFF),
    ("POST /api/v1/leave-requests/{leave_id}/approve", CLASS_STAFF),
    ("POST /api/v1/leave-requests/{leave_id}/reject", CLASS_STAFF),
    ("GET /api/v1/leave-requests/{leave_id}/attachment", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/discipline", CLASS_STAFF),
    ("POST /api/v1/classes/{class_id}/discipline", CLASS_STAFF),
    ("POST /api/v1/discipline/{record_id}/annul", ADMIN),
    ("GET /api/v1/discipline/{record_id}/attachment", CLASS_STAFF_OR_TRAINEE_A),
    ("GET /api/v1/classes/{class_id}/policy", CLASS_STAFF),
    ("PUT /api/v1/classes/{class_id}/policy", ADMIN),
    ("GET /api/v1/classes/{class_id}/at-risk", CLASS_STAFF),
    ("GET /api/v1/admin/outbox", ADMIN),
    ("GET /api/v1/classes/{class_id}/completion", CLASS_STAFF),
    ("PUT /api/v1/classes/{class_id}/completion/{enrollment_id}", ADMIN),
    ("POST /api/v1/classes/{class_id}/certificates", ADMIN),
    ("GET /api/v1/classes/{class_id}/certificates", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/certificates.zip", CLASS_STAFF),
    ("GET /api/v1/certificates/{certificate_id}/pdf", CLASS_STAFF),
    ("POST /api/v1/certificates/{certificate_id}/revoke", ADMIN),
    ("POST /api/v1/certificates/{certificate_id}/reissue", ADMIN),
    ("GET /api/v1/classes/{class_id}/reports/units", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/reports/unit", CLASS_STAFF),
    ("GET /api/v1/classes/{class_id}/reports/summary", CLASS_STAFF),
    ("GET /api/v1/people/{person_id}/hours", ADMIN),
    ("GET /api/v1/archive/hours", ADMIN),
    ("GET /api/v1/me/data", TRAINEES),
    ("GET /api/v1/me/data.pdf", TRAINEES),
    ("GET /api/v1/people/{person_id}/data", ADMIN),
    ("GET /api/v1/people/{person_id}/data.pdf", ADMIN),
    ("POST /api/v1/people/{person_id}/erase", ADMIN),
    ("GET /api/v1/audit", ADMIN),
    ("GET /api/v1/classes/{class_id}/audit.csv", ADMIN),
];

/// Operations that end the caller's session run after every other row.
const RUN_LAST: &[&str] = &["POST /api/v1/auth/logout"];

/// `METHOD /path` of every operation in the served document.
async fn documented_operations(app: &crate::helpers::TestApp) -> BTreeSet<String> {
    let doc: Value = app.get("/api-docs/openapi.json", None).await.json().await.unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options", "trace"].contains(&method.as_str()) {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

/// The table and the document name the same operations, each once.
fn table_matches_document(documented: &BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    let duplicated: Vec<_> = TABLE.iter().map(|(op, _)| *op).filter(|op| !seen.insert(*op)).collect();
    let missing: Vec<_> = documented.iter().filter(|op| !seen.contains(op.as_str())).collect();
    let stale: Vec<_> = seen.iter().filter(|op| !documented.contains(**op)).collect();
    assert!(
        missing.is_empty() && stale.is_empty() && duplicated.is_empty(),
        "the authorization table in tests/api/authz.rs is out of step with the OpenAPI document:\n\
         operations without a row (add one saying who may call it): {missing:#?}\n\
         rows without an operation (remove them): {stale:#?}\nrows listed twice: {duplicated:#?}"
    );
}

fn is_denial(status: u16, code: &str) -> bool {
    matches!(
        (status, code),
        (401, "auth_required" | "invalid_token" | "account_disabled") | (403, "forbidden") | (404, "not_found")
    )
}

/// A 400 from a body, query or path that does not parse comes before the handler decides anything (actix
/// extracts them alongside the caller), so it proves neither an allow nor a deny.
fn unreached(status: u16, code: &str) -> Option<String> {
    let unparsed = matches!(code, "invalid_json" | "invalid_query" | "invalid_path");
    (unparsed || status == 500).then(|| "the request never reached the handler: fix it in `requests::call_for`".into())
}

/// Why the answer is wrong for an actor the table allows, if it is.
fn check_allowed(status: u16, code: &str) -> Option<String> {
    if is_denial(status, code) {
        return Some("should be allowed".into());
    }
    unreached(status, code)
}

/// Why the answer is wrong for an actor the table denies, if it is.
fn check_denied(actor: Actor, status: u16, code: &str) -> Option<String> {
    let expected = match actor {
        Actor::Anonymous => "401 auth_required",
        Actor::DisabledStaff | Actor::ExpiredToken => "401 invalid_token",
        _ => "403 or 404 not_found",
    };
    let right = match actor {
        Actor::Anonymous => (status, code) == (401, "auth_required"),
        Actor::DisabledStaff | Actor::ExpiredToken => (status, code) == (401, "invalid_token"),
        _ => status == 403 || (status, code) == (404, "not_found"),
    };
    if right {
        return None;
    }
    Some(unreached(status, code).unwrap_or_else(|| format!("should be denied with {expected}")))
}

/// Runs one row: the denied actors against one set of ids (their witness must not change), then each allowed
/// actor against ids of its own.
async fn run_row(w: &World, op: &str, who: Who, failures: &mut Vec<String>) {
    let (method, template) = op.split_once(' ').unwrap();
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let ids = ids_for(w, op).await;
    let witness = witness(op, &ids);
    let before = match &witness {
        Some(wit) => Some(read(w, wit).await),
        None => None,
    };
    for actor in ACTORS.into_iter().filter(|a| !who.has(*a)) {
        let (status, code) = send(w, &method, actor, call_for(w, op, template, actor, &ids).await).await;
        if let Some(why) = check_denied(actor, status, code.as_str()) {
            failures.push(format!("{op} as {actor:?}: {why}, got {status} {code}"));
        }
    }
    if let (Some(wit), Some(before)) = (&witness, before)
        && read(w, wit).await != before
    {
        failures.push(format!("{op}: a denied request changed what {} shows", wit.1));
    }
    for actor in ACTORS.into_iter().filter(|a| who.has(*a)) {
        let ids = ids_for(w, op).await;
        let (status, code) = send(w, &method, actor, call_for(w, op, template, actor, &ids).await).await;
        if let Some(why) = check_allowed(status, code.as_str()) {
            failures.push(format!("{op} as {actor:?}: {why}, got {status} {code}"));
        }
    }
}

#[tokio::test]
async fn every_operation_allows_exactly_the_actors_in_the_authorization_table() {
    let started = Instant::now();
    let app = spawn_app().await;
    let documented = documented_operations(&app).await;
    table_matches_document(&documented);
    let w = World::arrange(app).await;
    let arranged = started.elapsed();

    let mut failures = Vec::new();
    let (last, first): (Vec<_>, Vec<_>) = TABLE.iter().partition(|(op, _)| RUN_LAST.contains(op));
    for (op, who) in first.into_iter().chain(last) {
        run_row(&w, op, who, &mut failures).await;
    }
    w.expired_token_works_before_its_expiry().await;

    assert!(failures.is_empty(), "{} authorization failures:\n{}", failures.len(), failures.join("\n"));
    println!(
        "authorization matrix: {} operations × {} actors = {} requests (arranged in {:.1?}, {:.1?} in all)",
        TABLE.len(),
        ACTORS.len(),
        TABLE.len() * ACTORS.len(),
        arranged,
        started.elapsed()
    );
}

fn document_with(change: impl FnOnce(&mut BTreeSet<String>)) -> BTreeSet<String> {
    let mut documented = TABLE.iter().map(|(op, _)| (*op).to_owned()).collect();
    change(&mut documented);
    documented
}

#[test]
#[should_panic(expected = "GET /api/v1/classes/{class_id}/a-route-added-without-a-row")]
fn a_documented_operation_without_a_row_fails_by_name() {
    table_matches_document(&document_with(|d| {
        d.insert("GET /api/v1/classes/{class_id}/a-route-added-without-a-row".into());
    }));
}

#[test]
#[should_panic(expected = "DELETE /api/v1/sessions/{session_id}")]
fn a_row_without_a_documented_operation_fails_by_name() {
    table_matches_document(&document_with(|d| {
        d.remove("DELETE /api/v1/sessions/{session_id}");
    }));
}
