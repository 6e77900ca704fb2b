//! One class's audit trail as CSV for administrators: oldest first (it reads as a ledger), times in China time,
//! streamed page by page so a class with 100k rows never holds them all in memory at once.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::audit_log;
use crate::entity::vocab::ActorKind;
use crate::error::{AppError, AppResult};
use crate::tabular;

pub const HEADERS: &[&str] = &["时间", "操作人", "操作人类型", "操作", "对象", "对象编号", "修改前", "修改后", "原因"];

/// Rows per database round trip.
const PAGE: u64 = 500;

/// Where the previous page ended: the last row's (at, id).
type Cursor = (DateTime<Utc>, Uuid);

/// The class's rows recorded up to `upto`, oldest first, after `cursor`, at most `limit`. Keyset paging on
/// (at, id) with the (class_id, at) index, so late pages cost what early ones do.
pub async fn class_page<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
    upto: DateTime<Utc>,
    cursor: Option<Cursor>,
    limit: u64,
) -> AppResult<Vec<audit_log::Model>> {
    let mut query = audit_log::Entity::find()
        .filter(audit_log::Column::ClassId.eq(class_id))
        .filter(audit_log::Column::At.lte(upto));
    if let Some((at, id)) = cursor {
        query = query.filter(
            Condition::any()
                .add(audit_log::Column::At.gt(at))
                .add(Condition::all().add(audit_log::Column::At.eq(at)).add(audit_log::Column::Id.gt(id))),
        );
    }
    Ok(query.order_by_asc(audit_log::Column::At).order_by_asc(audit_log::Column::Id).limit(limit).all(conn).await?)
}

/// One CSV row, in the order of [`HEADERS`].
pub fn row(m: &audit_log::Model) -> Vec<String> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    vec![
        m.at.with_timezone(&crate::clock::china()).format("%Y-%m-%d %H:%M:%S").to_string(),
        m.actor_name.clone(),
        actor_kind_label(m.actor_kind).to_owned(),
        action_label(&m.action).to_owned(),
        entity_label(&m.entity).to_owned(),
        m.entity_id.clone(),
        json(&m.before),
        json(&m.after),
        m.reason.clone().unwrap_or_default(),
    ]
}

struct State {
    db: DatabaseConnection,
    class_id: Uuid,
    upto: DateTime<Utc>,
    cursor: Option<Cursor>,
    /// What `write_csv` puts before the first row (BOM and header line); later pages drop it.
    preamble: Option<Vec<u8>>,
    done: bool,
}

/// The class's trail as of `upto`, as a CSV body: a BOM and the header line, then one chunk per page of rows.
/// Every chunk goes through [`tabular::write_csv`], so cells are written (and neutralised) like every other export.
/// A database error mid-way ends the stream with that error: the client sees a cut-off download, never a short
/// file that looks complete.
pub fn class_csv(
    db: DatabaseConnection,
    class_id: Uuid,
    upto: DateTime<Utc>,
) -> impl Stream<Item = Result<Bytes, AppError>> + 'static {
    let state = State { db, class_id, upto, cursor: None, preamble: None, done: false };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        match next_chunk(&mut st).await {
            // An empty chunk would end a chunked body early; a last page of nothing just ends the stream.
            Ok(bytes) if bytes.is_empty() => None,
            Ok(bytes) => Some((Ok(bytes), st)),
            Err(err) => {
                tracing::error!(error = ?err, class_id = %st.class_id, "audit export failed mid-way");
                st.done = true;
                Some((Err(err), st))
            }
        }
    })
}

async fn next_chunk(st: &mut State) -> AppResult<Bytes> {
    let models = class_page(&st.db, st.class_id, st.upto, st.cursor, PAGE).await?;
    st.done = (models.len() as u64) < PAGE;
    st.cursor = models.last().map(|m| (m.at, m.id)).or(st.cursor);
    let rows: Vec<Vec<String>> = models.iter().map(row).collect();
    let csv = tabular::write_csv(HEADERS, &rows)?;
    let Some(preamble) = &st.preamble else {
        st.preamble = Some(tabular::write_csv(HEADERS, &[])?);
        return Ok(Bytes::from(csv));
    };
    let rest = csv
        .strip_prefix(preamble.as_slice())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("write_csv changed its header between pages")))?;
    Ok(Bytes::copy_from_slice(rest))
}

fn actor_kind_label(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Staff => "工作人员",
        ActorKind::Trainee => "学员",
        ActorKind::System => "系统",
    }
}

/// Every action the trail records, with the words an administrator reads.
pub const ACTIONS: &[(&str, &str)] = &[
    ("attendance.correct", "修改考勤"),
    ("session.create", "新增课程"),
    ("session.create_batch", "批量新增课程"),
    ("session.import", "导入课表"),
    ("session.update", "修改课程"),
    ("session.delete", "删除课程"),
    ("session.open", "开启签到"),
    ("session.close", "关闭签到"),
    ("screen_link.create", "创建大屏链接"),
    ("screen_link.revoke", "撤销大屏链接"),
    ("class.create", "创建培训班"),
    ("class.update", "修改培训班"),
    ("class.policy", "修改结业规则"),
    ("class.staff_assign", "分配工作人员"),
    ("class.staff_unassign", "移除工作人员"),
    ("roster.import", "导入名单"),
    ("roster.add", "添加学员"),
    ("roster.withdraw", "移出学员"),
    ("roster.invite_reset", "重置邀请码"),
    ("enrollment.bind_device", "绑定设备"),
    ("enrollment.bind_wechat", "绑定微信"),
    ("leave.request", "申请请假"),
    ("leave.cancel", "撤回请假"),
    ("leave.approve_step", "请假审批通过（待下一级）"),
    ("leave.approve", "批准请假"),
    ("leave.reject", "驳回请假"),
    ("leave.record", "补录请假"),
    ("discipline.record", "记录违纪"),
    ("discipline.annul", "撤销违纪记录"),
    ("completion.override", "人工认定结业"),
    ("certificate.issue", "发放结业证书"),
    ("certificate.revoke", "撤销结业证书"),
    ("certificate.reissue", "重新发放结业证书"),
    ("staff.create", "创建工作人员账号"),
    ("staff.disable", "停用工作人员账号"),
    ("staff.enable", "启用工作人员账号"),
    ("staff.password_set", "设置密码"),
];

/// What was done, in words an administrator reads; an action without a label shows its code.
pub fn action_label(action: &str) -> &str {
    ACTIONS.iter().find(|(a, _)| *a == action).map_or(action, |(_, label)| label)
}

pub fn entity_label(entity: &str) -> &str {
    match entity {
        "attendance" => "考勤记录",
        "class_session" => "课程",
        "training_class" => "培训班",
        "enrollment" => "学员",
        "leave_request" => "请假",
        "discipline_record" => "违纪记录",
        "certificate" => "结业证书",
        "staff_account" => "工作人员账号",
        other => other,
    }
}
