//! What a service works with: one context, built at start-up, instead of a parameter list per service.
//!
//! A service that commits a change to attendance (a scan, a correction, an approved leave, absences marked at
//! close, a window opened, a rule changed) describes what follows from it in a [`Committed`] and hands it to
//! [`Ctx::after_commit`] once the transaction is committed. That one path drops stale cache entries, publishes the
//! live events and re-evaluates warnings; its implementation lives above the domain (the `aftermath` module), so the
//! modules that write records do not import the ones that announce them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::TraineePrincipal;
use crate::cache::{EnrolmentIndex, TtlCache};
use crate::clock::Clock;
use crate::config::{Settings, TemplateSettings};
use crate::entity::attendance::AttendanceStatus;
use crate::entity::class_session;
use crate::kv::Infra;

#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub infra: Infra,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Signs QR tokens, screen links and print links. Never logged.
    pub master_secret: SecretString,
    pub caches: Arc<Caches>,
    after: Arc<dyn AfterCommit>,
    guard: Arc<dyn RecordGuard>,
}

impl Ctx {
    pub fn new(
        db: DatabaseConnection,
        infra: Infra,
        clock: Arc<dyn Clock>,
        settings: Arc<Settings>,
        master_secret: SecretString,
        (after, guard): (Arc<dyn AfterCommit>, Arc<dyn RecordGuard>),
    ) -> Self {
        let caches = Arc::new(Caches::new(&settings.checkin));
        Self { db, infra, clock, settings, master_secret, caches, after, guard }
    }

    /// The check a change to a trainee's records runs inside its transaction, before committing (see
    /// [`RecordGuard`]); an `Arc` so a transaction closure can own it.
    pub fn guard(&self) -> Arc<dyn RecordGuard> {
        self.guard.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The context at one instant: what a service call works with, so every row it writes has the same time.
    pub fn at(&self, now: DateTime<Utc>) -> At<'_> {
        At { ctx: self, now }
    }

    /// The context at the clock's now.
    pub fn at_now(&self) -> At<'_> {
        self.at(self.now())
    }

    /// Message templates for notifications (subscription messages).
    pub fn templates(&self) -> &BTreeMap<String, TemplateSettings> {
        &self.settings.wechat.templates
    }

    /// The address people reach rollcall on, for links and QR codes.
    pub fn base_url(&self) -> String {
        self.settings.public_base_url(self.settings.server.port)
    }

    /// What follows a committed change. Never fails the caller: what was stored is stored, whatever happens to its
    /// announcement (the close sweep and the next change catch up on warnings).
    pub async fn after_commit(&self, committed: Committed) {
        if committed.is_empty() {
            return;
        }
        self.after.clone().run(self, committed).await;
    }
}

/// A [`Ctx`] and the instant a call happens at.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub ctx: &'a Ctx,
    pub now: DateTime<Utc>,
}

impl std::ops::Deref for At<'_> {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        self.ctx
    }
}

/// Run inside the transaction of a change to a trainee's attendance, leave, discipline or completion decision,
/// after the change: refuses it (`certificate_issued`) when it would leave the trainee with a valid 结业证书 and a
/// decision to withhold it, so the decision and the certificate never disagree. The implementation (the
/// certificate rules) is chosen at start-up, so the modules that write records need not import it.
#[async_trait::async_trait]
pub trait RecordGuard: Send + Sync {
    /// The check for several trainees of one class changed in the same transaction (an import).
    async fn after_changes(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        class_id: Uuid,
        enrollment_ids: &[Uuid],
    ) -> crate::error::AppResult<()>;

    async fn after_change(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        class_id: Uuid,
        enrollment_id: Uuid,
    ) -> crate::error::AppResult<()> {
        self.after_changes(txn, class_id, &[enrollment_id]).await
    }
}

/// The implementation of [`Ctx::after_commit`], chosen at start-up.
#[async_trait::async_trait]
pub trait AfterCommit: Send + Sync {
    async fn run(&self, ctx: &Ctx, committed: Committed);
}

/// Does nothing after a commit: for tools that write without anyone watching.
pub struct Quiet;

#[async_trait::async_trait]
impl AfterCommit for Quiet {
    async fn run(&self, _: &Ctx, _: Committed) {}
}

/// What follows from one committed change.
#[derive(Debug, Default)]
pub struct Committed {
    /// Live events to publish, in order.
    pub events: Vec<AttendanceEvent>,
    /// (session, enrolment) pairs whose cached check-in answer is stale.
    pub stale_records: Vec<(Uuid, Uuid)>,
    /// Sessions whose cached row is stale (times, window, geofence changed, or deleted).
    pub stale_sessions: Vec<Uuid>,
    /// Classes whose warnings to re-evaluate: only the given enrolments, or all active ones when `None`.
    pub standing: Vec<(Uuid, Option<Vec<Uuid>>)>,
    /// Evaluate warnings off the caller's path (the check-in answer does not wait for them).
    pub standing_in_background: bool,
    /// Trainees (person ids) whose logins were revoked (invite reset): their cached logins go at once.
    pub revoked_logins: Vec<Uuid>,
    /// (class, person) pairs whose permission to check in was narrowed (withdrawn, phone unbound).
    pub stale_enrolments: Vec<(Uuid, Uuid)>,
    /// Entries for the shared store (a scan's remembered answers), sent in the same round trip as the first event.
    pub remember: Vec<crate::kv::Entry>,
}

impl Committed {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.stale_records.is_empty()
            && self.stale_sessions.is_empty()
            && self.standing.is_empty()
            && self.revoked_logins.is_empty()
            && self.stale_enrolments.is_empty()
            && self.remember.is_empty()
    }

    /// The in-process cache entries this change made stale, on every instance.
    pub fn stale_entries(&self) -> StaleEntries {
        StaleEntries {
            sessions: self.stale_sessions.clone(),
            logins: self.revoked_logins.clone(),
            enrolments: self.stale_enrolments.clone(),
        }
    }

    /// A trainee's permission to check in for a class was taken away, and their logins with it.
    pub fn unbound(class_id: Uuid, person_id: Uuid) -> Self {
        Committed {
            revoked_logins: vec![person_id],
            stale_enrolments: vec![(class_id, person_id)],
            ..Committed::default()
        }
    }

    /// One trainee's record in a session changed: its cached answer goes, the change is announced, and the
    /// trainee's warnings are evaluated again.
    pub fn record(change: AttendanceEvent) -> Self {
        let mut c = Committed::default();
        c.add_record(change);
        c
    }

    pub fn add_record(&mut self, change: AttendanceEvent) {
        if let Some(enrollment_id) = change.enrollment_id {
            self.stale_records.push((change.session_id, enrollment_id));
            self.add_standing(change.class_id, Some(enrollment_id));
        }
        self.events.push(change);
    }

    /// A session's row changed.
    pub fn session(session_id: Uuid) -> Self {
        Committed { stale_sessions: vec![session_id], ..Committed::default() }
    }

    /// Warnings of a class (one trainee, or everyone) may have changed.
    pub fn standing(class_id: Uuid, only: Option<Uuid>) -> Self {
        let mut c = Committed::default();
        c.add_standing(class_id, only);
        c
    }

    pub fn add_standing(&mut self, class_id: Uuid, only: Option<Uuid>) {
        match (self.standing.iter_mut().find(|(c, _)| *c == class_id), only) {
            (Some((_, None)), _) => {}
            (Some((_, some)), None) => *some = None,
            (Some((_, Some(ids))), Some(id)) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            (None, only) => self.standing.push((class_id, only.map(|id| vec![id]))),
        }
    }
}

/// What changed. Sent as the SSE event name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CheckedIn,
    CheckedOut,
    StatusChanged,
    WindowOpened,
    WindowClosed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CheckedIn => "checked_in",
            EventKind::CheckedOut => "checked_out",
            EventKind::StatusChanged => "status_changed",
            EventKind::WindowOpened => "window_opened",
            EventKind::WindowClosed => "window_closed",
        }
    }
}

// A live event: what changed in a session. Services fill it in with `id: 0`; publishing assigns the id (a per-session
// counter shared by the instances).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceEvent {
    /// Increases by one per event of a session, across instances (a Redis counter; per instance without Redis).
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub session_id: Uuid,
    pub class_id: Uuid,
    pub at: DateTime<Utc>,
    pub enrollment_id: Option<Uuid>,
    pub name: Option<String>,
    pub status: Option<AttendanceStatus>,
    /// How many records changed at once (absences marked at close).
    pub count: Option<u64>,
}

impl AttendanceEvent {
    /// A change to the whole session (a window opened or closed).
    pub fn session(kind: EventKind, session: &class_session::Model, at: DateTime<Utc>) -> Self {
        AttendanceEvent {
            id: 0,
            kind,
            session_id: session.id,
            class_id: session.class_id,
            at,
            enrollment_id: None,
            name: None,
            status: None,
            count: None,
        }
    }
}

/// In-process cache entries a committed change made stale. Each instance drops its own at once and sends this to
/// the others over the event bus ([`CACHE_TOPIC`]).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleEntries {
    pub sessions: Vec<Uuid>,
    pub logins: Vec<Uuid>,
    pub enrolments: Vec<(Uuid, Uuid)>,
}

impl StaleEntries {
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.logins.is_empty() && self.enrolments.is_empty()
    }
}

/// The event-bus topic that carries [`StaleEntries`] between instances.
pub const CACHE_TOPIC: &str = "caches";

/// In-process caches on the check-in path. A change drops its entries at once on this instance and, through the
/// event bus, on the others; the TTLs bound what an instance that missed the message keeps.
pub struct Caches {
    /// Trainee token hash → who, and until when the token is valid.
    pub trainee_tokens: TtlCache<String, (TraineePrincipal, DateTime<Utc>)>,
    /// Session id → its row.
    pub sessions: TtlCache<Uuid, class_session::Model>,
    /// Class id → who may check in.
    pub enrolments: EnrolmentIndex,
}

impl Caches {
    pub fn new(checkin: &crate::config::CheckinSettings) -> Self {
        Self {
            trainee_tokens: TtlCache::new(std::time::Duration::from_secs(5), 100_000),
            sessions: TtlCache::new(std::time::Duration::from_secs(2), 10_000),
            enrolments: EnrolmentIndex::new(std::time::Duration::from_secs(checkin.enrolment_cache_seconds)),
        }
    }

    /// Drops what a committed change made stale, on this instance.
    pub fn apply(&self, stale: &StaleEntries) {
        for session_id in &stale.sessions {
            self.sessions.remove(session_id);
        }
        for person_id in &stale.logins {
            self.forget_person(*person_id);
        }
        for (class_id, person_id) in &stale.enrolments {
            self.enrolments.drop_person(*class_id, *person_id);
        }
    }

    /// Drops everything (an instance that may have missed a change).
    pub fn clear(&self) {
        self.trainee_tokens.clear();
        self.sessions.clear();
        self.enrolments.clear();
    }

    pub fn forget_token(&self, token_id: Uuid) {
        self.trainee_tokens.retain(|_, (p, _)| p.token_id != token_id);
    }

    /// After a trainee's tokens are revoked (invite reset): their logins are looked up again.
    pub fn forget_person(&self, person_id: Uuid) {
        self.trainee_tokens.retain(|_, (p, _)| p.person_id != person_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_for_a_class_merges_trainees_and_widens_to_everyone() {
        let (class, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut c = Committed::standing(class, Some(a));
        c.add_standing(class, Some(b));
        c.add_standing(class, Some(a));
        assert_eq!(c.standing, vec![(class, Some(vec![a, b]))]);
        c.add_standing(class, None);
        c.add_standing(class, Some(b));
        assert_eq!(c.standing, vec![(class, None)]);
        assert!(Committed::default().is_empty() && !c.is_empty());
    }
}
