//! The evaluation questionnaire builder (评估问卷) for administrators: 系统管理 → 评估问卷 edits the base's default
//! form, and the class's 发起教学评估 form adjusts one class's questions with the same builder
//! (`console/evaluation_questions.html`).
//!
//! The builder is a plain form, so it works without script: every question is a set of indexed fields (`q3_id`,
//! `q3_text`, `q3_kind`, `q3_options` one option a line, `q3_scope` `course`|`class`, `q3_required`) plus one radio
//! `overall` (the index of the class's overall-satisfaction question, or `none`), and the button pressed is `op`:
//! `add_course`, `add_class`, `remove_3`, `up_3`, `down_3`, `reset`, or the page's own action (`save`, `create`).
//! Editing ops only re-render the page with the edited list (nothing is stored); htmx, where present, swaps just the
//! list. Ids of existing questions are kept (results are keyed by them); new ones get a fresh `q1`, `q2`, ….

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::admin::{admin, admin_posting};
use super::*;
use crate::clock::{local_date, local_hhmm};
use crate::evaluation::defaults::{self, DefaultFormInput};
use crate::evaluation::form::{self, Question, QuestionKind};

const PATH: &str = "/console/admin/evaluation-form";
/// More questions than a form may have (60) can still be shown, with the refusal; a posted list stops here.
const MAX_ROWS: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(PATH).app_data(form_limit()).route(web::get().to(show)).route(web::post().to(submit)));
}

/// A builder's form is larger than actix's default 16 KiB (60 questions, Chinese text, options).
pub(super) fn form_limit() -> web::FormConfig {
    web::FormConfig::default().limit(256 * 1024)
}

/// Each kind: its form value, the builder's label, and the summary's short label.
const KINDS: [(QuestionKind, &str, &str, &str); 6] = [
    (QuestionKind::Grade, "grade", "四级评价（非常满意/满意/基本满意/不满意）", "四级评价"),
    (QuestionKind::Stars, "stars", "星级（1–5 星）", "星级"),
    (QuestionKind::Score, "score", "百分制（0–100）", "百分制"),
    (QuestionKind::Single, "single", "单选", "单选"),
    (QuestionKind::Multiple, "multiple", "多选", "多选"),
    (QuestionKind::Text, "text", "文字意见", "文字意见"),
];

fn kind_entry(kind: QuestionKind) -> (QuestionKind, &'static str, &'static str, &'static str) {
    KINDS.iter().copied().find(|k| k.0 == kind).unwrap_or(KINDS[0])
}

/// One question as the builder shows and posts it (options as typed, one a line).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
    pub options: String,
    pub per_session: bool,
    pub required: bool,
    pub overall: bool,
}

impl Row {
    pub fn of(q: &Question) -> Row {
        Row {
            id: q.id.clone(),
            text: q.text.clone(),
            kind: q.kind,
            options: q.options.join("\n"),
            per_session: q.per_session,
            required: q.required,
            overall: q.overall,
        }
    }

    fn is_choice(&self) -> bool {
        matches!(self.kind, QuestionKind::Single | QuestionKind::Multiple)
    }

    /// The question it stands for: options only for choice questions, blank lines dropped.
    pub fn question(&self) -> Question {
        let options = if self.is_choice() {
            self.options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        Question {
            id: self.id.trim().to_owned(),
            text: self.text.trim().to_owned(),
            kind: self.kind,
            options,
            per_session: self.per_session,
            required: self.required,
            overall: self.overall,
        }
    }
}

pub(super) fn rows_of(questions: &[Question]) -> Vec<Row> {
    questions.iter().map(Row::of).collect()
}

pub(super) fn questions_of(rows: &[Row]) -> Vec<Question> {
    rows.iter().map(Row::question).collect()
}

/// The button pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// The page's own action (save, create); also Enter in a field and a form sent without `op`.
    Main,
    Add {
        per_session: bool,
    },
    Remove(usize),
    Up(usize),
    Down(usize),
    /// Load the page's starting questions (not stored).
    Reset,
    /// Anything else: show the list again.
    Refresh,
}

impl Op {
    pub fn parse(raw: Option<&str>) -> Op {
        let at = |rest: &str, f: fn(usize) -> Op| rest.parse().map_or(Op::Refresh, f);
        match raw {
            None | Some("save" | "create") => Op::Main,
            Some("add_course") => Op::Add { per_session: true },
            Some("add_class") => Op::Add { per_session: false },
            Some("reset") => Op::Reset,
            Some(op) => match op.split_once('_') {
                Some(("remove", i)) => at(i, Op::Remove),
                Some(("up", i)) => at(i, Op::Up),
                Some(("down", i)) => at(i, Op::Down),
                _ => Op::Refresh,
            },
        }
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The `op` button of a posted form.
pub(super) fn op_of(fields: &[(String, String)]) -> Op {
    Op::parse(field(fields, "op"))
}

/// The questions as posted, in index order; `None` when the form had no builder (its `builder` marker).
pub(super) fn read(fields: &[(String, String)]) -> Option<Vec<Row>> {
    field(fields, "builder")?;
    let mut indexes: Vec<usize> = fields
        .iter()
        .filter_map(|(k, _)| k.strip_prefix('q')?.strip_suffix("_id")?.parse().ok())
        .filter(|i| *i < 10 * MAX_ROWS)
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    indexes.truncate(MAX_ROWS);
    let overall = field(fields, "overall");
    Some(
        indexes
            .into_iter()
            .map(|i| {
                let get = |name: &str| field(fields, &format!("q{i}_{name}")).unwrap_or_default();
                Row {
                    id: get("id").to_owned(),
                    text: get("text").to_owned(),
                    kind: KINDS.iter().find(|k| k.1 == get("kind")).map_or(QuestionKind::Grade, |k| k.0),
                    options: get("options").replace("\r\n", "\n"),
                    per_session: get("scope") != "class",
                    required: !get("required").is_empty(),
                    overall: overall == Some(i.to_string().as_str()),
                }
            })
            .collect(),
    )
}

/// `q1`, `q2`, …: the first not taken.
fn fresh_id(rows: &[Row]) -> String {
    (1..).map(|n| format!("q{n}")).find(|id| rows.iter().all(|r| r.id.trim() != id)).unwrap_or_default()
}

/// The list after an editing op, course questions first, then the class's (each group in its own order).
pub(super) fn apply(mut rows: Vec<Row>, op: Op) -> Vec<Row> {
    let neighbour = |rows: &[Row], i: usize, up: bool| {
        let scope = rows.get(i)?.per_session;
        let same = |j: &usize| rows[*j].per_session == scope;
        if up { (0..i).rev().find(same) } else { (i + 1..rows.len()).find(same) }
    };
    match op {
        Op::Add { per_session } if rows.len() < MAX_ROWS => {
            let id = fresh_id(&rows);
            let kind = QuestionKind::Grade;
            let text = String::new();
            rows.push(Row { id, text, kind, options: String::new(), per_session, required: true, overall: false });
        }
        Op::Remove(i) if i < rows.len() => {
            rows.remove(i);
        }
        Op::Up(i) | Op::Down(i) => {
            if let Some(j) = neighbour(&rows, i, matches!(op, Op::Up(_))) {
                rows.swap(i, j);
            }
        }
        _ => {}
    }
    let (mut course, class): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.per_session);
    course.extend(class);
    course
}

/// A question as one row of the builder shows it.
pub(super) struct RowView {
    pub index: usize,
    /// Its place in its group, from 1.
    pub number: usize,
    pub first: bool,
    pub last: bool,
    pub row: Row,
    pub invalid: bool,
}

impl RowView {
    pub fn kind_code(&self) -> &'static str {
        kind_entry(self.row.kind).1
    }

    pub fn is_choice(&self) -> bool {
        self.row.is_choice()
    }

    /// 课程评价, 全班评价: the words before 「第 n 题」.
    pub fn group_name(&self) -> &'static str {
        if self.row.per_session { "课程评价" } else { "全班评价" }
    }
}

/// One group of the builder: the questions about each course (`per_session`) or about the class.
pub(super) struct Group {
    pub per_session: bool,
    pub rows: Vec<RowView>,
}

/// The builder as a page shows it: the questions, a refusal and the row it is about, where its buttons post.
pub(super) struct Builder {
    pub rows: Vec<Row>,
    pub error: Option<String>,
    /// The row the refusal is about (the first that is wrong on its own with the same message).
    pub invalid: Option<usize>,
    pub notice: Option<&'static str>,
    pub action: String,
}

impl Builder {
    pub fn new(rows: Vec<Row>, action: String) -> Builder {
        Builder { rows, error: None, invalid: None, notice: None, action }
    }

    /// Shows `message` (a refusal of the questions) above the list and marks the row it is about.
    pub fn refuse(&mut self, message: String) {
        self.invalid =
            self.rows.iter().position(|r| form::check_questions(&[r.question()]).err() == Some(message.clone()));
        self.error = Some(message);
    }

    /// The questions about each course, then those about the class.
    pub fn groups(&self) -> [Group; 2] {
        [true, false].map(|per_session| Group { per_session, rows: self.group(per_session) })
    }

    fn group(&self, per_session: bool) -> Vec<RowView> {
        let members: Vec<usize> = (0..self.rows.len()).filter(|i| self.rows[*i].per_session == per_session).collect();
        members
            .iter()
            .enumerate()
            .map(|(n, &index)| RowView {
                index,
                number: n + 1,
                first: n == 0,
                last: n + 1 == members.len(),
                row: self.rows[index].clone(),
                invalid: self.invalid == Some(index),
            })
            .collect()
    }

    pub fn has_overall(&self) -> bool {
        self.rows.iter().any(|r| r.overall && !r.per_session)
    }

    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        KINDS.iter().map(|k| (k.1, k.2)).collect()
    }
}

/// The questions in words, per group: 「现实针对性、理论性（四级评价）；对本课程的意见和建议（文字意见）」, runs of one
/// kind together; `（无）` for an empty group.
pub(super) fn summary(rows: &[Row], per_session: bool) -> String {
    let mut runs: Vec<(QuestionKind, Vec<String>)> = Vec::new();
    for r in rows.iter().filter(|r| r.per_session == per_session) {
        let text = Some(r.text.trim()).filter(|t| !t.is_empty()).unwrap_or("（未填写题目）").to_owned();
        match runs.last_mut() {
            Some((kind, texts)) if *kind == r.kind => texts.push(text),
            _ => runs.push((r.kind, vec![text])),
        }
    }
    if runs.is_empty() {
        return "（无）".to_owned();
    }
    runs.iter()
        .map(|(kind, texts)| format!("{}（{}）", texts.join("、"), kind_entry(*kind).3))
        .collect::<Vec<_>>()
        .join("；")
}

#[derive(Template)]
#[template(path = "console/admin_evaluation_form.html")]
struct FormPage {
    frame: Frame,
    builder: Builder,
    /// 「张三，2026-11-26 08:00」; `None` while it is the built-in form.
    changed: Option<String>,
    saved: bool,
}

async fn form_page(
    state: &AppState,
    session: &Session,
    builder: Builder,
    saved: bool,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let current = defaults::get(&state.db).await?;
    let changed = match (current.updated_by, current.updated_at) {
        (Some(who), Some(at)) => Some(format!("{who}，{} {}", local_date(at), local_hhmm(at))),
        _ => None,
    };
    let shown = FormPage { frame: Frame::of(session, "admin"), builder, changed, saved };
    page(status, &shown)
}

fn builder(rows: Vec<Row>) -> Builder {
    Builder::new(rows, PATH.to_owned())
}

async fn show(req: HttpRequest, state: web::Data<AppState>, q: web::Query<DoneQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let rows = rows_of(&defaults::questions(&state.db).await?);
    form_page(&state, &session, builder(rows), q.done.as_deref() == Some("saved"), StatusCode::OK).await
}

/// An editing op shows the edited list; `save` stores it as the base's default (then back, with 已保存).
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let session = match admin_posting(&req, &state, field(&form, "csrf")).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let posted = match read(&form) {
        Some(rows) => rows,
        None => rows_of(&defaults::questions(&state.db).await?),
    };
    let op = op_of(&form);
    if op == Op::Main {
        let posted = apply(posted, Op::Refresh);
        let input = DefaultFormInput { questions: questions_of(&posted) };
        return match defaults::save(state.at_now(), &session.staff.actor(), input).await {
            Ok(_) => Ok(see_other(&format!("{PATH}?done=saved"))),
            Err(e) => match correctable(&e) {
                Some(status) => {
                    let mut shown = builder(posted);
                    shown.refuse(e.message.into_owned());
                    form_page(&state, &session, shown, false, status).await
                }
                None => Err(e),
            },
        };
    }
    let mut shown = match op {
        Op::Reset => builder(rows_of(&form::default_questions())),
        op => builder(apply(posted, op)),
    };
    shown.notice = Some(if op == Op::Reset {
        "已载入系统内置问卷，点击「保存为本基地默认问卷」后生效。"
    } else {
        "修改尚未保存，点击「保存为本基地默认问卷」后生效。"
    });
    form_page(&state, &session, shown, false, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn ops_parse_from_the_button_value() {
        for (raw, op) in [
            (None, Op::Main),
            (Some("save"), Op::Main),
            (Some("create"), Op::Main),
            (Some("add_course"), Op::Add { per_session: true }),
            (Some("add_class"), Op::Add { per_session: false }),
            (Some("remove_3"), Op::Remove(3)),
            (Some("up_0"), Op::Up(0)),
            (Some("down_12"), Op::Down(12)),
            (Some("reset"), Op::Reset),
            (Some("up_x"), Op::Refresh),
            (Some("drop_table"), Op::Refresh),
        ] {
            assert_eq!(Op::parse(raw), op, "{raw:?}");
        }
    }

    #[test]
    fn a_new_question_gets_an_unused_id_and_moves_stay_within_their_group() {
        let rows = rows_of(&form::default_questions());
        let mut with_q1 = rows.clone();
        with_q1[0].id = "q1".into();
        let added = apply(with_q1, Op::Add { per_session: true });
        assert_eq!(added[6].id, "q2", "after the course questions, q1 taken");
        assert!(added[6].per_session && added.iter().skip(7).all(|r| !r.per_session));

        let first_class = rows.iter().position(|r| !r.per_session).unwrap();
        let up = apply(rows.clone(), Op::Up(first_class));
        assert_eq!(up, rows, "the first class question does not climb into the course group");
        let down = apply(rows.clone(), Op::Down(0));
        assert_eq!((down[0].id.as_str(), down[1].id.as_str()), ("theory", "fit"));
        assert_eq!(apply(rows.clone(), Op::Remove(99)), rows, "an index past the end changes nothing");
    }

    #[test]
    fn posted_fields_read_back_as_rows_in_index_order() {
        let fields = posted(&[
            ("builder", "1"),
            ("q10_id", "b"),
            ("q10_text", "选项题"),
            ("q10_kind", "single"),
            ("q10_options", "甲\r\n\r\n乙\r\n"),
            ("q10_scope", "class"),
            ("q2_id", "a"),
            ("q2_text", "总体"),
            ("q2_kind", "grade"),
            ("q2_scope", "class"),
            ("q2_required", "1"),
            ("overall", "2"),
        ]);
        let rows = read(&fields).unwrap();
        let qs = questions_of(&rows);
        assert_eq!(qs.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(qs[0].overall && qs[0].required && !qs[0].per_session);
        assert_eq!(qs[1].options, ["甲", "乙"]);
        assert!(!qs[1].overall && !qs[1].required);
        assert_eq!(read(&posted(&[("q0_id", "x")])), None, "no builder marker");
    }

    #[test]
    fn the_summary_groups_runs_of_one_kind() {
        let rows = rows_of(&form::default_questions());
        assert_eq!(
            summary(&rows, true),
            "现实针对性、理论性、信息量、语言表达、教风教态（四级评价）；对本课程的意见和建议（文字意见）"
        );
        assert_eq!(summary(&[], false), "（无）");
    }
}
