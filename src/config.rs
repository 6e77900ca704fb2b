//! Settings: built-in defaults, then an optional TOML file, then environment variables.
//!
//! `ROLLCALL__SECTION__KEY=value` overrides any key (e.g. `ROLLCALL__SERVER__PORT=9000`); the conventional
//! `DATABASE_URL`, `REDIS_URL` and `PORT` are honoured too. With nothing configured rollcall runs embedded: a SQLite
//! file under `./data/` and in-process stand-ins for Redis.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub security: SecuritySettings,
    pub log: LogSettings,
    pub rate_limits: RateLimitSettings,
    pub wechat: WechatSettings,
    pub jobs: JobSettings,
    pub screen: ScreenSettings,
    pub report: ReportSettings,
    pub archive: ArchiveSettings,
    pub verify: VerifySettings,
    pub privacy: PrivacySettings,
    pub import: ImportSettings,
    pub checkin: CheckinSettings,
    /// Where embedded state lives: the SQLite file and the generated secret.
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// The address people reach rollcall on (QR codes and links are built from it).
    pub public_base_url: String,
    /// Take the client address from `X-Forwarded-For` when the connection comes from one of `trusted_proxies`.
    /// Turn on only behind your own proxy.
    pub trust_forwarded_for: bool,
    /// Addresses or networks of the proxies in front of rollcall, comma-separated (`10.0.0.0/8, 127.0.0.1`).
    pub trusted_proxies: String,
    /// How many proxies of ours stand in line: the client address is the entry this many places from the right of
    /// `X-Forwarded-For` (each proxy appends what it saw; what is further left came from the client).
    pub forwarded_hops: usize,
    /// Largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
    /// Actix worker threads; 0 means one per core.
    pub workers: usize,
    /// A check-in not answered within this long gets 503 (the phone retries with the same nonce).
    pub checkin_timeout_ms: u64,
    /// Any other API request not answered within this long gets 503.
    pub request_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// Empty means the embedded SQLite file `{data_dir}/rollcall.sqlite`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// Empty means in-process stand-ins (one instance only).
    pub url: String,
    /// Every key and channel starts with this, so several deployments (or tests) can share one Redis.
    pub key_prefix: String,
    /// Each Redis call gives up after this long; the caller then falls back or degrades.
    pub timeout_ms: u64,
    /// After a call cannot reach Redis, skip it for this long (in-process paths only), then try again.
    pub breaker_ms: u64,
    /// Each thread that calls Redis (each HTTP worker) opens its own connection, so a call is written and answered
    /// on the thread that made it instead of being handed to the one connection's task on another thread and back.
    pub connection_per_thread: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecuritySettings {
    /// Master secret for signing (QR tokens, screen links). Required when the database is not embedded.
    pub master_secret: Option<SecretString>,
    /// How long a staff login lasts.
    pub staff_token_ttl_hours: i64,
    /// A console session left idle this long ends (it lasts at most `staff_token_ttl_hours`).
    pub console_idle_minutes: i64,
    /// How long a trainee stays logged in on their phone.
    pub trainee_token_ttl_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportSettings {
    /// A font with Chinese glyphs for PDFs (TrueType/OpenType, or a collection with `cjk_font_index`).
    pub cjk_font_path: PathBuf,
    /// The face in a font collection: 2 is Simplified Chinese in Noto Sans CJK's .ttc.
    pub cjk_font_index: usize,
}

/// The public certificate check.
#[derive(Debug, Clone, Deserialize)]
pub struct VerifySettings {
    /// Show the holder as 李*华 to whoever checks a certificate.
    pub mask_names: bool,
}

/// Trainees' personal information: the notice shown before binding, and how long details are kept.
#[derive(Debug, Clone, Deserialize)]
pub struct PrivacySettings {
    /// A new text needs a new version: bindings record the version shown.
    pub notice_version: String,
    pub notice_title: String,
    /// Paragraphs separated by a blank line.
    pub notice_text: String,
    /// Check-in attempts keep their raw position, browser and network address this many days.
    pub attempt_details_days: u32,
    /// Sick-note and evidence images are deleted this many days after their class ended.
    pub image_days_after_class: u32,
}

/// The 学时 each cadre must reach (《干部教育培训工作条例》 and local rules), by rank.
#[derive(Debug, Clone, Deserialize)]
pub struct ArchiveSettings {
    pub requirements: Vec<HoursRequirement>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct HoursRequirement {
    /// Matched against the person's 职级 (the first requirement whose `rank` the 职级 contains applies).
    pub rank: String,
    /// 学时 per calendar year, if any.
    pub yearly_hours: Option<f64>,
    /// 学时 over five calendar years (this one and the four before), if any.
    pub five_year_hours: Option<f64>,
}

/// How check-ins are written (`[checkin]` in the configuration).
#[derive(Debug, Clone, Deserialize)]
pub struct CheckinSettings {
    pub write_mode: WriteMode,
    /// Writer tasks per instance in `group` mode: one commits while the next batch gathers.
    pub writers: usize,
    /// Most check-ins in one transaction.
    pub max_batch: usize,
    /// How long a class's enrolments held in memory serve check-ins before they are read again in the background
    /// (`checkin::enrolments`); 0 turns the index off, so every scan reads its enrolment from the database.
    pub enrolment_cache_seconds: u64,
    /// Time every check-in stage by stage and log a summary after each burst (`stage_timing`); the summary breaks
    /// down the scans at least this slow. 0: off.
    pub stage_timing_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    Group,
    Single,
}

/// Caps on uploaded spreadsheets (roster and timetable imports). A file over a cap is refused with 413.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportSettings {
    /// Data rows in a roster file.
    pub roster_max_rows: usize,
    /// Data rows in a timetable file.
    pub timetable_max_rows: usize,
    /// Columns that may hold a value.
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// An XLSX file's parts, decompressed, in MiB.
    pub max_unzipped_mib: u64,
}

impl ImportSettings {
    fn limits(&self, max_rows: usize) -> crate::tabular::Limits {
        crate::tabular::Limits {
            max_rows,
            max_columns: self.max_columns,
            max_cell_chars: self.max_cell_chars,
            max_unzipped_bytes: self.max_unzipped_mib.saturating_mul(1024 * 1024),
        }
    }

    pub fn roster(&self) -> crate::tabular::Limits {
        self.limits(self.roster_max_rows)
    }

    pub fn timetable(&self) -> crate::tabular::Limits {
        self.limits(self.timetable_max_rows)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScreenSettings {
    /// Show arrivals on the classroom screen as 张*明 rather than in full.
    pub mask_names: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// How often each instance looks for sessions whose check-in closed, to mark absences. 0 turns it off.
    pub absent_scan_seconds: u64,
    /// How often each instance looks for notifications to deliver. 0 turns delivery off.
    pub outbox_poll_ms: u64,
    /// How often each instance looks for evaluation forms due their automatic reminder. 0 turns it off.
    pub evaluation_reminder_seconds: u64,
    /// How long before a form closes its non-respondents are reminded automatically (once).
    pub evaluation_remind_before_hours: u32,
    /// How often each instance applies the retention rules (`[privacy]`). 0 turns it off.
    pub retention_scan_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WechatSettings {
    /// `https://api.weixin.qq.com`; tests point it at a fake server.
    pub base_url: String,
    /// The mini program's AppID; empty turns WeChat login off (invite codes still work).
    pub appid: String,
    pub secret: Option<SecretString>,
    pub timeout_ms: u64,
    /// Subscribe-message templates by event (`leave_result`, `warning`, `certificate`). A template without an id
    /// sends nothing to WeChat; the in-app inbox still gets the message.
    pub templates: std::collections::BTreeMap<String, TemplateSettings>,
}

/// One subscribe-message template as chosen in the mini program console.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateSettings {
    pub id: String,
    /// The mini program page the message opens.
    pub page: String,
    /// Template key (e.g. `thing1`) → rollcall variable (e.g. `title`); the variables each event offers are
    /// listed in README.
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// `human` or `json`.
    pub format: String,
    /// A tracing filter; `RUST_LOG` wins when set.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct QuotaSettings {
    /// Requests allowed at once.
    pub burst: u32,
    /// One more request is allowed every this many milliseconds.
    pub replenish_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    /// Logins per (account, client address): what one guesser meets.
    pub login_per_account_address: QuotaSettings,
    /// Logins per account from all addresses together: loose, so a stranger cannot lock the owner out.
    pub login_per_account: QuotaSettings,
    pub login_per_address: QuotaSettings,
    /// Invite-code attempts per client address (guessing).
    pub invite_per_address: QuotaSettings,
    /// Check-in scans per trainee.
    pub checkin_per_trainee: QuotaSettings,
    /// Check-in scans per client address. Generous: a whole class may share one classroom Wi-Fi address.
    pub checkin_per_address: QuotaSettings,
    /// Public certificate verifications per client address (against guessing codes).
    pub verify_per_address: QuotaSettings,
}

const DEFAULTS: &str = r#"
data_dir = "data"

[server]
host = "127.0.0.1"
port = 8080
public_base_url = ""
trust_forwarded_for = false
trusted_proxies = "127.0.0.1, ::1"
forwarded_hops = 1
max_json_bytes = 65536
workers = 0
checkin_timeout_ms = 1500
request_timeout_ms = 60000

[database]
url = ""
max_connections = 10

[redis]
url = ""
key_prefix = "rollcall:"
timeout_ms = 250
breaker_ms = 5000
connection_per_thread = true

[security]
staff_token_ttl_hours = 12
console_idle_minutes = 30
trainee_token_ttl_days = 30

[wechat]
base_url = "https://api.weixin.qq.com"
appid = ""
timeout_ms = 3000

[wechat.templates.leave_result]
id = ""
page = "pages/leave/index"
fields = { thing1 = "leave_kind", time2 = "span_start", phrase3 = "result", thing4 = "comment" }

[wechat.templates.warning]
id = ""
page = "pages/attendance/index"
fields = { thing1 = "class_name", thing2 = "item", thing3 = "detail", time4 = "time" }

[wechat.templates.certificate]
id = ""
page = "pages/certificate/index"
fields = { thing1 = "class_name", phrase2 = "result", thing3 = "detail", time4 = "time" }

[log]
format = "human"
filter = "info,sqlx=warn,sea_orm=warn"

[rate_limits.login_per_account_address]
burst = 5
replenish_ms = 60000

[rate_limits.login_per_account]
burst = 50
replenish_ms = 20000

[rate_limits.login_per_address]
burst = 30
replenish_ms = 2000

[rate_limits.invite_per_address]
burst = 10
replenish_ms = 6000

[rate_limits.checkin_per_trainee]
burst = 10
replenish_ms = 3000

[rate_limits.checkin_per_address]
burst = 600
replenish_ms = 10

[rate_limits.verify_per_address]
burst = 20
replenish_ms = 3000

[jobs]
absent_scan_seconds = 15
outbox_poll_ms = 2000
evaluation_reminder_seconds = 300
evaluation_remind_before_hours = 24
retention_scan_seconds = 3600

[screen]
mask_names = true

[checkin]
# group: scans waiting together share one transaction and one commit; single: one transaction per scan.
write_mode = "group"
writers = 2
max_batch = 256
enrolment_cache_seconds = 60
# Time check-ins stage by stage and log a summary (target stage_timing, INFO) after each burst, breaking down the
# scans at least this many milliseconds slow; 0: off.
stage_timing_ms = 0

[import]
roster_max_rows = 5000
timetable_max_rows = 2000
max_columns = 64
max_cell_chars = 1000
max_unzipped_mib = 40

[verify]
mask_names = true

[privacy]
notice_version = "2026-12-01"
notice_title = "个人信息处理告知"
attempt_details_days = 30
image_days_after_class = 365
notice_text = '''
本系统由培训基地用于培训班的考勤、请假和结业管理。绑定手机前，请阅读以下内容。

我们处理的信息：您的姓名、手机号、工作单位和职务职级（由选派单位提供，用于核对身份、统计学时和发放结业证书）；签到时的位置；本手机的设备标识、网络地址和浏览器信息；请假时上传的病假条等照片。

签到位置只用于判断您是否在上课地点附近：签到成功时只保存与上课地点的距离和定位精度，不保存经纬度；签到未成功时保存经纬度，供班主任核查，30 天后删除。设备标识用于防止代签，培训班结束后从签到记录中删除；网络地址和浏览器信息 30 天后删除。

病假条等照片属于敏感个人信息，仅本班工作人员和培训基地管理员可以查看，培训班结束一年后删除，请假审批结果保留。

考勤、请假、违纪、学时和结业证书记录作为干部教育培训档案保存，由本班工作人员和培训基地管理员查看，并向您的选派单位报送。您可以在“我的考勤”中查看本人的记录；如需复制、更正或删除，请联系班主任或培训基地。
'''

[[archive.requirements]]
rank = "县处级"
five_year_hours = 550

[[archive.requirements]]
rank = "乡科级"
yearly_hours = 90

[report]
cjk_font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
cjk_font_index = 2
"#;

/// Which storage the process runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl Settings {
    /// Defaults, then `rollcall.toml` (or the file named by `ROLLCALL_CONFIG`), then the environment.
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("ROLLCALL_CONFIG").unwrap_or_else(|_| "rollcall.toml".to_owned());
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::with_name(&file).format(config::FileFormat::Toml).required(false))
            .add_source(config::Environment::with_prefix("ROLLCALL").prefix_separator("__").separator("__"));
        for (var, key) in [("DATABASE_URL", "database.url"), ("REDIS_URL", "redis.url")] {
            if let Ok(value) = std::env::var(var) {
                builder = builder.set_override(key, value)?;
            }
        }
        if let Ok(port) = std::env::var("PORT") {
            builder = builder.set_override("server.port", port.parse::<i64>().context("PORT must be a number")?)?;
        }
        let settings: Settings = builder.build()?.try_deserialize().context("invalid configuration")?;
        Ok(settings.finish())
    }

    /// The built-in defaults alone (tests start from here and override what they need).
    pub fn defaults() -> anyhow::Result<Self> {
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()?
            .try_deserialize()?;
        Ok(settings.finish())
    }

    fn finish(mut self) -> Self {
        if self.database.url.is_empty() {
            let file = self.data_dir.join("rollcall.sqlite");
            self.database.url = format!("sqlite://{}?mode=rwc", file.display());
        }
        self
    }

    /// The proxies whose `X-Forwarded-For` is believed, or `None` when forwarding is not trusted.
    pub fn trusted_proxies(&self) -> anyhow::Result<Option<crate::forwarded::TrustedProxies>> {
        if !self.server.trust_forwarded_for {
            return Ok(None);
        }
        let nets = self
            .server
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<ipnet::IpNet>()
                    .or_else(|_| n.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| format!("server.trusted_proxies: {n} is not an address or network"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Some(crate::forwarded::TrustedProxies { nets, hops: self.server.forwarded_hops }))
    }

    pub fn database_kind(&self) -> DatabaseKind {
        if self.database.url.starts_with("sqlite:") { DatabaseKind::Sqlite } else { DatabaseKind::Postgres }
    }

    pub fn uses_redis(&self) -> bool {
        !self.redis.url.is_empty()
    }

    pub fn public_base_url(&self, bound_port: u16) -> String {
        if self.server.public_base_url.is_empty() {
            format!("http://{}:{}", self.server.host, bound_port)
        } else {
            self.server.public_base_url.trim_end_matches('/').to_owned()
        }
    }

    /// The master secret: configured, or (embedded only) generated once and kept in the data dir so a restart does
    /// not invalidate what was signed. A shared database without a configured secret is refused: every instance
    /// must sign with the same key.
    pub fn master_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(secret) = &self.security.master_secret {
            anyhow::ensure!(
                secret.expose_secret().len() >= 32,
                "security.master_secret must be at least 32 characters"
            );
            return Ok(secret.clone());
        }
        anyhow::ensure!(
            self.database_kind() == DatabaseKind::Sqlite,
            "security.master_secret (ROLLCALL__SECURITY__MASTER_SECRET) is required when DATABASE_URL points to a \
             shared database; refusing to start"
        );
        load_or_create_secret(&self.data_dir.join("master.key"))
    }
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim().to_owned();
        anyhow::ensure!(existing.len() >= 32, "{} is too short; delete it to regenerate", path.display());
        return Ok(SecretString::from(existing));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    let secret = hex::encode(bytes);
    write_private(path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(SecretString::from(secret))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
