//! 考勤与结业规则: a class's completion limits and leave approval chain as a form, each rule explained in one
//! sentence. Everyone on the class reads it; administrators change it (the policy service, audited with a reason).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::*;
use crate::completion::policy::{AbsenceUnit, FirstApprover};
use crate::completion::{ClassPolicy, CompletionPolicy, LeaveApproval, LeaveFraction, service as policies};
use crate::discipline::Severity;
use crate::online::OnlineRule;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/classes/{id}/policy").route(web::get().to(show)).route(web::post().to(save)));
}

/// The policy form as typed (blank means "no limit" where a rule may be off).
#[derive(Deserialize, Clone, Default)]
pub struct PolicyForm {
    #[serde(default)]
    leave_num: String,
    #[serde(default)]
    leave_den: String,
    #[serde(default)]
    max_absences: String,
    #[serde(default)]
    absence_unit: String,
    #[serde(default)]
    lates_per_absence: String,
    #[serde(default)]
    max_lates: String,
    #[serde(default)]
    late_warning_at: String,
    #[serde(default)]
    withhold_severity: String,
    #[serde(default)]
    min_attended_hours: String,
    #[serde(default)]
    max_online_hours: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    require_evaluation: Option<String>,
    /// The class's rule for its online sessions.
    #[serde(default)]
    present_percent: String,
    #[serde(default)]
    absent_below_percent: String,
    #[serde(default)]
    short_status: String,
    #[serde(default)]
    late_minutes: String,
    #[serde(default)]
    early_minutes: String,
    #[serde(default)]
    first_step: String,
    #[serde(default)]
    admin_over_hours: String,
    #[serde(default)]
    trainee_backdate_hours: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

fn blank_or<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A number that may be left blank (the rule is off), or a refusal on `field`.
fn optional<T: std::str::FromStr>(raw: &str, field: &'static str, what: &str) -> AppResult<Option<T>> {
    if raw.trim().is_empty() { Ok(None) } else { number(raw, field, what).map(Some) }
}

impl PolicyForm {
    fn of(p: &ClassPolicy, online: &OnlineRule) -> PolicyForm {
        let c = &p.completion;
        let l = &p.leave_approval;
        let [present_percent, absent_below_percent, short_status, late_minutes, early_minutes] =
            super::online::rule_fields(online);
        PolicyForm {
            max_online_hours: blank_or(c.max_online_hours),
            require_evaluation: c.require_evaluation.then(|| "on".to_owned()),
            present_percent,
            absent_below_percent,
            short_status,
            late_minutes,
            early_minutes,
            leave_num: c.leave_limit.num.to_string(),
            leave_den: c.leave_limit.den.to_string(),
            max_absences: blank_or(c.max_absences),
            absence_unit: match c.absence_unit {
                AbsenceUnit::Sessions => "sessions",
                AbsenceUnit::HalfDays => "half_days",
            }
            .to_owned(),
            lates_per_absence: blank_or(c.lates_per_absence),
            max_lates: blank_or(c.max_lates),
            late_warning_at: blank_or(c.late_warning_at),
            withhold_severity: c.withhold_severity.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            min_attended_hours: blank_or(c.min_attended_hours),
            first_step: match l.first_step {
                FirstApprover::HeadTeacher => "head_teacher",
                FirstApprover::ClassStaff => "class_staff",
            }
            .to_owned(),
            admin_over_hours: blank_or(l.admin_over_hours),
            trainee_backdate_hours: l.trainee_backdate_hours.to_string(),
            reason: String::new(),
            csrf: None,
        }
    }

    fn policy(&self) -> AppResult<ClassPolicy> {
        Ok(ClassPolicy {
            leave_approval: LeaveApproval {
                first_step: if self.first_step == "class_staff" {
                    FirstApprover::ClassStaff
                } else {
                    FirstApprover::HeadTeacher
                },
                admin_over_hours: optional(&self.admin_over_hours, "admin_over_hours", "学时")?,
                trainee_backdate_hours: number(&self.trainee_backdate_hours, "trainee_backdate_hours", "小时数")?,
            },
            completion: CompletionPolicy {
                leave_limit: LeaveFraction {
                    num: number(&self.leave_num, "leave_limit", "分子")?,
                    den: number(&self.leave_den, "leave_limit", "分母")?,
                },
                max_absences: optional(&self.max_absences, "max_absences", "次数")?,
                absence_unit: if self.absence_unit == "half_days" {
                    AbsenceUnit::HalfDays
                } else {
                    AbsenceUnit::Sessions
                },
                lates_per_absence: optional(&self.lates_per_absence, "lates_per_absence", "次数")?,
                max_lates: optional(&self.max_lates, "max_lates", "次数")?,
                late_warning_at: optional(&self.late_warning_at, "late_warning_at", "次数")?,
                withhold_severity: Severity::parse(&self.withhold_severity),
                min_attended_hours: optional(&self.min_attended_hours, "min_attended_hours", "学时")?,
                max_online_hours: optional(&self.max_online_hours, "max_online_hours", "学时")?,
                require_evaluation: self.require_evaluation.is_some(),
            },
        })
    }

    fn online_rule(&self) -> AppResult<OnlineRule> {
        let fields = [
            &self.present_percent,
            &self.absent_below_percent,
            &self.short_status,
            &self.late_minutes,
            &self.early_minutes,
        ];
        super::online::typed_rule(fields.map(String::as_str))
    }
}

#[derive(Template)]
#[template(path = "console/policy.html")]
struct PolicyPage {
    frame: Frame,
    head: ClassHead,
    form: PolicyForm,
    severities: Vec<(&'static str, &'static str)>,
    short_statuses: Vec<(&'static str, &'static str)>,
    saved: bool,
    error: Option<(Option<&'static str>, String)>,
}

const POLICY_FIELDS: [&str; 16] = [
    "leave_limit",
    "max_online_hours",
    "present_percent",
    "absent_below_percent",
    "short_status",
    "late_minutes",
    "early_minutes",
    "rule",
    "max_absences",
    "lates_per_absence",
    "max_lates",
    "late_warning_at",
    "min_attended_hours",
    "admin_over_hours",
    "trainee_backdate_hours",
    "reason",
];

impl PolicyPage {
    fn new(session: &Session, scope: &ClassScope, form: PolicyForm, saved: bool, error: Option<AppError>) -> Self {
        PolicyPage {
            frame: Frame::of(session, "classes"),
            head: ClassHead::of(scope, "/policy"),
            form,
            severities: [Severity::Minor, Severity::Serious, Severity::Grave]
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            short_statuses: super::online::short_statuses(),
            saved,
            error: error.and_then(shown_error),
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _)) if POLICY_FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let online = crate::online::service::class_rule(&scope.class).unwrap_or_default();
    let form = PolicyForm::of(&ClassPolicy::of(&scope.class), &online);
    page(StatusCode::OK, &PolicyPage::new(&session, &scope, form, q.saved.is_some(), None))
}

async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<PolicyForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, "只有管理员可以修改考勤与结业规则。").await?
    {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let form = form.into_inner();
    // Both checked before either is saved; the online rule is stored only when it changes (the defaults stay
    // "the defaults" until someone sets a rule of the class's own).
    let saved = match form.policy().and_then(|p| Ok((p, form.online_rule()?))) {
        Ok((policy, online)) => {
            let actor = session.staff.actor();
            let saved = policies::save(state.at_now(), &actor, &scope, policy, typed(&form.reason)).await;
            let before = crate::online::service::class_rule(&scope.class).unwrap_or_default();
            match saved {
                Ok(_) if online != before => {
                    crate::online::service::set_class_rule(state.at_now(), &actor, &scope, Some(online)).await.map(drop)
                }
                other => other.map(drop),
            }
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(see_other(&format!("/console/classes/{}/policy?saved=1", scope.class.id))),
        Err(e) => refused(e, |e| PolicyPage::new(&session, &scope, form, false, Some(e))),
    }
}
