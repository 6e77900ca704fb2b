//! What every request handler can reach: the services' context, and what only the HTTP layer uses.

use std::sync::Arc;

use crate::auth::wechat::WechatClient;
use crate::checkin::{AttemptLog, CheckinWriter};
use crate::ctx::Ctx;

#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub wechat: WechatClient,
    /// Where failed check-in attempts are queued for storage.
    pub attempts: AttemptLog,
    /// Where check-ins are stored (batched into shared commits in `group` mode).
    pub checkin_writer: CheckinWriter,
    /// Trainee token lookups batched across the requests waiting (`group` write mode); `None`: one query each.
    pub token_lookups: Option<crate::auth::service::TokenLookups>,
    /// Recent live events per session, for SSE clients that reconnect.
    pub live_recent: Arc<crate::live::recent::Recent>,
    /// Live snapshots shared by the boards of a session, and how many are built at once.
    pub live_snapshots: Arc<crate::live::snapshots::Snapshots>,
    /// Whose `X-Forwarded-For` is believed (none unless `server.trust_forwarded_for`).
    pub proxies: Option<Arc<crate::forwarded::TrustedProxies>>,
    /// Statements run on this instance's database connection (benchmarks and tests read it: a page's query count
    /// must not grow with the rows it shows).
    pub queries: Arc<std::sync::atomic::AtomicU64>,
}

impl std::ops::Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}
