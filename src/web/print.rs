//! Print pages, opened from signed, expiring links ([`crate::print_link`]) so a browser can print them without a
//! staff login: the invite sheet (one card per trainee with name, unit, invite code and a QR of the binding link)
//! and the daily notice, as a page and as a PDF.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::page;
use crate::attendance::notice::{DailyNotice, NoticeLine};
use crate::class::ClassScope;
use crate::class::service::get_class;
use crate::clock::local_hhmm;
use crate::error::{AppError, AppResult};
use crate::print_link::{PrintPage, check};
use crate::roster::service as roster;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Signed {
    exp: i64,
    sig: String,
}

#[derive(Deserialize)]
pub struct SignedDay {
    date: NaiveDate,
    exp: i64,
    sig: String,
}

#[derive(Template)]
#[template(path = "invite_sheet.html")]
struct InviteSheet {
    class_name: String,
    class_code: String,
    cards: Vec<InviteCard>,
}

struct InviteCard {
    name: String,
    unit: String,
    invite_code: String,
    /// The QR of the binding link, as SVG made here.
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    class_name: String,
    class_code: String,
    /// 2026年11月26日.
    date: String,
    sessions: Vec<SessionRow>,
    sections: Vec<Section>,
}

struct SessionRow {
    time: String,
    title: String,
    expected: u64,
    arrived: u64,
    late: u64,
    early_leave: u64,
    leave: u64,
    absent: u64,
}

/// 迟到, 早退, 旷课 or 请假, with who.
struct Section {
    title: &'static str,
    lines: Vec<Line>,
}

struct Line {
    name: String,
    unit: String,
    session: String,
    note: String,
}

impl Section {
    fn new(title: &'static str, lines: Vec<NoticeLine>) -> Self {
        let lines = lines
            .into_iter()
            .map(|l| Line {
                session: format!("{} {}", local_hhmm(l.starts_at), l.session_title),
                name: l.name,
                unit: l.unit,
                // The posted notice: the leave kind, never a staff reason or a sick note's text.
                note: l.public_note,
            })
            .collect();
        Self { title, lines }
    }
}

impl From<DailyNotice> for NoticePage {
    fn from(n: DailyNotice) -> Self {
        let sessions = n
            .sessions
            .into_iter()
            .map(|s| SessionRow {
                time: format!("{}–{}", local_hhmm(s.starts_at), local_hhmm(s.ends_at)),
                arrived: s.present + s.late + s.early_leave,
                title: s.title,
                expected: s.expected,
                late: s.late,
                early_leave: s.early_leave,
                leave: s.leave,
                absent: s.absent,
            })
            .collect();
        Self {
            date: n.date.format("%Y年%m月%d日").to_string(),
            class_name: n.class_name,
            class_code: n.class_code,
            sessions,
            sections: vec![
                Section::new("迟到", n.late),
                Section::new("早退", n.early_leave),
                Section::new("旷课", n.absent),
                Section::new("请假", n.leave),
            ],
        }
    }
}

/// The class's notice for the signed day.
async fn notice(state: &AppState, class_id: Uuid, query: &SignedDay) -> AppResult<DailyNotice> {
    check(&state.master_secret, PrintPage::Notice(query.date), class_id, query.exp, &query.sig, state.clock.now())?;
    let class = get_class(&state.db, class_id).await?;
    crate::attendance::notice::daily(&state.db, &ClassScope { class }, query.date).await
}

pub async fn invite_sheet(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<Signed>,
) -> AppResult<HttpResponse> {
    let class_id = path.into_inner();
    check(&state.master_secret, PrintPage::InviteSheet, class_id, query.exp, &query.sig, state.clock.now())?;
    let class = get_class(&state.db, class_id).await?;
    let invites = roster::invites(&state.db, &state.master_secret, &state.base_url(), class_id).await?;
    let cards = invites
        .into_iter()
        .map(|inv| {
            Ok(InviteCard {
                qr_svg: crate::qr::render::svg(&inv.bind_url, 112)?,
                name: inv.name,
                unit: inv.unit,
                invite_code: inv.invite_code,
            })
        })
        .collect::<AppResult<_>>()?;
    page(StatusCode::OK, &InviteSheet { class_name: class.name, class_code: class.code, cards })
}

/// The daily attendance notice (考勤公示), print-ready.
pub async fn daily_notice(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<SignedDay>,
) -> AppResult<HttpResponse> {
    let notice = notice(&state, path.into_inner(), &query).await?;
    page(StatusCode::OK, &NoticePage::from(notice))
}

/// The daily notice as a PDF (A4), from the same signed link as the print page.
pub async fn daily_notice_pdf(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<SignedDay>,
) -> AppResult<HttpResponse> {
    let notice = notice(&state, path.into_inner(), &query).await?;
    let settings = state.settings.report.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let font = crate::report::pdf::font(&settings)?;
        Ok::<_, AppError>(crate::report::pdf::daily_notice(&font, &notice))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"notice-{}.pdf\"", query.date)))
        .body(bytes))
}
