//! The printable invite sheet: one card per trainee with name, unit, invite code and a QR of the binding link.
//! Opened from a signed, expiring link so a browser can print it without a staff login.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{esc, qr_svg};
use crate::class::service::get_class;
use crate::crypto;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::roster::service as roster;
use crate::state::AppState;

const LABEL: &str = "print-invites";

fn signature(state: &AppState, class_id: Uuid, exp: i64) -> AppResult<String> {
    let mac = crypto::mac(&state.master_secret, LABEL, &[class_id.as_bytes(), exp.to_string().as_bytes()])?;
    Ok(hex::encode(&mac[..16]))
}

/// A link to the class's invite sheet, valid until `until`.
pub fn invite_sheet_url(state: &AppState, class_id: Uuid, until: DateTime<Utc>) -> AppResult<String> {
    let exp = until.timestamp();
    Ok(format!(
        "{}/print/classes/{class_id}/invites?exp={exp}&sig={}",
        state.base_url(),
        signature(state, class_id, exp)?
    ))
}

#[derive(Deserialize)]
pub struct Signed {
    exp: i64,
    sig: String,
}

pub async fn invite_sheet(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<Signed>,
) -> AppResult<HttpResponse> {
    let class_id = path.into_inner();
    let expected = signature(&state, class_id, query.exp)?;
    let fresh = Utc.timestamp_opt(query.exp, 0).single().is_some_and(|exp| exp > state.clock.now());
    if !crypto::verify(expected.as_bytes(), query.sig.as_bytes()) || !fresh {
        return Err(AppError::with_message(ErrorCode::Forbidden, "打印链接已失效，请在系统中重新打开邀请码页面"));
    }
    let class = get_class(&state.db, class_id).await?;
    let invites = roster::invites(&state.db, &state.master_secret, &state.base_url(), class_id).await?;
    let mut cards = String::new();
    for (i, inv) in invites.iter().enumerate() {
        cards.push_str(&format!(
            r#"<div class="card"><div class="qr">{qr}</div><div class="who"><div class="no">{no}</div><div class="name">{name}</div><div class="unit">{unit}</div><div class="code-label">邀请码</div><div class="code">{code}</div></div></div>"#,
            qr = qr_svg(&inv.bind_url, 112)?,
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
