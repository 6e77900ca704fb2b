//! Demo mode: a training base to click through, created on the embedded database only. A class running today,
//! today's timetable, 30 trainees with their invite codes, a leave request waiting for the 班主任, leave recorded
//! after the fact and a discipline record.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::attendance::model::AttendanceStatus;
use crate::audit::Actor;
use crate::auth::service::{self, NewStaff};
use crate::auth::{DisplayName, Password, Role, StaffAccount, StaffPrincipal, TraineePrincipal, Username, repo};
use crate::class::access::class_scope;
use crate::class::service::{self as classes, ClassInput};
use crate::class::{ClassKind, ClassStatus, StaffRole};
use crate::clock::{from_local, local_date};
use crate::config::DatabaseKind;
use crate::discipline::{self, Category, DisciplineInput, Severity};
use crate::entity::attendance::AttendanceSource;
use crate::error::{AppError, AppResult};
use crate::leave::model::{LeaveInput, LeaveKind, LeaveRecordInput};
use crate::leave::service as leave;
use crate::roster::model::{PersonFields, RawPerson};
use crate::roster::service as roster;
use crate::state::AppState;
use crate::timetable::model::SessionInput;
use crate::timetable::service as timetable;
use crate::timetable::{CoordSystem, Geofence, SessionKind};

pub const ADMIN: (&str, &str) = ("demo-admin", "demo-admin-pass");
pub const STAFF: (&str, &str) = ("demo-staff", "demo-staff-pass");
pub const CLASS_CODE: &str = "DEMO-2026-QN";
/// A class that finished two weeks ago, with its certificates issued.
pub const FINISHED_CODE: &str = "DEMO-2026-ZT";

/// What the demo made, for the start-up banner.
pub struct Demo {
    pub class_id: Uuid,
    /// Today's session whose check-in opens next (or is open now), for the big-screen and monitor links.
    pub session_id: Option<Uuid>,
    /// A classroom big-screen link for that session.
    pub screen_url: Option<String>,
    /// The public verification page of a certificate of the finished demo class.
    pub verify_url: Option<String>,
}

/// Creates the demo accounts and class if they are missing. Refuses anything but the embedded SQLite database so
/// demo accounts can never appear in a production database.
pub async fn seed(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Demo> {
    anyhow::ensure!(
        state.settings.database_kind() == DatabaseKind::Sqlite,
        "demo mode runs on the embedded SQLite database only; unset DATABASE_URL"
    );
    let actor = Actor::system("demo");
    let admin = ensure_account(state, &actor, ADMIN, "演示管理员", Role::Admin, now).await.map_err(to_anyhow)?;
    let staff = ensure_account(state, &actor, STAFF, "演示班主任", Role::Staff, now).await.map_err(to_anyhow)?;
    let class_id = ensure_class(state, &actor, admin.clone(), staff.clone(), now).await.map_err(to_anyhow)?;
    let principal = StaffPrincipal { token_id: Uuid::nil(), staff: admin.clone() };
    let verify_url = ensure_finished_class(state, &actor, admin, staff, now).await.map_err(to_anyhow)?;
    let session_id = Some(ensure_open_session(state, &actor, &principal, class_id, now).await.map_err(to_anyhow)?);
    let mut screen_url = None;
    if let Some(id) = session_id
        && let Some(session) = crate::entity::class_session::Entity::find_by_id(id).one(&state.db).await?
    {
        let base = state.base_url();
        let link = crate::live::screen::create(&state.db, &actor, &base, &session, now).await.map_err(to_anyhow)?;
        screen_url = Some(link.url);
    }
    Ok(Demo { class_id, session_id, screen_url, verify_url })
}

/// A session of the demo class whose check-in is open now, whatever the hour the demo starts: one of today's, or
/// else a practice session made for this start (it does not count toward attendance, so no one is marked absent
/// for it and the demo's completion figures stay as seeded).
async fn ensure_open_session(
    state: &AppState,
    actor: &Actor,
    admin: &StaffPrincipal,
    class_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let today = timetable::rows(&state.db, &[class_id], Some(local_date(now))).await?;
    let open = today
        .iter()
        .find(|s| crate::timetable::window::window_state(s, now) == crate::timetable::window::WindowState::Open);
    if let Some(s) = open {
        return Ok(s.id);
    }
    let scope = class_scope(&state.db, admin, class_id).await?;
    let starts = now - Duration::minutes(5);
    let input = SessionInput {
        title: Some("签到体验：扫描大屏二维码".to_owned()),
        kind: Some(SessionKind::Lecture),
        starts_at: Some(starts),
        ends_at: Some(starts + Duration::minutes(90)),
        credit_hours: Some(1.5),
        venue: Some(Some("主教学楼 301 教室".to_owned())),
        counts_toward_attendance: Some(false),
        ..SessionInput::default()
    };
    Ok(timetable::create(&state.db, actor, &scope, input, now).await?.id)
}

fn to_anyhow(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

async fn ensure_account(
    state: &AppState,
    actor: &Actor,
    (username, password): (&str, &str),
    display_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<StaffAccount> {
    if let Some(existing) = repo::find_staff_by_username(&state.db, username).await? {
        return Ok(StaffAccount::from_model(&existing));
    }
    let new = NewStaff {
        username: Username::parse(username)?,
        display_name: DisplayName::parse(display_name)?,
        password: Password::parse(password)?,
        role,
    };
    service::create_staff(&state.db, actor, new, now).await
}

async fn ensure_class(
    state: &AppState,
    actor: &Actor,
    admin: StaffAccount,
    staff: StaffAccount,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let admin = StaffPrincipal { token_id: Uuid::nil(), staff: admin };
    let existing = classes::list_classes(
        &state.db,
        &admin,
        classes::ClassFilter::default(),
        crate::pagination::PageRequest { page: 1, per_page: 200 },
    )
    .await?
    .items
    .into_iter()
    .find(|c| c.code == CLASS_CODE);
    if let Some(class) = existing {
        return Ok(class.id);
    }
    let today = local_date(now);
    let input = ClassInput {
        code: Some(CLASS_CODE.to_owned()),
        name: Some("2026年秋季中青年干部培训班".to_owned()),
        kind: Some(ClassKind::Main),
        start_date: Some(today - Duration::days(2)),
        end_date: Some(today + Duration::days(11)),
        organiser: Some(Some("中共某某市委组织部".to_owned())),
        venue: Some(Some("市委党校 主教学楼 301 教室".to_owned())),
        status: Some(ClassStatus::Open),
    };
    let class = classes::create_class(&state.db, actor, input, now).await?;
    let scope = class_scope(&state.db, &admin, class.id).await?;
    classes::assign_staff(&state.db, actor, &scope, staff.id, StaffRole::HeadTeacher, now).await?;

    let at = |h: u32, m: u32| from_local(today, NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN));
    let classroom = Geofence { lat: 30.657_34, lng: 104.065_73, radius_m: 300, coord: CoordSystem::Gcj02 };
    let sessions = [
        ("晨读：《习近平谈治国理政》选读", SessionKind::Morning, at(7, 30), at(8, 0), 0.5, "主教学楼前广场", None),
        (
            "专题讲授：全面从严治党的新形势新任务",
            SessionKind::Lecture,
            at(8, 30),
            at(11, 30),
            3.0,
            "主教学楼 301 教室",
            Some(classroom),
        ),
        (
            "现场教学：红色教育基地",
            SessionKind::Onsite,
            at(14, 30),
            at(17, 30),
            3.0,
            "市革命历史纪念馆",
            Some(Geofence { lat: 30.672_10, lng: 104.081_20, radius_m: 500, coord: CoordSystem::Gcj02 }),
        ),
        (
            "结构化研讨：推动高质量发展的实践路径",
            SessionKind::Discussion,
            at(19, 0),
            at(20, 30),
            1.5,
            "研讨室 A",
            Some(classroom),
        ),
    ];
    let mut session_ids = Vec::new();
    for (title, kind, starts, ends, credit, venue, geofence) in sessions {
        let input = SessionInput {
            title: Some(title.to_owned()),
            kind: Some(kind),
            starts_at: Some(starts),
            ends_at: Some(ends),
            credit_hours: Some(credit),
            venue: Some(Some(venue.to_owned())),
            teacher: Some(match kind {
                SessionKind::Lecture => Some("李明教授".to_owned()),
                SessionKind::Onsite => Some("张华研究员".to_owned()),
                SessionKind::Discussion => Some("王芳副教授".to_owned()),
                _ => None,
            }),
            geofence: Some(geofence),
            ..SessionInput::default()
        };
        session_ids.push(timetable::create(&state.db, actor, &scope, input, now).await?.id);
    }
    let mut enrolled = Vec::new();
    for (i, t) in trainees().iter().enumerate() {
        let phone = format!("1390000{:04}", i + 1);
        let no = format!("2026QN{:03}", i + 1);
        let raw =
            RawPerson { name: &t.0, gender: t.1, phone: &phone, unit: t.2, post: t.3, rank: t.4, student_no: &no };
        let fields = PersonFields::parse(&raw).map_err(|(_, e)| e)?;
        enrolled.push(roster::add_one(&state.db, &state.master_secret, actor, &scope, fields, now).await?);
    }
    seed_leave_and_discipline(state, &admin, &staff, &scope, &session_ids, &enrolled, now).await?;
    Ok(class.id)
}

/// Something in each staff list: a request waiting for the 班主任, leave recorded after the fact, a discipline
/// record.
async fn seed_leave_and_discipline(
    state: &AppState,
    admin: &StaffPrincipal,
    staff: &StaffAccount,
    scope: &crate::class::ClassScope,
    sessions: &[Uuid],
    enrolled: &[crate::roster::model::RosterEntry],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (Some(morning), Some(evening), Some(asker), Some(excused), Some(phone_user)) =
        (sessions.first(), sessions.get(3), enrolled.get(4), enrolled.get(2), enrolled.get(6))
    else {
        return Ok(());
    };
    let deps = state.at(now);
    let trainee =
        TraineePrincipal { token_id: Uuid::nil(), person_id: asker.person_id, name: asker.name.clone(), device: None };
    let input = LeaveInput {
        class_id: scope.class.id,
        kind: LeaveKind::Sick,
        reason: "感冒发烧，需到医院就诊".to_owned(),
        session_ids: Some(vec![*evening]),
        starts_at: None,
        ends_at: None,
        attachment_id: None,
    };
    leave::request(deps, &trainee, input).await?;
    let head = StaffPrincipal { token_id: Uuid::nil(), staff: staff.clone() };
    let record = LeaveRecordInput {
        enrollment_id: excused.enrollment_id,
        kind: LeaveKind::Official,
        reason: "单位紧急公务".to_owned(),
        session_ids: Some(vec![*morning]),
        starts_at: None,
        ends_at: None,
        record_reason: "单位来函，班主任电话核实".to_owned(),
    };
    leave::record(deps, &head, scope, record).await?;
    let ddeps = state.at(now);
    let input = DisciplineInput {
        enrollment_id: phone_user.enrollment_id,
        category: Category::Classroom,
        severity: Severity::Minor,
        occurred_at: now - Duration::days(1),
        description: "专题讲授期间多次使用手机，经提醒后改正".to_owned(),
        evidence: Some("授课教师反映，班主任现场确认".to_owned()),
        attachment_id: None,
    };
    discipline::record(ddeps, admin, scope, input).await?;
    Ok(())
}

/// A 专题班 that ran three days two weeks ago with the same trainees: one absent three times, one on leave over
/// 1/7, two late twice; finished, certificates issued to the rest. Returns one certificate's verification page.
async fn ensure_finished_class(
    state: &AppState,
    actor: &Actor,
    admin: StaffAccount,
    staff: StaffAccount,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    use crate::entity::{attendance, certificate};
    use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
    let admin = StaffPrincipal { token_id: Uuid::nil(), staff: admin };
    let page = crate::pagination::PageRequest { page: 1, per_page: 200 };
    let existing = classes::list_classes(&state.db, &admin, classes::ClassFilter::default(), page)
        .await?
        .items
        .into_iter()
        .find(|c| c.code == FINISHED_CODE);
    let base = state.base_url();
    if let Some(class) = existing {
        let cert = certificate::Entity::find()
            .filter(certificate::Column::ClassId.eq(class.id))
            .filter(certificate::Column::RevokedAt.is_null())
            .one(&state.db)
            .await?;
        return Ok(cert.map(|c| crate::certificate::issue::verify_url(&base, &c.verification_code)));
    }
    let first = local_date(now) - Duration::days(16);
    let input = ClassInput {
        code: Some(FINISHED_CODE.to_owned()),
        name: Some("2026年基层党建工作专题培训班".to_owned()),
        kind: Some(ClassKind::Topic),
        start_date: Some(first),
        end_date: Some(first + Duration::days(2)),
        organiser: Some(Some("中共某某市委党校".to_owned())),
        venue: Some(Some("市委党校 综合楼 205 教室".to_owned())),
        status: Some(ClassStatus::Open),
    };
    let class = classes::create_class(&state.db, actor, input, now).await?;
    let scope = class_scope(&state.db, &admin, class.id).await?;
    classes::assign_staff(&state.db, actor, &scope, staff.id, StaffRole::HeadTeacher, now).await?;
    let mut sessions = Vec::new();
    for day in 0..3 {
        let date = first + Duration::days(day);
        for (h, title) in [(8, "专题讲授：新时代基层党组织建设"), (14, "现场教学与研讨交流")] {
            let at = |hh: u32, mm: u32| from_local(date, NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN));
            let input = SessionInput {
                title: Some(title.to_owned()),
                kind: Some(if h == 8 { SessionKind::Lecture } else { SessionKind::Discussion }),
                starts_at: Some(at(h, 30)),
                ends_at: Some(at(h + 3, 30)),
                credit_hours: Some(3.0),
                ..SessionInput::default()
            };
            sessions.push(timetable::create(&state.db, actor, &scope, input, now).await?);
        }
    }
    let mut enrolled = Vec::new();
    for (i, t) in trainees().iter().enumerate() {
        let phone = format!("1390000{:04}", i + 1);
        let no = format!("2026ZT{:03}", i + 1);
        let raw =
            RawPerson { name: &t.0, gender: t.1, phone: &phone, unit: t.2, post: t.3, rank: t.4, student_no: &no };
        let fields = PersonFields::parse(&raw).map_err(|(_, e)| e)?;
        enrolled.push(roster::add_one(&state.db, &state.master_secret, actor, &scope, fields, now).await?);
    }
    let mut rows = Vec::new();
    for (i, e) in enrolled.iter().enumerate() {
        for (n, s) in sessions.iter().enumerate() {
            let status = match (i, n) {
                (9, 0..=2) => AttendanceStatus::Absent,
                (12, 3) => continue, // on leave: recorded below
                (17 | 23, 0 | 4) => AttendanceStatus::Late,
                _ => AttendanceStatus::Present,
            };
            rows.push(attendance::ActiveModel {
                id: Set(Uuid::now_v7()),
                session_id: Set(s.id),
                enrollment_id: Set(e.enrollment_id),
                status: Set(status),
                checked_in_at: Set((status != AttendanceStatus::Absent).then_some(s.starts_at)),
                checked_out_at: Set(None),
                source: Set(if status == AttendanceStatus::Absent {
                    AttendanceSource::Auto
                } else {
                    AttendanceSource::Scan
                }),
                nonce: Set(None),
                device: Set(None),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    for chunk in rows.chunks(crate::entity::ROWS_PER_INSERT) {
        attendance::Entity::insert_many(chunk.to_vec()).exec_without_returning(&state.db).await?;
    }
    if let (Some(on_leave), Some(session)) = (enrolled.get(12), sessions.get(3)) {
        let deps = state.at(now);
        let record = LeaveRecordInput {
            enrollment_id: on_leave.enrollment_id,
            kind: LeaveKind::Personal,
            reason: "家中老人住院".to_owned(),
            session_ids: Some(vec![session.id]),
            starts_at: None,
            ends_at: None,
            record_reason: "学员当日电话请假，班主任事后补录".to_owned(),
        };
        leave::record(deps, &StaffPrincipal { token_id: Uuid::nil(), staff }, &scope, record).await?;
    }
    let finished = ClassInput { status: Some(ClassStatus::Finished), ..ClassInput::default() };
    classes::update_class(&state.db, actor, scope, finished, now).await?;
    let scope = class_scope(&state.db, &admin, class.id).await?;
    let deps = state.at(now);
    let report = crate::certificate::issue::issue_class(deps, &admin, &scope).await?;
    Ok(report.certificates.first().map(|c| c.verify_url.clone()))
}

/// 30 plausible trainees: name, gender, unit, post, rank.
fn trainees() -> Vec<(String, &'static str, &'static str, &'static str, &'static str)> {
    const SURNAMES: [&str; 15] =
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡"];
    const GIVEN: [(&str, &str); 30] = [
        ("建国", "男"),
        ("丽华", "女"),
        ("志强", "男"),
        ("秀英", "女"),
        ("海峰", "男"),
        ("晓燕", "女"),
        ("卫东", "男"),
        ("静", "女"),
        ("明", "男"),
        ("婷婷", "女"),
        ("俊杰", "男"),
        ("桂芳", "女"),
        ("立新", "男"),
        ("雪梅", "女"),
        ("文博", "男"),
        ("慧敏", "女"),
        ("国庆", "男"),
        ("丹", "女"),
        ("振华", "男"),
        ("玉兰", "女"),
        ("宏伟", "男"),
        ("佳琪", "女"),
        ("永刚", "男"),
        ("春霞", "女"),
        ("鹏", "男"),
        ("红梅", "女"),
        ("德明", "男"),
        ("思远", "男"),
        ("凤英", "女"),
        ("浩然", "男"),
    ];
    const UNITS: [(&str, &str, &str); 10] = [
        ("市发展和改革委员会", "综合科科长", "正科级"),
        ("市财政局", "预算科副科长", "副科级"),
        ("市教育局", "办公室主任", "正科级"),
        ("市卫生健康委员会", "医政医管科科长", "正科级"),
        ("市住房和城乡建设局", "副局长", "副处级"),
        ("高新区管委会", "经济发展局副局长", "副处级"),
        ("青羊区委组织部", "干部科科长", "正科级"),
        ("锦江区人民政府", "办公室副主任", "副处级"),
        ("市生态环境局", "法规科科长", "正科级"),
        ("市农业农村局", "乡村振兴科副科长", "副科级"),
    ];
    GIVEN
        .iter()
        .enumerate()
        .map(|(i, (given, gender))| {
            let (unit, post, rank) = UNITS[i % UNITS.len()];
            (format!("{}{}", SURNAMES[i % SURNAMES.len()], given), *gender, unit, post, rank)
        })
        .collect()
}
