//! Trainees' phone numbers reach only the staff of their classes and administrators: every `GET` of the API (from
//! the authorization matrix's table, sent as the matrix sends it), the console pages of class A for the 班主任 of
//! another class, and the public pages. A body is searched as it is, inside every file of a ZIP (XLSX, ZIP
//! downloads) and as the text of a PDF.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header;

use crate::authz::requests::{call_for, ids_for, request};
use crate::authz::world::World;
use crate::authz::{Actor, TABLE};
use crate::helpers::{must_run_everything, spawn_app};

/// A live stream never ends: what it sent within this time is what is searched.
const PER_REQUEST: Duration = Duration::from_secs(3);

/// The actors who may see some phone numbers, or none, but not all of class A's.
const ACTORS: [Actor; 4] = [Actor::Anonymous, Actor::TraineeA, Actor::TraineeB, Actor::StaffB];

/// Class B's trainees (the world's class B has one).
const CLASS_B: &[&str] = &["戊学员"];

/// The status and what the body held within [`PER_REQUEST`], or why there was no answer.
async fn fetch(request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), String> {
    let deadline = tokio::time::Instant::now() + PER_REQUEST;
    let mut response = match tokio::time::timeout_at(deadline, request.send()).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return Err(format!("request failed: {e}")),
        Err(_) => return Err(format!("no answer within {PER_REQUEST:?}")),
    };
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// The text of a PDF through pdftotext; `None` when poppler-utils is missing (allowed unless everything must run).
fn pdf_text(bytes: &[u8]) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => Some(out.stdout),
        Err(_) => {
            assert!(!must_run_everything(), "ROLLCALL_TEST_REQUIRE_ALL=1 but pdftotext is missing");
            None
        }
    }
}

/// Everything a body says, to search: its bytes, every file inside it if it is a ZIP (an XLSX is one), and its
/// text if it is a PDF.
fn readable(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    if body.starts_with(b"PK\x03\x04")
        && let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(body))
    {
        for i in 0..archive.len() {
            let mut entry = Vec::new();
            if let Ok(mut file) = archive.by_index(i) {
                let _ = std::io::Read::read_to_end(&mut file, &mut entry);
            }
            out.push(b'\n');
            out.extend(readable(&entry));
        }
    }
    if body.starts_with(b"%PDF")
        && let Some(text) = pdf_text(body)
    {
        out.push(b'\n');
        out.extend(text);
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Whose phone numbers the actor may see, by name.
fn entitled(w: &World, actor: Actor) -> Vec<&str> {
    match actor {
        Actor::Anonymous => Vec::new(),
        Actor::TraineeA | Actor::TraineeB => vec![w.trainee_names[&actor].as_str()],
        Actor::StaffB => CLASS_B.to_vec(),
        other => panic!("{other:?} is not checked here"),
    }
}

/// The names of the trainees whose phone numbers the body shows and the actor may not see.
fn leaked<'w>(w: &'w World, actor: Actor, body: &[u8]) -> Vec<&'w str> {
    let allowed = entitled(w, actor);
    let text = readable(body);
    w.trainee_phones
        .iter()
        .filter(|(name, phone)| !allowed.contains(&name.as_str()) && contains(&text, phone))
        .map(|(name, _)| name.as_str())
        .collect()
}

fn phone_of<'w>(w: &'w World, name: &str) -> &'w str {
    w.trainee_phones.iter().find(|(n, _)| n == name).map(|(_, p)| p.as_str()).unwrap()
}

/// Class A's trainees (every one but class B's).
fn class_a(w: &World) -> Vec<&(String, String)> {
    w.trainee_phones.iter().filter(|(name, _)| !CLASS_B.contains(&name.as_str())).collect()
}

/// Records `what` as a failure unless the body shows the phone numbers of all `names` (a positive control).
fn must_show(
    w: &World,
    what: &str,
    answer: Result<(u16, Vec<u8>), String>,
    names: &[&str],
    failures: &mut Vec<String>,
) {
    match answer {
        Ok((200, body)) => {
            let text = readable(&body);
            for name in names {
                if !contains(&text, phone_of(w, name)) {
                    failures.push(format!("{what}: does not show the phone of {name} (the check would be vacuous)"));
                }
            }
        }
        Ok((status, body)) => {
            failures.push(format!("{what}: expected 200, got {status} {}", String::from_utf8_lossy(&body)));
        }
        Err(why) => failures.push(format!("{what}: {why}")),
    }
}

/// A console page with a session cookie (or none).
fn console_get(w: &World, path: &str, cookie: Option<&str>) -> reqwest::RequestBuilder {
    let request = w.app.client.get(w.app.url(path));
    match cookie {
        Some(c) => request.header(header::COOKIE, c),
        None => request,
    }
}

/// Every GET page of the console naming class A or one of its resources, then the 班主任's own pages and the
/// administrators' pages.
fn console_pages(w: &World) -> Vec<String> {
    let (class, session) = (w.id("class_id"), w.id("session_id"));
    let c = format!("/console/classes/{class}");
    let s = format!("/console/sessions/{session}");
    let mut pages = vec![
        c.clone(),
        format!("{c}/edit"),
        format!("{c}/roster"),
        format!("{c}/roster?q={}", phone_of(w, "甲学员")),
        format!("{c}/roster/new"),
        format!("{c}/roster/import"),
        format!("{c}/roster.csv"),
        format!("{c}/roster.xlsx"),
        format!("{c}/invites"),
        format!("{c}/sessions"),
        format!("{c}/sessions/new"),
        format!("{c}/sessions/repeat"),
        format!("{c}/sessions/import"),
        format!("{c}/completion"),
        format!("{c}/certificates.zip"),
        format!("{c}/discipline"),
        format!("{c}/policy"),
        format!("{c}/evaluations"),
        format!("{c}/reports"),
        format!("{c}/reports/unit?unit={}&format=xlsx", w.id("unit")),
        format!("{c}/reports/unit?unit={}&format=csv", w.id("unit")),
        format!("{c}/reports/summary?format=xlsx"),
        format!("{c}/reports/summary?format=csv"),
        format!("{c}/notice"),
        format!("{s}/board"),
        format!("{s}/live"),
        format!("{s}/online"),
        format!("{s}/edit"),
        format!("/console/leave/{}/attachment", w.id("leave_id")),
        format!("/console/discipline/{}/photo", w.id("record_id")),
        format!("/console/certificates/{}/pdf", w.id("certificate_id")),
        format!("/console/evaluations/{}", w.id("form_id")),
        format!("/console/evaluations/{}/results/file", w.id("form_id")),
    ];
    for key in ["enrollment_id", "enrollment_2", "enrollment_3"] {
        pages.push(format!("{c}/roster/{}", w.id(key)));
    }
    let own = ["/console", "/console/classes", "/console/today", "/console/today/live", "/console/leave"];
    let own = own.into_iter().chain(["/console/inbox", "/console/inbox/badge"]);
    let admin = [
        "/console/admin",
        "/console/admin/staff",
        "/console/admin/audit",
        "/console/admin/audit.csv",
        "/console/admin/outbox",
        "/console/admin/archive",
        "/console/admin/archive/hours",
        "/console/admin/teachers",
        "/console/admin/teachers/detail",
        "/console/admin/teachers/file",
        "/console/admin/evaluation-form",
    ];
    pages.extend(own.chain(admin).map(str::to_owned));
    pages
}

#[tokio::test]
async fn phone_numbers_reach_only_class_staff_and_admins() {
    let started = Instant::now();
    let w = World::arrange(spawn_app().await).await;
    let mut failures = Vec::new();
    let mut answered = 0;

    // Every GET of the API, as the authorization matrix sends it.
    let gets: Vec<_> = TABLE.iter().filter_map(|(op, _)| op.strip_prefix("GET ").map(|t| (*op, t))).collect();
    for &(op, template) in &gets {
        let ids = ids_for(&w, op).await;
        for actor in ACTORS {
            let call = call_for(&w, op, template, actor, &ids).await;
            match fetch(request(&w, &Method::GET, actor, call)).await {
                Ok((status, body)) => {
                    answered += usize::from(status < 300);
                    for name in leaked(&w, actor, &body) {
                        failures.push(format!("{op} as {actor:?}: found phone of {name} (status {status})"));
                    }
                }
                Err(why) => failures.push(format!("{op} as {actor:?}: {why}")),
            }
        }
    }

    // The console of class A, for its 班主任 (positive control) and for the 班主任 of class B.
    let staff_a = crate::console::session_cookie(&w.app, &w.accounts[&Actor::StaffA]).await;
    let staff_b = crate::console::session_cookie(&w.app, &w.accounts[&Actor::StaffB]).await;
    let a_names: Vec<&str> = class_a(&w).iter().map(|(n, _)| n.as_str()).collect();
    let roster = format!("/console/classes/{}/roster", w.id("class_id"));
    let answer = fetch(console_get(&w, &roster, Some(&staff_a))).await;
    must_show(&w, &format!("GET {roster} as StaffA (console)"), answer, &a_names, &mut failures);
    let (status, _) = fetch(console_get(&w, "/console/classes", Some(&staff_b))).await.unwrap();
    assert_eq!(status, 200, "class B's 班主任 is signed in to the console");
    let mut statuses = Vec::new();
    for path in console_pages(&w) {
        for (actor, cookie) in [(Actor::StaffB, Some(staff_b.as_str())), (Actor::Anonymous, None)] {
            match fetch(console_get(&w, &path, cookie)).await {
                Ok((status, body)) => {
                    if actor == Actor::StaffB {
                        statuses.push(format!("{status} {path}"));
                    }
                    for name in leaked(&w, actor, &body) {
                        failures.push(format!("GET {path} as {actor:?} (console): found phone of {name} ({status})"));
                    }
                }
                Err(why) => failures.push(format!("GET {path} as {actor:?} (console): {why}")),
            }
        }
    }

    // The pages anyone can open: the trainee's own page and binding page, the scan, screen and monitor shells,
    // the certificate check, and the print pages without their signature.
    let admin = w.token(Actor::Admin);
    let invites = w.app.invite_codes(admin, w.id("class_id")).await;
    let (class, session) = (w.id("class_id"), w.id("session_id"));
    let mut public = vec![
        "/h5/me".to_owned(),
        "/h5/bind".to_owned(),
        format!("/c/{}", w.qr_token().await),
        format!("/screen/{session}"),
        format!("/staff/sessions/{session}"),
        "/verify".to_owned(),
        format!("/verify/{}", w.id("code")),
        format!("/print/classes/{class}/invites"),
        format!("/print/classes/{class}/notice?date=2026-11-26"),
        format!("/print/classes/{class}/notice.pdf?date=2026-11-26"),
    ];
    public.extend(invites.iter().map(|(_, code)| format!("/h5/bind?code={code}")));
    for path in &public {
        match fetch(w.app.client.get(w.app.url(path))).await {
            Ok((status, body)) => {
                for name in leaked(&w, Actor::Anonymous, &body) {
                    failures.push(format!("GET {path} as Anonymous: found phone of {name} ({status})"));
                }
            }
            Err(why) => failures.push(format!("GET {path} as Anonymous: {why}")),
        }
    }

    // Positive controls: the search finds the numbers where they belong (JSON, CSV, XLSX, the trainee's copy).
    let (staff, trainee) = (w.token(Actor::StaffA), w.token(Actor::TraineeA));
    for file in ["roster", "roster.csv", "roster.xlsx"] {
        let path = format!("/api/v1/classes/{class}/{file}");
        let answer = fetch(w.app.client.get(w.app.url(&path)).bearer_auth(staff)).await;
        must_show(&w, &format!("GET {path} as StaffA"), answer, &a_names, &mut failures);
    }
    let own = w.trainee_names[&Actor::TraineeA].as_str();
    let answer = fetch(w.app.client.get(w.app.url("/api/v1/me/data")).bearer_auth(trainee)).await;
    must_show(&w, "GET /api/v1/me/data as TraineeA", answer, &[own], &mut failures);
    // A PDF is read as text: the trainee's certificate carries their name.
    let path = format!("/api/v1/me/certificates/{}/pdf", w.id("certificate_id"));
    let (status, pdf) = fetch(w.app.client.get(w.app.url(&path)).bearer_auth(trainee)).await.unwrap();
    assert_eq!(status, 200, "{path}");
    if let Some(text) = pdf_text(&pdf) {
        assert!(contains(&text, own), "the PDF's text is searched: {}", String::from_utf8_lossy(&text));
    }

    assert!(failures.is_empty(), "{} phone number failures:\n{}", failures.len(), failures.join("\n"));
    println!(
        "phones: {} GET operations × {} actors ({answered} answered 2xx), {} console pages, {} public pages, \
         in {:.1?}; class B's 班主任 on the console:\n{}",
        gets.len(),
        ACTORS.len(),
        statuses.len(),
        public.len(),
        started.elapsed(),
        statuses.join("\n")
    );
}

/// The search itself: plain digits anywhere, inside a ZIP's files.
#[test]
fn the_search_finds_digits_in_plain_bodies_and_inside_zip_files() {
    assert!(contains(b"{\"phone\":\"13912345678\"}", "13912345678"));
    assert!(!contains(b"139****5678", "13912345678"));
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut zipped);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        writer.start_file("xl/sharedStrings.xml", options).unwrap();
        std::io::Write::write_all(&mut writer, "<t>甲学员</t><t>13912345678</t>".repeat(20).as_bytes()).unwrap();
        writer.finish().unwrap();
    }
    let bytes = zipped.into_inner();
    assert!(!contains(&bytes, "13912345678"), "compressed: not visible in the raw bytes");
    assert!(contains(&readable(&bytes), "13912345678"));
}
