//! The script-driven pages: shells on the shared layout whose script (with the shared `app.js`) does the work
//! against the JSON API. They carry no data but the asset URLs and, on `/h5/me`, the server's date.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::page;
use crate::clock::local_date;
use crate::error::AppResult;
use crate::privacy::notice::PrivacyNotice;
use crate::state::AppState;

/// The H5 binding page a trainee reaches by scanning the QR on their invite card (`/h5/bind?code=…`): it binds this
/// phone to their enrolment with the invite code and keeps the login in the browser.
#[derive(Template)]
#[template(path = "bind.html")]
struct Bind {
    privacy: PrivacyNotice,
}

/// The H5 check-in page behind every classroom QR code (`/c/{token}`): works in any phone browser and in WeChat's
/// in-app browser. First visit binds the phone with the invite code; then it asks for the position, checks in,
/// and shows the result large, with a link to the trainee's own page (`/h5/me`).
#[derive(Template)]
#[template(path = "scan.html")]
struct Scan {
    privacy: PrivacyNotice,
}

/// The trainee's self-service page (`/h5/me`): attendance and 学时, leave requests (ask, follow the approval,
/// withdraw), discipline records, completion (结业) with its certificate, and in-app messages. Logs in like the
/// check-in page; without a token it asks for the invite code. Times are shown in China time whatever the phone's
/// time zone.
#[derive(Template)]
#[template(path = "me.html")]
struct Me {
    /// The default of the session picker, `YYYY-MM-DD`: the server's clock decides what "today" is, not the phone's.
    today: String,
    privacy: PrivacyNotice,
}

/// The classroom big screen (`/screen/{session_id}#key=…`) for the classroom PC or projector: the rotating QR
/// (refreshed before it expires, with a countdown), the class and session, the present/expected counter and the
/// latest arrivals. The key stays in the URL fragment and goes to the server in a header only.
#[derive(Template)]
#[template(path = "screen.html")]
struct Screen;

/// The staff monitor (`/staff/sessions/{session_id}`), for a 班主任's phone: live counts, who is missing with one tap
/// to mark leave or correct (with a reason), and the attempt log with failure reasons so staff can spot a relay or
/// a fake position. Logs in with the staff account; the token stays in the browser's local storage.
#[derive(Template)]
#[template(path = "monitor.html")]
struct Monitor;

fn notice(state: &AppState) -> PrivacyNotice {
    crate::privacy::notice::current(&state.settings.privacy)
}

pub async fn bind(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(StatusCode::OK, &Bind { privacy: notice(&state) })
}

pub async fn scan(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(StatusCode::OK, &Scan { privacy: notice(&state) })
}

pub async fn me(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page(StatusCode::OK, &me_page(local_date(state.clock.now()), notice(&state)))
}

fn me_page(today: chrono::NaiveDate, privacy: PrivacyNotice) -> Me {
    Me { today: today.format("%Y-%m-%d").to_string(), privacy }
}

pub async fn screen() -> AppResult<HttpResponse> {
    page(StatusCode::OK, &Screen)
}

pub async fn monitor() -> AppResult<HttpResponse> {
    page(StatusCode::OK, &Monitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privacy() -> PrivacyNotice {
        PrivacyNotice {
            version: "v1".into(), title: "个人信息处理告知".into(), paragraphs: vec!["<告知>".into()]
        }
    }

    #[test]
    fn the_shells_load_only_this_origins_files_and_carry_no_inline_script_or_style() {
        let me = me_page(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"), privacy());
        let pages = [
            ("bind", Bind { privacy: privacy() }.render()),
            ("scan", Scan { privacy: privacy() }.render()),
            ("me", me.render()),
            ("screen", Screen.render()),
            ("monitor", Monitor.render()),
        ];
        for (name, html) in pages {
            let html = html.expect("renders");
            let scripts: Vec<&str> = html.split("<script").skip(1).collect();
            assert_eq!(scripts.len(), 2, "{name}: app.js and its own script");
            for script in scripts {
                assert!(script.starts_with(r#" src="/assets/"#) && script.contains("></script>"), "{name}: {script}");
            }
            assert!(html.contains(&format!(r#"href="{}""#, super::super::assets::APP_CSS.url())), "{name}: app.css");
            for inline in ["<style", " style=", " onclick=", " onload=", "javascript:"] {
                assert!(!html.contains(inline), "{name} has {inline}");
            }
            assert!(!html.contains("http://") && !html.contains("https://"), "{name}: nothing from elsewhere");
            if ["bind", "scan", "me"].contains(&name) {
                assert!(html.contains(r#"id="privacy-notice" class="privacy-notice" data-version="v1""#), "{name}");
                assert!(html.contains("<p>&#60;告知&#62;</p>"), "{name}: the notice, escaped");
            }
        }
    }

    #[test]
    fn the_trainee_page_gets_the_servers_date() {
        let html =
            me_page(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"), privacy()).render().expect("renders");
        assert!(html.contains(r#"<body class="phone me" data-today="2026-11-26">"#), "the date is on the body");
    }
}
