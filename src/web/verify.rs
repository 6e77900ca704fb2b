//! `/verify/{code}`: the page a certificate's QR opens. Anyone can check a certificate without logging in: valid
//! (200) with the holder's masked name, class, dates, 学时 and serial; revoked (410) with the date; unknown (404).
//! `/verify` is the same page with a box for typing the code printed on a paper certificate (also on the 404).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::page;
use crate::certificate::verify::{PublicCertificate, Verified, verify_code};
use crate::clock::china;
use crate::error::AppResult;
use crate::http::extract::client_addr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    badge: String,
    /// `ok`, `bad` or `none`: the badge's colour.
    tone: &'static str,
    /// What the certificate says, label by label; none when there is no certificate.
    rows: Vec<(&'static str, String)>,
}

fn date(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn rows(c: PublicCertificate) -> Vec<(&'static str, String)> {
    vec![
        ("持证人", c.holder_name),
        ("培训班", c.class_name),
        ("培训时间", format!("{} 至 {}", date(c.start_date), date(c.end_date))),
        ("学时", format!("{} 学时", c.credit_hours)),
        ("证书编号", c.serial),
        ("发证日期", date(c.issue_date)),
        ("发证单位", c.organiser.unwrap_or_else(|| "培训基地".to_owned())),
    ]
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest, code: web::Path<String>) -> AppResult<HttpResponse> {
    let client = client_addr(&req, &state);
    let (status, shown) = match verify_code(&state.db, &*state.infra.limiter, &state.settings, &client, &code).await? {
        Verified::Valid(c) => {
            (StatusCode::OK, VerifyPage { badge: "✓ 证书有效".to_owned(), tone: "ok", rows: rows(c) })
        }
        Verified::Revoked(c, at) => {
            let badge = format!("✗ 证书已于{}撤销", at.with_timezone(&china()).format("%Y年%-m月%-d日"));
            (StatusCode::GONE, VerifyPage { badge, tone: "bad", rows: rows(c) })
        }
        Verified::Unknown => {
            (StatusCode::NOT_FOUND, VerifyPage { badge: "未查询到该证书".to_owned(), tone: "none", rows: Vec::new() })
        }
    };
    page(status, &shown)
}

#[derive(serde::Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    code: Option<String>,
}

/// `/verify`: the box for a code typed from paper; with `?code=` on to that code's page.
pub async fn lookup(q: web::Query<LookupQuery>) -> AppResult<HttpResponse> {
    let typed = q.code.as_deref().map(crate::certificate::issue::normalise_code).filter(|c| !c.is_empty());
    if let Some(code) = typed {
        let code: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
        return Ok(HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, format!("/verify/{code}")))
            .finish());
    }
    page(StatusCode::OK, &VerifyPage { badge: String::new(), tone: "none", rows: Vec::new() })
}
