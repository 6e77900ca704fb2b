//! Who may check in for a class, held in memory: each class's active enrolments by person, with the phone and the
//! WeChat account each is bound to. A warm check-in reads its enrolment from here and makes no database read.
//!
//! The index only ever says yes. A scan it would refuse (not on the roster, another phone) is asked of the database
//! before the trainee is told, and the answer is kept: a trainee added to the roster or a phone bound a moment ago,
//! on any instance, checks in at once. Changes that take a permission away (a withdrawal, an invite reset, an
//! erasure) drop the trainee's entry on every instance as soon as they commit (`Committed::stale_enrolments`, carried
//! between instances by the event bus). The whole class is read again in the background after `ttl`, a bound on
//! staleness if an instance missed a message (Redis restarted); the scans meanwhile use what is held.
//!
//! No scan waits for a whole class to be read. The first scan of a class starts its first read in the background and,
//! like every scan until that read lands, asks the database for its own enrolment (batched with the other scans
//! waiting). Reading a class of 60,000 took about 200 ms on the benchmark's machine: scans that waited for it were the
//! paced run's slowest 1% on a freshly started server (BENCHMARKS.md, 2026-12-05, sixth sitting).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use parking_lot::Mutex;
use sea_orm::{DatabaseConnection, QuerySelect};
use uuid::Uuid;

use crate::entity::enrollment;
use crate::error::AppResult;

/// Classes held at most; past this, classes not read again within `ttl` are dropped first.
const MAX_CLASSES: usize = 512;

/// The parts of an enrolment a check-in decides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    pub id: Uuid,
    pub device_id: Option<String>,
    pub wechat_openid: Option<String>,
}

impl From<enrollment::Model> for Enrolled {
    fn from(e: enrollment::Model) -> Self {
        Enrolled { id: e.id, device_id: e.device_id, wechat_openid: e.wechat_openid }
    }
}

pub struct EnrolmentIndex {
    ttl: Duration,
    classes: Mutex<HashMap<Uuid, Arc<Class>>>,
}

struct Class {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    people: HashMap<Uuid, Enrolled>,
    /// When the last read landed; `None` until the first one has.
    read_at: Option<Instant>,
    /// A read is under way (the first, or one again after `ttl`).
    refreshing: bool,
    /// People dropped while a background read was under way: that read may predate the change.
    dropped_during_refresh: Vec<Uuid>,
}

impl EnrolmentIndex {
    /// `ttl` zero turns the index off: every scan asks the database.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, classes: Mutex::new(HashMap::new()) }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The person's active enrolment in the class as held. `None` means "not known here", never "not enrolled": ask
    /// the database before refusing. A class not held yet, or held longer than `ttl`, is read in the background (one
    /// read at a time); this lookup does not wait for it.
    pub fn get(&self, db: &DatabaseConnection, class_id: Uuid, person_id: Uuid) -> Option<Enrolled> {
        if !self.enabled() {
            return None;
        }
        let class = self.class(class_id);
        let (found, stale) = {
            let mut state = class.state.lock();
            let stale = !state.refreshing && state.read_at.is_none_or(|at| at.elapsed() >= self.ttl);
            if stale {
                state.refreshing = true;
                state.dropped_during_refresh.clear();
            }
            (state.people.get(&person_id).cloned(), stale)
        };
        if stale {
            let (db, class) = (db.clone(), class.clone());
            crate::background::off_request_path(async move {
                if let Err(err) = read_into(&db, class_id, &class).await {
                    tracing::warn!(error = %err, "could not read a class's enrolments; scans ask the database meanwhile");
                    class.state.lock().refreshing = false;
                }
            });
        }
        found
    }

    /// Whether a read of the class has landed (a class's first scans ask the database until it has).
    pub fn holds(&self, class_id: Uuid) -> bool {
        self.classes.lock().get(&class_id).is_some_and(|c| c.state.lock().read_at.is_some())
    }

    /// What the database said about one person, kept for the next scan (only for a class a scan has asked about; a
    /// read under way replaces it with what it read, less anyone dropped meanwhile).
    pub fn put(&self, class_id: Uuid, person_id: Uuid, enrolled: Option<Enrolled>) {
        match enrolled {
            Some(e) => {
                if let Some(class) = self.classes.lock().get(&class_id).cloned() {
                    class.state.lock().people.insert(person_id, e);
                }
            }
            None => self.drop_person(class_id, person_id),
        }
    }

    /// A permission was taken away (withdrawn, phone unbound): the next scan of this person asks the database.
    pub fn drop_person(&self, class_id: Uuid, person_id: Uuid) {
        let Some(class) = self.classes.lock().get(&class_id).cloned() else { return };
        let mut state = class.state.lock();
        state.people.remove(&person_id);
        if state.refreshing {
            state.dropped_during_refresh.push(person_id);
        }
    }

    /// Forgets everything held (an instance that may have missed changes).
    pub fn clear(&self) {
        self.classes.lock().clear();
    }

    fn class(&self, class_id: Uuid) -> Arc<Class> {
        let mut classes = self.classes.lock();
        if let Some(class) = classes.get(&class_id) {
            return class.clone();
        }
        if classes.len() >= MAX_CLASSES {
            let ttl = self.ttl;
            classes.retain(|_, c| c.state.lock().read_at.is_some_and(|at| at.elapsed() < ttl));
            if classes.len() >= MAX_CLASSES {
                classes.clear();
            }
        }
        let class = Arc::new(Class { state: Mutex::new(State::default()) });
        classes.insert(class_id, class.clone());
        class
    }
}

/// Rows decoded between two yields of a class read.
const ROWS_PER_YIELD: usize = 1024;

/// Reads the class's active enrolments (one statement) and puts them in place of the held ones.
///
/// Decoding and indexing a large class (the benchmark's has 60,000) is a burst of work, so the read runs off the
/// request path (`background::off_request_path`); the rows are streamed and the task yields every
/// [`ROWS_PER_YIELD`] to the other background work. The held map is swapped under the lock, which every scan of the
/// class takes, and the old one is dropped after it is released (on the background thread too).
async fn read_into(db: &DatabaseConnection, class_id: Uuid, class: &Class) -> AppResult<()> {
    let mut rows = enrollment::active_in_class(class_id)
        .select_only()
        .columns([
            enrollment::Column::PersonId,
            enrollment::Column::Id,
            enrollment::Column::DeviceId,
            enrollment::Column::WechatOpenid,
        ])
        .into_tuple::<(Uuid, Uuid, Option<String>, Option<String>)>()
        .stream(db)
        .await?;
    let mut people: HashMap<Uuid, Enrolled> = HashMap::new();
    let mut read = 0usize;
    while let Some(row) = rows.next().await {
        let (person_id, id, device_id, wechat_openid) = row?;
        people.insert(person_id, Enrolled { id, device_id, wechat_openid });
        read += 1;
        if read.is_multiple_of(ROWS_PER_YIELD) {
            tokio::task::yield_now().await;
        }
    }
    drop(rows);
    let old = {
        let mut state = class.state.lock();
        for person_id in state.dropped_during_refresh.drain(..) {
            people.remove(&person_id);
        }
        state.read_at = Some(Instant::now());
        state.refreshing = false;
        std::mem::replace(&mut state.people, people)
    };
    drop(old);
    Ok(())
}
