//! `/verify/{code}`: the page a certificate's QR opens. Anyone can check a certificate without logging in: valid
//! (200) with the holder's masked name, class, dates, 学时 and serial; revoked (410) with the date; unknown (404).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::esc;
use crate::certificate::verify::{PublicCertificate, Verified, verify_code};
use crate::error::AppResult;
use crate::http::extract::client_addr;
use crate::state::AppState;

const STYLE: &str = r#"body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#222}
main{max-width:440px;margin:0 auto;padding:24px 18px}
h1{font-size:21px;margin:6px 0 14px}
.badge{display:inline-block;font-size:18px;font-weight:600;padding:8px 14px;border-radius:8px;margin-bottom:14px}
.ok{background:#e8f6ec;color:#17692f} .bad{background:#fdecec;color:#a61b1b} .none{background:#eee;color:#555}
dl{background:#fff;border-radius:10px;padding:6px 16px;margin:0}
dt{color:#777;font-size:13px;margin-top:10px} dd{margin:2px 0 8px;font-size:17px}
p{color:#666;font-size:13px;line-height:1.6}"#;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn details(c: &PublicCertificate) -> String {
    let rows = [
        ("持证人", c.holder_name.clone()),
        ("培训班", c.class_name.clone()),
        ("培训时间", format!("{} 至 {}", date(c.start_date), date(c.end_date))),
        ("学时", format!("{} 学时", c.credit_hours)),
        ("证书编号", c.serial.clone()),
        ("发证日期", date(c.issue_date)),
        ("发证单位", c.organiser.clone().unwrap_or_else(|| "培训基地".to_owned())),
    ];
    let items: String = rows.iter().map(|(k, v)| format!("<dt>{k}</dt><dd>{}</dd>", esc(v))).collect();
    format!("<dl>{items}</dl>")
}

fn page(status: StatusCode, badge: &str, class: &str, body: &str) -> HttpResponse {
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>结业证书验证</title><style>{STYLE}</style></head><body><main>
<h1>结业证书验证</h1><div class="badge {class}">{badge}</div>{body}
<p>本页面由培训基地证书系统提供，信息以系统记录为准。为保护个人信息，持证人姓名部分隐去。</p>
</main></body></html>"#
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html)
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest, code: web::Path<String>) -> AppResult<HttpResponse> {
    let client = client_addr(&req, &state);
    Ok(match verify_code(&state.db, &*state.infra.limiter, &state.settings, &client, &code).await? {
        Verified::Valid(c) => page(StatusCode::OK, "✓ 证书有效", "ok", &details(&c)),
        Verified::Revoked(c, at) => {
            let when = at.with_timezone(&crate::clock::china()).format("%Y年%-m月%-d日");
            page(StatusCode::GONE, &format!("✗ 证书已于{when}撤销"), "bad", &details(&c))
        }
        Verified::Unknown => page(
            StatusCode::NOT_FOUND,
            "未查询到该证书",
            "none",
            "<p>请核对证书上的验证码，或直接扫描证书左下角的二维码。</p>",
        ),
    })
}
