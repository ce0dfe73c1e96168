//! A `[[database]]`: its settings, where it is and how its secret is found. The password never
//! sits in the config file, and the address shown or logged always has it masked.

use std::time::Duration;

use serde::Deserialize;

use super::{DEFAULT_TIMEOUT, DatabaseKind, timeout_or_default};
use crate::duration;
use crate::redact::redact_secrets;
use crate::secret::{self, Env, Secret};

/// The scheme of a Redis server spoken to over TLS.
pub const REDIS_TLS_SCHEME: &str = "rediss://";

/// What `idle_minutes` may be: at least a minute (0 would end every idle session, a pool's
/// included, the moment it goes idle), at most a week.
const IDLE_MINUTES: std::ops::RangeInclusive<u32> = 1..=7 * 24 * 60;

/// How a connection is encrypted, as libpq's `sslmode`: `disable` (plain), `prefer` (TLS when
/// the server offers it, else plain), `require` (TLS or nothing, the certificate not checked),
/// `verify-full` (TLS with a certificate for the host, signed by `ca_file` or a system CA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

impl TlsMode {
    pub fn label(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// What `url_env` and `password_env` held when the config was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    url: Option<Secret>,
    password: Option<Secret>,
}

/// What a source needs to connect: the URL (with the password only when it came whole from
/// `url_env`), the password from elsewhere, and the address to show.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub url: String,
    pub password: Option<String>,
    pub shown: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("address", &self.shown)
            .finish_non_exhaustive()
    }
}

/// A database to watch (the Databases tab). Its password comes from `password_env` or
/// `password_file`, or with the whole URL from `url_env`; never inline in `url`, so the config
/// file holds no secret and nothing shown or logged can carry one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub name: String,
    pub kind: DatabaseKind,
    /// `postgres://user@host:5432/db`, `redis://[user@]host:6379`, without a password.
    #[serde(default)]
    pub url: String,
    /// The variable holding the whole URL, password included, as applications keep `DATABASE_URL`.
    pub url_env: Option<String>,
    pub password_env: Option<String>,
    /// A file readable by its owner only, holding the password.
    pub password_file: Option<std::path::PathBuf>,
    #[serde(with = "humantime_serde", default = "default_database_interval")]
    pub interval: Duration,
    /// Unset, the smaller of 3s and the interval: see `timeout()`.
    #[serde(rename = "timeout", default, with = "humantime_serde")]
    timeout_written: Option<Duration>,
    /// A query running longer than this counts as slow (PostgreSQL).
    #[serde(with = "humantime_serde", default = "default_slow_query")]
    pub slow_query: Duration,
    /// Terminate-idle ends sessions idle (or idle in a transaction) this many minutes or more.
    #[serde(default = "default_idle_minutes")]
    pub idle_minutes: u32,
    /// As libpq's `sslmode`; unset, see [`DatabaseConfig::tls_mode`].
    pub tls: Option<TlsMode>,
    /// The CA that signs the server's certificate, trusted instead of the system's (`verify-full`).
    pub ca_file: Option<std::path::PathBuf>,
    /// What `url_env` and `password_env` held at load.
    #[serde(skip)]
    pub(crate) secrets: Secrets,
}

impl DatabaseConfig {
    /// How long one poll may take: the `timeout` written, else 3s or the interval if shorter.
    pub fn timeout(&self) -> Duration {
        timeout_or_default(self.timeout_written, DEFAULT_TIMEOUT, self.interval)
    }

    /// A duration out of its documented range, as (key, message).
    pub(super) fn invalid_timing(&self) -> Option<(&'static str, String)> {
        if let Err(why) = duration::within(self.interval, &duration::PROBE_INTERVAL) {
            return Some(("interval", why));
        }
        if let Some(problem) = super::timeout_problem(self.timeout(), self.interval) {
            return Some(problem);
        }
        duration::within(self.slow_query, &duration::SLOW)
            .err()
            .map(|why| ("slow_query", why))
    }
}

fn default_idle_minutes() -> u32 {
    10
}

fn default_database_interval() -> Duration {
    Duration::from_secs(5)
}

fn default_slow_query() -> Duration {
    Duration::from_secs(1)
}

impl DatabaseConfig {
    /// The TLS mode a connection to `url` uses. PostgreSQL and MySQL: `tls`, else `prefer` (what
    /// libpq and the MySQL client do; for PostgreSQL an `sslmode` in the URL counts as `tls`).
    /// Redis cannot negotiate: its scheme says, `rediss://` being `verify-full` unless `tls`
    /// says `require`.
    pub fn tls_mode(&self, url: &str) -> TlsMode {
        match self.kind {
            super::DatabaseKind::Redis if url.starts_with(REDIS_TLS_SCHEME) => {
                self.tls.unwrap_or(TlsMode::VerifyFull)
            }
            super::DatabaseKind::Redis => TlsMode::Disable,
            super::DatabaseKind::Postgres | super::DatabaseKind::Mysql => {
                self.tls.unwrap_or(TlsMode::Prefer)
            }
        }
    }

    /// Why `tls` or `ca_file` does not fit `url`, and which key: a Redis address says by its
    /// scheme whether it is TLS, and a CA is only read to verify.
    pub fn tls_problem(&self, url: &str) -> Option<(&'static str, String)> {
        let redis_tls = url.starts_with(REDIS_TLS_SCHEME);
        match (self.kind, redis_tls, self.tls) {
            (super::DatabaseKind::Redis, false, Some(mode)) if mode != TlsMode::Disable => {
                return Some((
                    "tls",
                    format!(
                        "tls = \"{}\" needs a rediss:// address: a redis:// one is plain",
                        mode.label()
                    ),
                ));
            }
            (
                super::DatabaseKind::Redis,
                true,
                Some(mode @ (TlsMode::Disable | TlsMode::Prefer)),
            ) => {
                return Some((
                    "tls",
                    format!(
                        "tls = \"{}\" does not fit a rediss:// address, which is always TLS: use \
                         \"require\" or \"verify-full\", or a redis:// address",
                        mode.label()
                    ),
                ));
            }
            _ => {}
        }
        let mode = self.tls_mode(url);
        (self.ca_file.is_some() && mode != TlsMode::VerifyFull).then(|| {
            (
                "ca_file",
                format!(
                    "only read with tls = \"verify-full\" (this entry's is \"{}\", which checks no \
                     certificate)",
                    mode.label()
                ),
            )
        })
    }

    /// The key at fault and why, for a config error.
    pub(super) fn invalid(&self) -> Option<(&'static str, String)> {
        if let Some(problem) = self.invalid_ca_file() {
            return Some(("ca_file", problem));
        }
        // With url_env, a Redis entry's scheme is known once the variable is read.
        if (self.url_env.is_none() || self.kind != super::DatabaseKind::Redis)
            && let Some(problem) = self.tls_problem(&self.url)
        {
            return Some(problem);
        }
        match (&self.url_env, self.url.is_empty()) {
            (Some(_), false) => {
                return Some(("url", "give either url or url_env, not both".into()));
            }
            (None, true) => {
                return Some((
                    "url",
                    "missing: give url (without a password) or url_env".into(),
                ));
            }
            (Some(_), true) => return None,
            (None, false) => {}
        }
        if let Some(problem) = self.scheme_problem(&self.url) {
            return Some(("url", problem));
        }
        if secret::has_inline_credential(&self.url) {
            return Some((
                "url",
                format!(
                    "a password is written in the url ({}): remove it and put it in password_env \
                     (an environment variable) or password_file (a file only you can read), or \
                     keep the whole url in url_env",
                    redact_secrets(&self.url)
                ),
            ));
        }
        if self.password_env.is_some() && self.password_file.is_some() {
            return Some((
                "password_file",
                "give either password_env or password_file, not both".into(),
            ));
        }
        if !IDLE_MINUTES.contains(&self.idle_minutes) {
            return Some((
                "idle_minutes",
                format!(
                    "{} is out of range: expected {} to {} (a week)",
                    self.idle_minutes,
                    IDLE_MINUTES.start(),
                    IDLE_MINUTES.end()
                ),
            ));
        }
        None
    }

    /// Why `url` is not an address of this entry's kind.
    fn scheme_problem(&self, url: &str) -> Option<String> {
        let schemes: &[&str] = match self.kind {
            super::DatabaseKind::Postgres => &["postgres://", "postgresql://"],
            super::DatabaseKind::Mysql => &["mysql://", "mariadb://"],
            super::DatabaseKind::Redis => &["redis://", REDIS_TLS_SCHEME],
        };
        (!schemes.iter().any(|s| url.starts_with(s))).then(|| {
            format!(
                "{} is not a {:?} address: expected {}",
                redact_secrets(url),
                self.kind,
                schemes.join(" or ")
            )
        })
    }

    /// Reads `url_env` and `password_env`, and checks that `password_file` can be read: the key
    /// at fault and why. The file is read again at each connection, so that it can be rotated.
    pub(super) fn resolve(&mut self, env: Env<'_>) -> Result<(), (&'static str, String)> {
        if let Some(var) = &self.url_env {
            let url = secret::from_env(var, env).map_err(|e| ("url_env", e))?;
            if let Some(problem) = self.scheme_problem(url.expose()) {
                return Err(("url_env", format!("${var} holds {problem}")));
            }
            if let Some((key, problem)) = self.tls_problem(url.expose()) {
                return Err((key, format!("with ${var}'s address: {problem}")));
            }
            self.secrets.url = Some(url);
        }
        if let Some(var) = &self.password_env {
            self.secrets.password =
                Some(secret::from_env(var, env).map_err(|e| ("password_env", e))?);
        }
        if let Some(path) = &self.password_file {
            secret::from_file(path).map_err(|e| ("password_file", e))?;
        }
        Ok(())
    }

    /// A `ca_file` that cannot be read or holds no certificate.
    fn invalid_ca_file(&self) -> Option<String> {
        crate::tls::read_certificates(self.ca_file.as_ref()?).err()
    }

    /// The URL and password to connect with: the variables as read at load, the password file
    /// read now (it may have been rotated since). Errors never carry the secret.
    pub fn connection(&self) -> Result<Connection, String> {
        let unread = |key: &str, var: &str| format!("{key}: ${var} was not read with the config");
        let url = match (&self.url_env, &self.secrets.url) {
            (None, _) => self.url.clone(),
            (Some(_), Some(url)) => url.expose().to_string(),
            (Some(var), None) => return Err(unread("url_env", var)),
        };
        let password = match (&self.password_env, &self.password_file) {
            (Some(var), _) => match &self.secrets.password {
                Some(password) => Some(password.expose().to_string()),
                None => return Err(unread("password_env", var)),
            },
            (None, Some(path)) => Some(
                secret::from_file(path)
                    .map_err(|e| format!("password_file {e}"))?
                    .expose()
                    .to_string(),
            ),
            (None, None) => None,
        };
        let shown = match &password {
            Some(_) => masked_with_password(&url),
            None => redact_secrets(&url).into_owned(),
        };
        Ok(Connection {
            url,
            password,
            shown,
        })
    }

    /// The address to show, before connecting.
    pub fn shown_address(&self) -> String {
        match (&self.url_env, &self.password_env, &self.password_file) {
            (Some(var), _, _) => self.secrets.url.as_ref().map_or_else(
                || format!("${var}"),
                |url| redact_secrets(url.expose()).into_owned(),
            ),
            (None, None, None) => self.url.clone(),
            _ => masked_with_password(&self.url),
        }
    }
}

/// `scheme://user@host` shown as `scheme://user:***@host`, saying a password is in use.
fn masked_with_password(url: &str) -> String {
    let url = redact_secrets(url);
    let Some(scheme_end) = url.find("://") else {
        return url.into_owned();
    };
    let start = scheme_end + 3;
    let authority_end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}:***{}", &url[..start + at], &url[start + at..]),
        None => format!("{}:***@{}", &url[..start], &url[start..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn mysql(keys: &str) -> Result<Config, String> {
        Config::parse(
            "c.toml",
            &format!("[[database]]\nname = \"orders\"\nkind = \"mysql\"\n{keys}"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn a_password_in_a_mysql_url_is_an_error_that_says_where_to_put_it() {
        let error = mysql("url = \"mysql://shop:hunter2@db:3306/shop\"\n")
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(
            error.starts_with("c.toml:4:1: key `database.url`: a password is written in the url"),
            "{error}"
        );
        for way in ["password_env", "password_file", "url_env"] {
            assert!(error.contains(way), "{error}");
        }
        assert!(!error.contains("hunter2"), "{error}");
        let error = mysql("url = \"postgres://shop@db/shop\"\n")
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(error.contains("expected mysql:// or mariadb://"), "{error}");
    }

    #[test]
    fn a_credential_in_the_query_of_a_url_is_an_error_that_never_shows_it() {
        for (kind, url) in [
            ("postgres", "postgres://u@h:5432/db?password=Hunter3Secret"),
            (
                "postgres",
                "postgres://u@h/db?sslmode=require&SSLPassword=Hunter3Secret",
            ),
            ("mysql", "mysql://u@h/db?PASS=Hunter3Secret"),
            ("redis", "redis://h:6379/0?token=Hunter3Secret"),
        ] {
            let error = entry(kind, &format!("url = \"{url}\"\n"))
                .err()
                .unwrap_or_else(|| panic!("accepted: {url}"));
            assert!(
                error.starts_with(
                    "c.toml:4:1: key `database.url`: a password is written in the url"
                ),
                "{error}"
            );
            assert!(error.contains("=***"), "{error}");
            assert!(!error.contains("Hunter3Secret"), "{error}");
        }
        entry("postgres", "url = \"postgres://u@h/db?sslmode=require\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn idle_minutes_defaults_to_ten_and_is_checked_where_it_is_written() {
        let config = mysql("url = \"mysql://shop@db/shop\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.database[0].idle_minutes, 10);
        let config = mysql("url = \"mysql://shop@db/shop\"\nidle_minutes = 45\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.database[0].idle_minutes, 45);
        for (value, wanted) in [
            (
                "0",
                "c.toml:5:1: key `database.idle_minutes`: 0 is out of range",
            ),
            (
                "20000",
                "c.toml:5:1: key `database.idle_minutes`: 20000 is out of range",
            ),
        ] {
            let error = mysql(&format!(
                "url = \"mysql://shop@db/shop\"\nidle_minutes = {value}\n"
            ))
            .err()
            .unwrap_or_else(|| panic!("{value} accepted"));
            assert!(error.starts_with(wanted), "{error}");
            assert!(error.contains("expected 1 to 10080"), "{error}");
        }
        let error = mysql("url = \"mysql://shop@db/shop\"\nidle_minutes = -1\n")
            .err()
            .unwrap_or_else(|| panic!("-1 accepted"));
        assert!(error.starts_with("c.toml:5:"), "{error}");
    }

    #[test]
    fn a_mysql_password_comes_from_a_file_only_its_owner_reads() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("orders");
        std::fs::write(&path, "s3cret\n").unwrap_or_else(|e| panic!("{e}"));
        let chmod = |mode| {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{e}"));
        };
        let keys = format!(
            "url = \"mariadb://shop@db:3306/shop\"\npassword_file = \"{}\"\n",
            path.display()
        );
        chmod(0o644);
        let error = mysql(&keys).err().unwrap_or_default();
        assert!(
            error.starts_with("c.toml:5:1: key `database.password_file`: ")
                && error.contains("(mode 644): run chmod 600 on it"),
            "{error}"
        );
        chmod(0o600);
        let config = mysql(&keys).unwrap_or_else(|e| panic!("{e}"));
        let database = &config.database[0];
        let connection = database.connection().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(connection.password.as_deref(), Some("s3cret"));
        assert_eq!(connection.shown, "mariadb://shop:***@db:3306/shop");
        assert!(!format!("{connection:?}").contains("s3cret"));
        assert_eq!(database.shown_address(), connection.shown);
        // The file is read again at each connection: a rotated one is used, a loosened one refused.
        std::fs::write(&path, "r0tated\n").unwrap_or_else(|e| panic!("{e}"));
        let connection = database.connection().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(connection.password.as_deref(), Some("r0tated"));
        chmod(0o640);
        let refused = database
            .connection()
            .err()
            .unwrap_or_else(|| panic!("read"));
        assert!(refused.contains("chmod 600"), "{refused}");
    }

    #[test]
    fn a_missing_secret_is_a_config_error_at_the_key_that_names_it() {
        let env = |name: &str| match name {
            "PG_URL" => Some("postgres://w:s3cr3t@db/app?password=s3cr3t".to_string()),
            "REDIS_URL" => Some("redis://:s3cr3t@cache".to_string()),
            "PG_PASSWORD" => Some("s3cr3t".to_string()),
            _ => None,
        };
        let parse = |kind: &str, keys: &str| {
            Config::parse_with_env(
                "c.toml",
                &format!("[[database]]\nname = \"main\"\nkind = \"{kind}\"\n{keys}"),
                &env,
            )
            .map_err(|e| e.to_string())
        };
        for (kind, keys, wanted) in [
            (
                "postgres",
                "url_env = \"UNSET_URL\"\n",
                "c.toml:4:1: key `database.url_env`: $UNSET_URL is not set",
            ),
            (
                "postgres",
                "url = \"postgres://w@db/app\"\npassword_env = \"UNSET_PASSWORD\"\n",
                "c.toml:5:1: key `database.password_env`: $UNSET_PASSWORD is not set",
            ),
            (
                "postgres",
                "url = \"postgres://w@db/app\"\npassword_file = \"/nonexistent/pw\"\n",
                "c.toml:5:1: key `database.password_file`: /nonexistent/pw: No such file",
            ),
            (
                "mysql",
                "url_env = \"PG_URL\"\n",
                "c.toml:4:1: key `database.url_env`: $PG_URL holds postgres://w:***@db/app?password=*** \
                 is not a Mysql address",
            ),
            (
                "redis",
                "url_env = \"REDIS_URL\"\ntls = \"require\"\n",
                "c.toml:5:1: key `database.tls`: with $REDIS_URL's address: tls = \"require\" needs \
                 a rediss:// address",
            ),
        ] {
            let error = parse(kind, keys).err().unwrap_or_default();
            assert!(error.starts_with(wanted), "{keys}: {error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        let config = parse("postgres", "url_env = \"PG_URL\"\n").unwrap_or_else(|e| panic!("{e}"));
        let database = &config.database[0];
        assert_eq!(
            database.shown_address(),
            "postgres://w:***@db/app?password=***"
        );
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let config = parse(
            "postgres",
            "url = \"postgres://w@db/app\"\npassword_env = \"PG_PASSWORD\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.database[0].connection().map(|c| c.password),
            Ok(Some("s3cr3t".into()))
        );
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    fn entry(kind: &str, keys: &str) -> Result<Config, String> {
        Config::parse(
            "c.toml",
            &format!("[[database]]\nname = \"main\"\nkind = \"{kind}\"\n{keys}"),
        )
        .map_err(|e| e.to_string())
    }

    #[track_caller]
    fn refused(kind: &str, keys: &str, wanted: &str) -> String {
        let error = entry(kind, keys)
            .err()
            .unwrap_or_else(|| panic!("accepted: {keys}"));
        assert!(error.starts_with(wanted), "{error}");
        error
    }

    #[test]
    fn tls_defaults_to_prefer_and_a_redis_address_says_by_its_scheme() {
        let mode = |kind: &str, keys: &str| {
            let config = entry(kind, keys).unwrap_or_else(|e| panic!("{e}"));
            let database = &config.database[0];
            database.tls_mode(&database.url)
        };
        let pg = "url = \"postgres://w@db/app\"\n";
        assert_eq!(mode("postgres", pg), TlsMode::Prefer);
        assert_eq!(
            mode("postgres", &format!("{pg}tls = \"require\"\n")),
            TlsMode::Require
        );
        assert_eq!(
            mode("mysql", "url = \"mysql://w@db/shop\"\ntls = \"disable\"\n"),
            TlsMode::Disable
        );
        assert_eq!(
            mode("mysql", "url = \"mysql://w@db/shop\"\n"),
            TlsMode::Prefer
        );
        assert_eq!(mode("redis", "url = \"redis://cache\"\n"), TlsMode::Disable);
        assert_eq!(
            mode("redis", "url = \"rediss://cache\"\n"),
            TlsMode::VerifyFull
        );
        assert_eq!(
            mode("redis", "url = \"rediss://cache\"\ntls = \"require\"\n"),
            TlsMode::Require
        );
    }

    #[test]
    fn tls_that_does_not_fit_is_an_error_where_it_is_written() {
        let error = refused(
            "postgres",
            "url = \"postgres://w@db/app\"\ntls = \"verify-ca\"\n",
            "c.toml:5:7: key `database.tls`",
        );
        assert!(
            error.contains("`disable`, `prefer`, `require`, `verify-full`"),
            "{error}"
        );
        let error = refused(
            "redis",
            "url = \"redis://cache\"\ntls = \"verify-full\"\n",
            "c.toml:5:1: key `database.tls`: tls = \"verify-full\" needs a rediss:// address",
        );
        assert!(error.contains("a redis:// one is plain"), "{error}");
        refused(
            "redis",
            "url = \"rediss://cache\"\ntls = \"prefer\"\n",
            "c.toml:5:1: key `database.tls`: tls = \"prefer\" does not fit a rediss:// address",
        );
    }

    #[test]
    fn ca_file_must_hold_a_certificate_and_is_only_for_verify_full() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ca = dir.path().join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIBsTCCAVegAwIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap_or_else(|e| panic!("{e}"));
        let pg = "url = \"postgres://w@db/app\"\n";
        let config = entry(
            "postgres",
            &format!(
                "{pg}tls = \"verify-full\"\nca_file = \"{}\"\n",
                ca.display()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.database[0].ca_file.as_deref(), Some(ca.as_path()));
        let error = refused(
            "postgres",
            &format!("{pg}ca_file = \"{}\"\n", ca.display()),
            "c.toml:5:1: key `database.ca_file`: only read with tls = \"verify-full\"",
        );
        assert!(error.contains("this entry's is \"prefer\""), "{error}");
        refused(
            "mysql",
            &format!(
                "url = \"mysql://w@db/shop\"\ntls = \"require\"\nca_file = \"{}\"\n",
                ca.display()
            ),
            "c.toml:6:1: key `database.ca_file`: only read with tls = \"verify-full\"",
        );
        refused(
            "postgres",
            &format!(
                "{pg}tls = \"verify-full\"\nca_file = \"{}\"\n",
                empty.display()
            ),
            &format!(
                "c.toml:6:1: key `database.ca_file`: {}: no PEM certificate in it",
                empty.display()
            ),
        );
        refused(
            "redis",
            "url = \"rediss://cache\"\nca_file = \"/nonexistent/ca.pem\"\n",
            "c.toml:5:1: key `database.ca_file`: /nonexistent/ca.pem: ",
        );
    }

    #[test]
    fn a_password_is_shown_masked_where_the_user_is() {
        assert_eq!(
            masked_with_password("postgres://watchdeck@db:5432/app"),
            "postgres://watchdeck:***@db:5432/app"
        );
        assert_eq!(
            masked_with_password("redis://127.0.0.1:6379"),
            "redis://:***@127.0.0.1:6379"
        );
    }
}
