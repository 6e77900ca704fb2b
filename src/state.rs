//! What every request handler can reach.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use secrecy::SecretString;

use crate::auth::wechat::WechatClient;
use crate::checkin::AttemptLog;
use crate::clock::Clock;
use crate::config::Settings;
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
}

impl AppState {
    /// The address people reach rollcall on, for links and QR codes.
    pub fn base_url(&self) -> String {
        self.settings.public_base_url(self.settings.server.port)
    }
}
