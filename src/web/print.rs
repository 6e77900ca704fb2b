//! Print pages, opened from signed, expiring links ([`crate::print_link`]) so a browser can print them without a staff login: the invite
//! sheet (one card per trainee with name, unit, invite code and a QR of the binding link) and the daily notice.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::esc;
use crate::class::service::get_class;
use crate::clock::local_hhmm;
use crate::error::{AppError, AppResult};
use crate::print_link::{PrintPage, check};
use crate::roster::service as roster;
use crate::state::AppState;

/// The daily notice as a PDF (A4), from the same signed link as the print page.
pub async fn daily_notice_pdf(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<SignedDay>,
) -> AppResult<HttpResponse> {
    let class_id = path.into_inner();
    check(&state.master_secret, PrintPage::Notice(query.date), class_id, query.exp, &query.sig, state.clock.now())?;
    let class = get_class(&state.db, class_id).await?;
    let scope = crate::class::ClassScope { class };
    let notice = crate::attendance::notice::daily(&state.db, &scope, query.date).await?;
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

pub async fn invite_sheet(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<Signed>,
) -> AppResult<HttpResponse> {
    let class_id = path.into_inner();
    check(&state.master_secret, PrintPage::InviteSheet, class_id, query.exp, &query.sig, state.clock.now())?;
    let class = get_class(&state.db, class_id).await?;
    let invites = roster::invites(&state.db, &state.master_secret, &state.base_url(), class_id).await?;
    let mut cards = String::new();
    for (i, inv) in invites.iter().enumerate() {
        cards.push_str(&format!(
            r#"<div class="card"><div class="qr">{qr}</div><div class="who"><div class="no">{no}</div><div class="name">{name}</div><div class="unit">{unit}</div><div class="code-label">邀请码</div><div class="code">{code}</div></div></div>"#,
            qr = crate::qr::render::svg(&inv.bind_url, 112)?,
            no = i + 1,
            name = esc(&inv.name),
            unit = esc(&inv.unit),
            code = esc(&inv.invite_code),
        ));
    }
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 学员邀请码</title>
<style>
body{{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:16px;color:#222}}
h1{{font-size:20px;margin:0 0 4px}} .sub{{color:#666;font-size:13px;margin-bottom:12px}}
.grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}}
.card{{display:flex;gap:10px;border:1px dashed #999;border-radius:6px;padding:10px;break-inside:avoid}}
.qr svg{{width:112px;height:112px}} .no{{color:#999;font-size:12px}} .name{{font-size:20px;font-weight:600}}
.unit{{font-size:13px;color:#555;margin:2px 0 6px}} .code-label{{font-size:12px;color:#999}}
.code{{font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:2px;font-weight:700}}
.actions{{margin:8px 0 14px}} button{{font-size:15px;padding:6px 14px}}
@media print{{.actions{{display:none}} body{{margin:0}} .grid{{grid-template-columns:repeat(2,1fr)}}}}
</style></head><body>
<h1>{title}</h1>
<div class="sub">培训班编号 {code} ｜ 共 {count} 人 ｜ 请学员用手机扫描二维码，或在小程序中输入邀请码完成绑定。邀请码仅限本人使用，换手机请联系班主任重置。</div>
<div class="actions"><button onclick="window.print()">打印</button></div>
<div class="grid">{cards}</div>
</body></html>"#,
        title = esc(&class.name),
        code = esc(&class.code),
        count = invites.len(),
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

/// The daily attendance notice (考勤公示), print-ready.
pub async fn daily_notice(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<SignedDay>,
) -> AppResult<HttpResponse> {
    let class_id = path.into_inner();
    check(&state.master_secret, PrintPage::Notice(query.date), class_id, query.exp, &query.sig, state.clock.now())?;
    let class = get_class(&state.db, class_id).await?;
    let scope = crate::class::ClassScope { class };
    let notice = crate::attendance::notice::daily(&state.db, &scope, query.date).await?;
    let mut sessions = String::new();
    for s in &notice.sessions {
        sessions.push_str(&format!(
            "<tr><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            local_hhmm(s.starts_at),
            local_hhmm(s.ends_at),
            esc(&s.title),
            s.expected,
            s.present + s.late + s.early_leave,
            s.late,
            s.early_leave,
            s.leave,
            s.absent
        ));
    }
    let section = |title: &str, lines: &[crate::attendance::notice::NoticeLine]| {
        let body = if lines.is_empty() {
            "<p class=\"none\">无</p>".to_owned()
        } else {
            let rows: String = lines
                .iter()
                .map(|l| {
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                        esc(&l.name),
                        esc(&l.unit),
                        local_hhmm(l.starts_at),
                        esc(&l.session_title),
                        esc(l.note.as_deref().unwrap_or(""))
                    )
                })
                .collect();
            format!("<table><tr><th>姓名</th><th>单位</th><th>课程</th><th>说明</th></tr>{rows}</table>")
        };
        format!("<h2>{title}（{}）</h2>{body}", lines.len())
    };
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · {date} 考勤公示</title>
<style>
body{{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",serif;margin:24px;color:#222}}
h1{{text-align:center;font-size:24px;margin:0 0 4px}} .sub{{text-align:center;color:#555;margin-bottom:18px}}
h2{{font-size:17px;border-left:4px solid #c8161d;padding-left:8px;margin:20px 0 8px}}
table{{width:100%;border-collapse:collapse;font-size:14px}} th,td{{border:1px solid #999;padding:5px 8px;text-align:left}}
th{{background:#f3f3f3}} .none{{color:#777}} .foot{{margin-top:28px;text-align:right;color:#333}}
.actions{{margin-bottom:12px}} @media print{{.actions{{display:none}} body{{margin:0}}}}
</style></head><body>
<div class="actions"><button onclick="window.print()">打印</button></div>
<h1>{name}考勤公示</h1>
<div class="sub">培训班编号 {code} ｜ {date}</div>
<h2>课程出勤情况</h2>
<table><tr><th>时间</th><th>课程</th><th>应到</th><th>实到</th><th>迟到</th><th>早退</th><th>请假</th><th>旷课</th></tr>{sessions}</table>
{late}{early}{absent}{leave}
<div class="foot">如对考勤有异议，请于当日向班主任提出。</div>
</body></html>"#,
        name = esc(&notice.class_name),
        code = esc(&notice.class_code),
        date = notice.date.format("%Y年%m月%d日"),
        late = section("迟到", &notice.late),
        early = section("早退", &notice.early_leave),
        absent = section("旷课", &notice.absent),
        leave = section("请假", &notice.leave),
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}
