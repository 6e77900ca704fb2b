//! What every request handler can reach.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use secrecy::SecretString;

use crate::auth::TraineePrincipal;
use crate::auth::wechat::WechatClient;
use crate::cache::TtlCache;
use crate::checkin::AttemptLog;
use crate::clock::Clock;
use crate::config::Settings;
use crate::entity::class_session;
use crate::kv::Infra;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub infra: Infra,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Signs QR tokens and screen links. Never logged.
    pub master_secret: SecretString,
    pub wechat: WechatClient,
    /// Where failed check-in attempts are queued for storage.
    pub attempts: AttemptLog,
    pub caches: Arc<Caches>,
    /// Recent live events per session, for SSE clients that reconnect.
    pub live_recent: Arc<crate::live::stream::Recent>,
    /// Whose `X-Forwarded-For` is believed (none unless `server.trust_forwarded_for`).
    pub proxies: Option<Arc<crate::forwarded::TrustedProxies>>,
}

/// In-process caches on the check-in path. A change on this instance drops its entries at once; other instances
/// see it within the TTL.
pub struct Caches {
    /// Trainee token hash → who, and until when the token is valid.
    pub trainee_tokens: TtlCache<String, (TraineePrincipal, chrono::DateTime<chrono::Utc>)>,
    /// Session id → its row.
    pub sessions: TtlCache<uuid::Uuid, class_session::Model>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            trainee_tokens: TtlCache::new(std::time::Duration::from_secs(5), 100_000),
            sessions: TtlCache::new(std::time::Duration::from_secs(2), 10_000),
        }
    }
}

impl Caches {
    pub fn forget_token(&self, token_id: uuid::Uuid) {
        self.trainee_tokens.retain(|_, (p, _)| p.token_id != token_id);
    }

    /// After bindings change (invite reset): every cached trainee login is looked up again.
    pub fn forget_trainee_logins(&self) {
        self.trainee_tokens.retain(|_, _| false);
    }
}

impl AppState {
    /// Where warnings and notifications go, as of now.
    pub fn outlet(&self) -> crate::warning::Outlet<'_> {
        crate::warning::Outlet { templates: &self.settings.wechat.templates, now: self.clock.now() }
    }

    /// The address people reach rollcall on, for links and QR codes.
    pub fn base_url(&self) -> String {
        self.settings.public_base_url(self.settings.server.port)
    }
}
