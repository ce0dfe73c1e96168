//! Configuration: the embedded default, or the user's TOML file, validated before the UI starts.

pub mod alertmanager;
pub mod database;
pub mod error;
pub mod key;
pub mod keymap;
pub mod notify;
pub mod paths;
mod secrets;
pub mod theme;

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;

pub use alertmanager::AlertmanagerConfig;
pub use error::LoadError;
pub use keymap::Keymap;
pub use notify::NotifyConfig;
pub use paths::Paths;
pub use theme::Theme;

use crate::alerts::rule::{Condition, Priority, Rule, RuleEntry, RuleOrigin};
use crate::alerts::series::SeriesCatalogue;
use crate::duration;
use crate::tab::Tab;

/// The shipped file a theme or keymap called `name` starts from: its own, or the first (the
/// default) when only the user's config dir has a file of that name.
pub(crate) fn shipped_base<'a>(
    kind: &str,
    shipped: &'a [(&'a str, &'a str)],
    name: &str,
    has_user_file: bool,
) -> Result<&'a (&'a str, &'a str), LoadError> {
    shipped
        .iter()
        .find(|(shipped, _)| *shipped == name)
        .or_else(|| has_user_file.then_some(&shipped[0]))
        .ok_or_else(|| {
            let known: Vec<_> = shipped.iter().map(|(n, _)| *n).collect();
            LoadError::file(
                format!("{kind} {name:?}"),
                format!(
                    "no such {kind} {name:?}: shipped ones are {}, or put {name}.toml in the config dir's {kind}s/",
                    known.join(", ")
                ),
            )
        })
}

/// The commented default config, embedded so the console runs with no file at all.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.default.toml");

/// Bounds on the sampling cadence and the history kept in memory: every series keeps at most
/// `history / refresh` samples, so these also bound the metric store.
const MAX_REFRESH: Duration = Duration::from_secs(3600);
const MAX_HISTORY: Duration = Duration::from_secs(24 * 3600);
pub const MAX_SAMPLES_PER_SERIES: usize = 86_400;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How often sources are polled and the screen refreshed.
    #[serde(with = "humantime_serde")]
    pub refresh: Duration,
    /// How much history the graphs and the metric store keep.
    #[serde(with = "humantime_serde")]
    pub history: Duration,
    pub theme: String,
    pub keymap: String,
    /// Capture the mouse (click tabs, scroll lists). Off lets the terminal select text.
    pub mouse: bool,
    pub resources: ResourcesConfig,
    pub watch: WatchConfig,
    pub containers: ContainersConfig,
    pub docker: Vec<DockerConfig>,
    pub endpoint: Vec<EndpointConfig>,
    pub database: Vec<DatabaseConfig>,
    pub rule: Vec<RuleConfig>,
    pub alerts: AlertsConfig,
    pub notify: Vec<NotifyConfig>,
    pub alertmanager: Vec<AlertmanagerConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(1),
            history: Duration::from_secs(600),
            theme: "default".into(),
            keymap: "default".into(),
            mouse: true,
            resources: ResourcesConfig::default(),
            watch: WatchConfig::default(),
            containers: ContainersConfig::default(),
            docker: Vec::new(),
            endpoint: Vec::new(),
            database: Vec::new(),
            rule: Vec::new(),
            alerts: AlertsConfig::default(),
            notify: Vec::new(),
            alertmanager: Vec::new(),
        }
    }
}

/// Warning and critical thresholds of the local host, in percent (load: per core).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourcesConfig {
    pub cpu_warn_percent: f64,
    pub cpu_crit_percent: f64,
    pub memory_warn_percent: f64,
    pub memory_crit_percent: f64,
    pub swap_warn_percent: f64,
    pub swap_crit_percent: f64,
    pub disk_warn_percent: f64,
    pub disk_crit_percent: f64,
    pub load_warn_per_core: f64,
    pub load_crit_per_core: f64,
    /// Mount points left out of the disk panel and of the findings.
    pub ignore_mounts: Vec<String>,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        Self {
            cpu_warn_percent: 85.0,
            cpu_crit_percent: 95.0,
            memory_warn_percent: 85.0,
            memory_crit_percent: 95.0,
            swap_warn_percent: 50.0,
            swap_crit_percent: 80.0,
            disk_warn_percent: 80.0,
            disk_crit_percent: 90.0,
            load_warn_per_core: 1.5,
            load_crit_per_core: 3.0,
            ignore_mounts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// How long `--watch` shows each tab (the `--rotate` flag overrides it).
    #[serde(with = "humantime_serde")]
    pub rotate: Duration,
    /// Tabs `--watch` rotates through; empty means Resources plus every tab with a configured source.
    pub tabs: Vec<Tab>,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            rotate: Duration::from_secs(15),
            tabs: Vec::new(),
        }
    }
}

/// The Containers tab.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContainersConfig {
    /// With no `[[docker]]` entry, watch the local engine (`DOCKER_HOST`, else
    /// `/var/run/docker.sock`) when there is one.
    pub local: bool,
    /// Lines a log view keeps; older ones are dropped.
    pub log_buffer: usize,
    /// Lines a log view starts with before following.
    pub log_tail: usize,
}

impl Default for ContainersConfig {
    fn default() -> Self {
        Self {
            local: true,
            log_buffer: 10_000,
            log_tail: 500,
        }
    }
}

/// A Docker engine (the Containers tab).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    pub name: String,
    /// `unix:///path` or `tcp://host:port` (plain HTTP); see the README for SSH and TLS engines.
    pub host: String,
    /// Container names that ask the operator to type the name before any action; a trailing
    /// `*` matches a prefix. The `watchdeck.protected=true` label does the same.
    #[serde(default)]
    pub protected: Vec<String>,
}

impl DockerConfig {
    pub fn protects(&self, container: &str) -> bool {
        self.protected
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => container.starts_with(prefix),
                None => container == pattern,
            })
    }
}

/// An HTTP(S) or TCP probe (the Endpoints tab).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    pub name: String,
    /// `http://…`, `https://…` or `tcp://host:port`.
    pub url: String,
    /// Related endpoints share a group (a service, a region).
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default = "default_probe_interval", with = "humantime_serde")]
    pub interval: Duration,
    /// Unset, the smaller of 3s and the interval: see `timeout()`.
    #[serde(rename = "timeout", default, with = "humantime_serde")]
    timeout_written: Option<Duration>,
    /// An answer slower than this is degraded.
    #[serde(default = "default_slow_after", with = "humantime_serde")]
    pub slow_after: Duration,
    #[serde(default = "default_method")]
    pub method: String,
    /// Bytes of the body read for an assertion; a longer body is cut there.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    /// Request headers; a value `env:NAME` is read from the environment and never shown.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Codes (`204`) or ranges (`"200-299"`); 200–399 when empty.
    #[serde(default)]
    pub expect_status: Vec<StatusSpec>,
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default)]
    pub body_regex: Option<String>,
    /// A JSON pointer and the value it must equal.
    #[serde(default)]
    pub json: Option<JsonAssertion>,
    #[serde(default)]
    pub follow_redirects: bool,
    /// Accept any certificate (marked on screen).
    #[serde(default)]
    pub insecure_tls: bool,
    /// A PEM file of CA certificates trusted besides the system's.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// The values of the `env:NAME` headers, read at load.
    #[serde(skip)]
    pub(crate) header_secrets: std::collections::BTreeMap<String, crate::secret::Secret>,
}

/// One accepted status: a code, or a range `"200-299"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum StatusSpec {
    Code(i64),
    Range(String),
}

impl StatusSpec {
    /// The codes it accepts, or why it is not a status.
    pub fn range(&self) -> Result<std::ops::RangeInclusive<u16>, String> {
        let code = |n: i64| {
            u16::try_from(n)
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| format!("{n} is not an HTTP status (100-599)"))
        };
        match self {
            StatusSpec::Code(n) => code(*n).map(|c| c..=c),
            StatusSpec::Range(text) => {
                let parse = |part: &str| {
                    part.trim()
                        .parse::<i64>()
                        .map_err(|_| {
                            format!("{text:?} is not a status or a range like \"200-299\"")
                        })
                        .and_then(code)
                };
                match text.split_once('-') {
                    Some((low, high)) => {
                        let (low, high) = (parse(low)?, parse(high)?);
                        if low > high {
                            return Err(format!("{text:?} is an empty range"));
                        }
                        Ok(low..=high)
                    }
                    None => parse(text).map(|c| c..=c),
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonAssertion {
    /// A JSON pointer (RFC 6901), e.g. `/status`.
    pub pointer: String,
    pub equals: toml::Value,
}

fn default_probe_interval() -> Duration {
    Duration::from_secs(10)
}

/// The timeout of an endpoint or a database that sets none, unless its interval is shorter: a
/// poll never outlasts its interval.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// A `timeout` as written, else the default, cut to the interval.
fn timeout_or_default(
    written: Option<Duration>,
    default: Duration,
    interval: Duration,
) -> Duration {
    written.unwrap_or_else(|| default.min(interval))
}

fn default_slow_after() -> Duration {
    Duration::from_secs(2)
}

/// What `body_limit` may be: a page of an error to a JSON document of a few MiB.
const BODY_LIMIT: std::ops::RangeInclusive<usize> = 1024..=16 * 1024 * 1024;

fn default_body_limit() -> usize {
    64 * 1024
}

fn default_method() -> String {
    "GET".into()
}

impl EndpointConfig {
    /// How long one poll may take: the `timeout` written, else 3s or the interval if shorter.
    pub fn timeout(&self) -> Duration {
        timeout_or_default(self.timeout_written, DEFAULT_TIMEOUT, self.interval)
    }

    /// The statuses counted as up.
    pub fn expected_statuses(&self) -> Vec<std::ops::RangeInclusive<u16>> {
        if self.expect_status.is_empty() {
            return vec![200..=399];
        }
        self.expect_status
            .iter()
            .filter_map(|s| s.range().ok())
            .collect()
    }

    /// The first thing wrong with this probe, as (key, message).
    fn problem(&self) -> Option<(&'static str, String)> {
        let url = &self.url;
        let Some(scheme) = ["http://", "https://", "tcp://"]
            .into_iter()
            .find(|s| url.starts_with(s))
        else {
            return Some((
                "url",
                format!("{url:?} is not a probe address: expected http://, https:// or tcp://"),
            ));
        };
        let parsed = match url::Url::parse(url) {
            Ok(parsed) => parsed,
            Err(error) => return Some(("url", format!("{url:?} is not a URL: {error}"))),
        };
        if crate::secret::has_inline_credential(url) {
            return Some((
                "url",
                format!(
                    "a credential is written in the url ({}): send it in a header read from \
                     the environment instead, e.g. headers = {{ Authorization = \"env:API_TOKEN\" }}",
                    crate::redact::redact_secrets(url)
                ),
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Some(("url", format!("{url:?} names no host")));
        }
        if scheme == "tcp://" {
            if parsed.port().is_none() {
                return Some(("url", format!("{url:?} needs a port: tcp://host:port")));
            }
            if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
                return Some((
                    "url",
                    format!("{url:?} has a path: a tcp:// probe only connects, to tcp://host:port"),
                ));
            }
            if let Some(key) = self.http_only_key() {
                return Some((
                    key,
                    format!("`{key}` only applies to http:// and https:// probes"),
                ));
            }
        }
        if let Err(why) = duration::within(self.interval, &duration::PROBE_INTERVAL) {
            return Some(("interval", why));
        }
        if self.timeout().is_zero() || self.timeout() > self.interval {
            return Some((
                "timeout",
                format!(
                    "must be more than 0 and at most the interval ({})",
                    humantime::format_duration(self.interval)
                ),
            ));
        }
        if let Err(why) = duration::within(self.slow_after, &duration::SLOW) {
            return Some(("slow_after", why));
        }
        if !BODY_LIMIT.contains(&self.body_limit) {
            return Some((
                "body_limit",
                format!(
                    "{} is out of range: expected {} to {} bytes",
                    self.body_limit,
                    BODY_LIMIT.start(),
                    BODY_LIMIT.end()
                ),
            ));
        }
        if hyper::Method::from_bytes(self.method.as_bytes()).is_err() {
            return Some(("method", format!("{:?} is not an HTTP method", self.method)));
        }
        for (name, value) in &self.headers {
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Some(("headers", format!("{name:?} is not a header name")));
            }
            if let Some(var) = value.strip_prefix("env:")
                && (var.is_empty() || var.contains('='))
            {
                return Some((
                    "headers",
                    format!("header {name}: {var:?} is not a variable name"),
                ));
            }
        }
        if let Some(error) = self.expect_status.iter().find_map(|s| s.range().err()) {
            return Some(("expect_status", error));
        }
        let assertions = [
            self.body_contains.is_some(),
            self.body_regex.is_some(),
            self.json.is_some(),
        ];
        if assertions.iter().filter(|a| **a).count() > 1 {
            let second = ["body_contains", "body_regex", "json"]
                .into_iter()
                .zip(assertions)
                .filter_map(|(key, set)| set.then_some(key))
                .nth(1)
                .unwrap_or("json");
            return Some((
                second,
                "at most one of body_contains, body_regex and json per endpoint".into(),
            ));
        }
        if let Some(pattern) = &self.body_regex
            && let Err(error) = regex::Regex::new(pattern)
        {
            return Some(("body_regex", format!("not a regular expression: {error}")));
        }
        if let Some(json) = &self.json
            && !(json.pointer.is_empty() || json.pointer.starts_with('/'))
        {
            return Some((
                "json",
                format!("{:?} is not a JSON pointer: it starts with /", json.pointer),
            ));
        }
        if let Some(Err(error)) = self.ca_file.as_deref().map(crate::tls::read_certificates) {
            return Some(("ca_file", error));
        }
        None
    }

    fn http_only_key(&self) -> Option<&'static str> {
        [
            ("headers", !self.headers.is_empty()),
            ("body_limit", self.body_limit != default_body_limit()),
            ("expect_status", !self.expect_status.is_empty()),
            ("body_contains", self.body_contains.is_some()),
            ("body_regex", self.body_regex.is_some()),
            ("json", self.json.is_some()),
            ("follow_redirects", self.follow_redirects),
            ("insecure_tls", self.insecure_tls),
            ("ca_file", self.ca_file.is_some()),
        ]
        .into_iter()
        .find_map(|(key, set)| set.then_some(key))
    }
}

pub use crate::model::databases::DatabaseKind;

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
    pub tls: Option<database::TlsMode>,
    /// The CA that signs the server's certificate, trusted instead of the system's (`verify-full`).
    pub ca_file: Option<std::path::PathBuf>,
    /// What `url_env` and `password_env` held at load.
    #[serde(skip)]
    pub(crate) secrets: database::Secrets,
}

impl DatabaseConfig {
    /// How long one poll may take: the `timeout` written, else 3s or the interval if shorter.
    pub fn timeout(&self) -> Duration {
        timeout_or_default(self.timeout_written, DEFAULT_TIMEOUT, self.interval)
    }

    /// A duration out of its documented range, as (key, message).
    fn invalid_timing(&self) -> Option<(&'static str, String)> {
        if let Err(why) = duration::within(self.interval, &duration::PROBE_INTERVAL) {
            return Some(("interval", why));
        }
        if self.timeout().is_zero() || self.timeout() > self.interval {
            return Some((
                "timeout",
                format!(
                    "must be more than 0 and at most the interval ({})",
                    duration::shown(self.interval)
                ),
            ));
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

/// An alert rule (the Alerts tab); `assets/rules.default.toml` documents the fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// `series{label="value"} > number`, parsed as PromQL.
    pub expr: Condition,
    #[serde(rename = "for", with = "humantime_serde", default)]
    pub hold: Duration,
    #[serde(with = "humantime_serde", default)]
    pub keep_firing_for: Duration,
    pub severity: Priority,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub runbook: Option<String>,
    #[serde(with = "humantime_serde", default)]
    pub escalate_after: Option<Duration>,
}

impl RuleConfig {
    /// A duration out of its documented range, as (key, message).
    fn invalid_timing(&self) -> Option<(&'static str, String)> {
        let escalate_after = self.escalate_after.map(|d| (d, &duration::ESCALATE_AFTER));
        [
            ("for", Some((self.hold, &duration::RULE_HOLD))),
            (
                "keep_firing_for",
                Some((self.keep_firing_for, &duration::RULE_HOLD)),
            ),
            ("escalate_after", escalate_after),
        ]
        .into_iter()
        .find_map(|(key, value)| {
            let (value, range) = value?;
            duration::within(value, range).err().map(|why| (key, why))
        })
    }

    fn rule(&self) -> Rule {
        Rule {
            name: self.name.clone(),
            condition: self.expr.clone(),
            hold: self.hold,
            keep_firing_for: self.keep_firing_for,
            priority: self.severity,
            summary: self
                .summary
                .clone()
                .unwrap_or_else(|| format!("{} ({{{{ $value }}}})", self.name)),
            runbook: self.runbook.clone(),
            escalate_after: self
                .escalate_after
                .unwrap_or_else(|| self.severity.escalate_after()),
        }
    }
}

/// The shipped rules: embedded, so every install starts with the manual's rule table.
pub const DEFAULT_RULES: &str = include_str!("../../assets/rules.default.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rule: Vec<RuleConfig>,
}

/// The shipped rules, parsed; the contract tests check they parse.
pub fn default_rules() -> Result<Vec<RuleConfig>, LoadError> {
    let file = "assets/rules.default.toml (embedded)";
    let parsed: RulesFile =
        toml::from_str(DEFAULT_RULES).map_err(|e| LoadError::from_toml(file, DEFAULT_RULES, &e))?;
    Ok(parsed.rule)
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Shipped rules switched off, by name.
    pub disabled: Vec<String>,
}

impl Config {
    /// Parses and validates one config file; `file` is how errors name it. The series its rules
    /// name are checked apart, against what is published ([`Config::check_series`]).
    pub fn parse(file: &str, text: &str) -> Result<Self, LoadError> {
        Self::parse_with_env(file, text, &|name| std::env::var(name).ok())
    }

    /// [`Config::parse`], reading the variables the config names (`url_env`) through `env`.
    pub fn parse_with_env(
        file: &str,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, LoadError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))?;
        config.validate(file, text)?;
        secrets::resolve(&mut config, file, text, env)?;
        notify::load(&mut config.notify, file, text, env)?;
        Ok(config)
    }

    /// The embedded default config.
    pub fn embedded() -> Result<Self, LoadError> {
        Self::parse("assets/config.default.toml (embedded)", DEFAULT_CONFIG)
    }

    /// Every rule watches a series of `published`, else the first that does not is blamed with
    /// its place in `text`. The series are registered by whoever publishes them, which the
    /// config does not know: whoever loads it is given them.
    pub fn check_series(
        &self,
        file: &str,
        text: &str,
        published: &SeriesCatalogue,
    ) -> Result<(), LoadError> {
        self.rule
            .iter()
            .enumerate()
            .find_map(|(entry, rule)| {
                let message = published.unknown(&rule.expr.series)?;
                Some(LoadError::at_entry_key(
                    file,
                    text,
                    Some("rule"),
                    entry,
                    "expr",
                    message,
                ))
            })
            .map_or(Ok(()), Err)
    }

    fn validate(&self, file: &str, text: &str) -> Result<(), LoadError> {
        let at = |section: Option<&str>, key: &str, message: String| {
            Err(LoadError::at_key(file, text, section, key, message))
        };
        if self.refresh < Duration::from_millis(100) {
            return at(
                None,
                "refresh",
                format!(
                    "{} is too fast: expected at least 100ms",
                    humantime::format_duration(self.refresh)
                ),
            );
        }
        if self.refresh > MAX_REFRESH {
            return at(
                None,
                "refresh",
                format!(
                    "{} is too slow: expected at most {}",
                    humantime::format_duration(self.refresh),
                    humantime::format_duration(MAX_REFRESH)
                ),
            );
        }
        if self.history < self.refresh * 2 {
            return at(
                None,
                "history",
                "expected at least two refresh intervals".into(),
            );
        }
        if self.history > MAX_HISTORY {
            return at(
                None,
                "history",
                format!(
                    "{} is too long: expected at most {} (history is kept in memory)",
                    humantime::format_duration(self.history),
                    humantime::format_duration(MAX_HISTORY)
                ),
            );
        }
        let samples = self.history.as_secs_f64() / self.refresh.as_secs_f64();
        if samples > MAX_SAMPLES_PER_SERIES as f64 {
            return at(
                None,
                "history",
                format!(
                    "{} at refresh {} keeps {samples:.0} samples per series: expected at most \
                     {MAX_SAMPLES_PER_SERIES}; shorten history or refresh less often",
                    humantime::format_duration(self.history),
                    humantime::format_duration(self.refresh)
                ),
            );
        }
        if self.containers.log_buffer < 100 {
            return at(
                Some("containers"),
                "log_buffer",
                "expected at least 100 lines".into(),
            );
        }
        if self.containers.log_tail > self.containers.log_buffer {
            return at(
                Some("containers"),
                "log_tail",
                "cannot exceed log_buffer".into(),
            );
        }
        if let Err(why) = duration::within(self.watch.rotate, &duration::ROTATE) {
            return at(Some("watch"), "rotate", why);
        }
        let r = &self.resources;
        for (name, warn, crit, limit) in [
            ("cpu", r.cpu_warn_percent, r.cpu_crit_percent, 100.0),
            (
                "memory",
                r.memory_warn_percent,
                r.memory_crit_percent,
                100.0,
            ),
            ("swap", r.swap_warn_percent, r.swap_crit_percent, 100.0),
            ("disk", r.disk_warn_percent, r.disk_crit_percent, 100.0),
            (
                "load",
                r.load_warn_per_core,
                r.load_crit_per_core,
                f64::INFINITY,
            ),
        ] {
            let (warn_key, crit_key) = if name == "load" {
                (
                    "load_warn_per_core".to_string(),
                    "load_crit_per_core".to_string(),
                )
            } else {
                (
                    format!("{name}_warn_percent"),
                    format!("{name}_crit_percent"),
                )
            };
            let upper = if limit.is_finite() {
                format!(" and {limit}")
            } else {
                String::new()
            };
            if !(0.0..=limit).contains(&warn) {
                let range = if limit.is_finite() {
                    format!("0 to {limit}")
                } else {
                    "0 or more".into()
                };
                return at(
                    Some("resources"),
                    &warn_key,
                    format!("{warn} is out of range: expected {range}"),
                );
            }
            if !(warn..=limit).contains(&crit) {
                return at(
                    Some("resources"),
                    &crit_key,
                    format!("{crit} must be between the warning threshold ({warn}){upper}"),
                );
            }
        }
        unique_names(
            file,
            text,
            "docker",
            self.docker.iter().map(|d| d.name.as_str()),
        )?;
        unique_names(
            file,
            text,
            "endpoint",
            self.endpoint.iter().map(|e| e.name.as_str()),
        )?;
        unique_names(
            file,
            text,
            "database",
            self.database.iter().map(|d| d.name.as_str()),
        )?;
        unique_names(
            file,
            text,
            "rule",
            self.rule.iter().map(|r| r.name.as_str()),
        )?;
        unique_names(
            file,
            text,
            "alertmanager",
            self.alertmanager.iter().map(|a| a.name.as_str()),
        )?;
        let at_entry = |section: &str, entry: usize, key: &str, message: String| {
            Err(LoadError::at_entry_key(
                file,
                text,
                Some(section),
                entry,
                key,
                message,
            ))
        };
        for (section, names) in [
            (
                "docker",
                self.docker.iter().map(|d| &d.name).collect::<Vec<_>>(),
            ),
            ("endpoint", self.endpoint.iter().map(|e| &e.name).collect()),
            ("database", self.database.iter().map(|d| &d.name).collect()),
            ("rule", self.rule.iter().map(|r| &r.name).collect()),
            (
                "alertmanager",
                self.alertmanager.iter().map(|a| &a.name).collect(),
            ),
        ] {
            if let Some(entry) = names.iter().position(|name| name.trim().is_empty()) {
                return at_entry(
                    section,
                    entry,
                    "name",
                    "is empty: every entry needs a name to be shown and told apart by".into(),
                );
            }
        }
        for (entry, database) in self.database.iter().enumerate() {
            if let Some((key, message)) = database.invalid().or_else(|| database.invalid_timing()) {
                return at_entry("database", entry, key, message);
            }
        }
        for (entry, alertmanager) in self.alertmanager.iter().enumerate() {
            if let Some((key, message)) = alertmanager.invalid() {
                return at_entry("alertmanager", entry, key, message);
            }
        }
        for (entry, docker) in self.docker.iter().enumerate() {
            if let Some(scheme) = ["ssh://", "https://"]
                .into_iter()
                .find(|s| docker.host.starts_with(s))
            {
                return at_entry(
                    "docker",
                    entry,
                    "host",
                    format!(
                        "{scheme} is not supported by this build (no SSH or TLS transport): forward \
                         the remote socket, e.g. `ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock \
                         user@host`, then use host = \"unix:///tmp/remote-docker.sock\""
                    ),
                );
            }
            if crate::secret::has_inline_credential(&docker.host) {
                return at_entry(
                    "docker",
                    entry,
                    "host",
                    format!(
                        "a credential is written in the host ({}): a Docker engine takes none \
                         in its address",
                        crate::redact::redact_secrets(&docker.host)
                    ),
                );
            }
            if !["unix://", "tcp://", "http://"]
                .iter()
                .any(|s| docker.host.starts_with(s))
            {
                return at_entry(
                    "docker",
                    entry,
                    "host",
                    format!(
                        "{:?} is not a Docker address: expected unix:// or tcp://",
                        docker.host
                    ),
                );
            }
        }
        for (entry, endpoint) in self.endpoint.iter().enumerate() {
            if let Some((key, message)) = endpoint.problem() {
                return at_entry("endpoint", entry, key, message);
            }
        }
        for (entry, rule) in self.rule.iter().enumerate() {
            if let Some((key, message)) = rule.invalid_timing() {
                return at_entry("rule", entry, key, message);
            }
            if !rule.expr.threshold.is_finite() {
                return at_entry(
                    "rule",
                    entry,
                    "expr",
                    format!("the threshold {} is not a number", rule.expr.threshold),
                );
            }
        }
        let shipped: Vec<String> = default_rules()?.into_iter().map(|r| r.name).collect();
        if let Some(unknown) = self.alerts.disabled.iter().find(|n| !shipped.contains(n)) {
            return at(
                Some("alerts"),
                "disabled",
                format!(
                    "no shipped rule is named {unknown:?}: expected one of {}",
                    shipped.join(", ")
                ),
            );
        }
        Ok(())
    }

    /// The Docker engines to watch: the configured ones, else the local engine when
    /// `containers.local` is on and there is one (`DOCKER_HOST` set, or `local_socket` exists).
    pub fn docker_engines(
        &self,
        docker_host_env: Option<&str>,
        local_socket: &std::path::Path,
    ) -> Vec<DockerConfig> {
        if !self.docker.is_empty() || !self.containers.local {
            return self.docker.clone();
        }
        let host = match docker_host_env.filter(|h| !h.is_empty()) {
            Some(host) => host.to_string(),
            None if local_socket.exists() => format!("unix://{}", local_socket.display()),
            None => return Vec::new(),
        };
        vec![DockerConfig {
            name: "local".into(),
            host,
            protected: Vec::new(),
        }]
    }

    /// The rules the engine evaluates: the shipped ones not switched off, each replaced by a
    /// `[[rule]]` of the same name, then the other `[[rule]]`s.
    pub fn alert_rules(&self) -> Vec<Rule> {
        self.rule_catalogue()
            .into_iter()
            .filter(|entry| entry.origin != RuleOrigin::Off)
            .map(|entry| entry.rule)
            .collect()
    }

    /// Every rule with where it comes from, the switched-off ones included: what the rules view
    /// lists.
    pub fn rule_catalogue(&self) -> Vec<RuleEntry> {
        let shipped = default_rules().unwrap_or_default();
        let mut rules: Vec<RuleEntry> = shipped
            .iter()
            .map(|r| {
                let own = self.rule.iter().find(|own| own.name == r.name);
                let origin = if self.alerts.disabled.contains(&r.name) {
                    RuleOrigin::Off
                } else if own.is_some() {
                    RuleOrigin::Overridden
                } else {
                    RuleOrigin::Shipped
                };
                RuleEntry {
                    rule: own.unwrap_or(r).rule(),
                    origin,
                }
            })
            .collect();
        rules.extend(
            self.rule
                .iter()
                .filter(|own| !shipped.iter().any(|r| r.name == own.name))
                .map(|own| RuleEntry {
                    rule: own.rule(),
                    origin: RuleOrigin::Own,
                }),
        );
        rules
    }
}

fn unique_names<'a>(
    file: &str,
    text: &str,
    section: &str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), LoadError> {
    let mut seen = HashSet::new();
    for (entry, name) in names.enumerate() {
        if !seen.insert(name) {
            return Err(LoadError::at_entry_key(
                file,
                text,
                Some(section),
                entry,
                "name",
                format!("two [[{section}]] entries are named {name:?}; names must be unique"),
            ));
        }
    }
    Ok(())
}

/// Everything the console needs from files, loaded and checked before the terminal is touched.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Where the config came from, for `config path` and the log.
    pub config_source: String,
}

/// Loads the config (an explicit file, else the user's, else the embedded default), its rules
/// watching only `published` series, then the theme and keymap it names with the user's
/// patches. `theme` replaces the config's theme.
pub fn load(
    paths: &Paths,
    explicit: Option<&std::path::Path>,
    theme: Option<&str>,
    published: &SeriesCatalogue,
) -> Result<Loaded, LoadError> {
    let path = explicit.map(std::path::Path::to_path_buf).or_else(|| {
        let user = paths.config_file();
        user.exists().then_some(user)
    });
    let (config_source, text) = match path {
        Some(path) => {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| LoadError::file(&shown, format!("cannot read: {e}")))?;
            (shown, text)
        }
        None => ("embedded default".to_string(), DEFAULT_CONFIG.to_string()),
    };
    let config = Config::parse(&config_source, &text)?;
    config.check_series(&config_source, &text, published)?;
    // A theme or keymap name that names nothing is blamed on the config line that holds it.
    let known = |kind: &str, name: &str, shipped: &[(&str, &str)], user: &std::path::Path| {
        shipped_base(kind, shipped, name, user.exists())
            .map(|_| ())
            .map_err(|e| LoadError::at_key(&config_source, &text, None, kind, e.message))
    };
    if theme.is_none() {
        known(
            "theme",
            &config.theme,
            theme::SHIPPED,
            &paths.user_theme(&config.theme),
        )?;
    }
    known(
        "keymap",
        &config.keymap,
        keymap::SHIPPED,
        &paths.user_keymap(&config.keymap),
    )?;
    let theme_name = theme.unwrap_or(config.theme.as_str());
    let theme = with_user_file(&paths.user_theme(theme_name), |user| {
        Theme::load(theme_name, user)
    })?;
    let keymap = with_user_file(&paths.user_keymap(&config.keymap), |user| {
        Keymap::load(&config.keymap, user)
    })?;
    Ok(Loaded {
        config,
        theme,
        keymap,
        config_source,
    })
}

fn with_user_file<T>(
    path: &std::path::Path,
    load: impl FnOnce(Option<(&str, &str)>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    if !path.exists() {
        return load(None);
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::file(&shown, format!("cannot read: {e}")))?;
    load(Some((&shown, &text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_equals_the_built_in_defaults() {
        let embedded = Config::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(embedded, Config::default());
    }

    #[test]
    fn partial_file_keeps_defaults() {
        let config = Config::parse(
            "c.toml",
            "refresh = \"5s\"\n[resources]\ndisk_warn_percent = 70\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.refresh, Duration::from_secs(5));
        assert_eq!(config.resources.disk_warn_percent, 70.0);
        assert_eq!(config.resources.disk_crit_percent, 90.0);
        assert_eq!(config.history, Duration::from_secs(600));
    }

    fn error_of(text: &str) -> String {
        Config::parse("c.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{text:?} should fail"))
    }

    #[test]
    fn endpoint_values_are_checked_with_their_place() {
        let entry =
            |extra: &str| format!("[[endpoint]]\nname = \"web\"\nurl = \"http://web\"\n{extra}\n");
        for (extra, expected) in [
            (
                "expect_status = [700]",
                "c.toml:4:1: key `endpoint.expect_status`: 700 is not an HTTP status",
            ),
            (
                "expect_status = [\"300-200\"]",
                "c.toml:4:1: key `endpoint.expect_status`: \"300-200\" is an empty range",
            ),
            (
                "body_regex = \"(\"",
                "c.toml:4:1: key `endpoint.body_regex`: not a regular expression",
            ),
            (
                "json = { pointer = \"status\", equals = 1 }",
                "c.toml:4:1: key `endpoint.json`: \"status\" is not a JSON pointer",
            ),
            (
                "timeout = \"20s\"",
                "c.toml:4:1: key `endpoint.timeout`: must be more than 0 and at most the interval (10s)",
            ),
            ("method = \"GE T\"", "c.toml:4:1: key `endpoint.method`"),
            (
                "body_limit = 10",
                "c.toml:4:1: key `endpoint.body_limit`: 10 is out of range: expected 1024 to 16777216 bytes",
            ),
            (
                "headers = { \"X Bad\" = \"1\" }",
                "c.toml:4:1: key `endpoint.headers`",
            ),
            (
                "ca_file = \"/nonexistent/ca.pem\"",
                "c.toml:4:1: key `endpoint.ca_file`: /nonexistent/ca.pem",
            ),
            ("interval = \"10\"", "c.toml:4:12: key `endpoint.interval`"),
        ] {
            let error = error_of(&entry(extra));
            assert!(error.starts_with(expected), "{extra}: {error}");
        }
        let error = error_of("[[endpoint]]\nname = \"db\"\nurl = \"tcp://db\"\n");
        assert!(error.contains("needs a port: tcp://host:port"), "{error}");
        let error = error_of(
            "[[endpoint]]\nname = \"db\"\nurl = \"tcp://db:5432\"\nbody_contains = \"x\"\n",
        );
        assert!(
            error.starts_with(
                "c.toml:4:1: key `endpoint.body_contains`: `body_contains` only applies"
            ),
            "{error}"
        );
        let error = error_of(&entry("body_contains = \"a\"\nbody_regex = \"b\""));
        assert!(
            error.starts_with("c.toml:5:1: key `endpoint.body_regex`: at most one of"),
            "{error}"
        );
        let env = |name: &str| (name == "API_TOKEN").then(|| "t0ken".to_string());
        let config = Config::parse_with_env("c.toml", &entry("expect_status = [204, \"300-399\"]\nheaders = { Authorization = \"env:API_TOKEN\" }"), &env)
            .map_err(|e| e.to_string());
        assert!(config.is_ok(), "{config:?}");
    }

    /// As many seconds as a `u64` holds: the largest duration a file can hold.
    const HUGE: &str = "18446744073709551615s";

    #[test]
    fn every_duration_out_of_its_range_is_an_error_at_its_line_naming_its_entry() {
        let endpoint = "[[endpoint]]\nname = \"web\"\nurl = \"http://web\"\n";
        let database =
            "[[database]]\nname = \"main\"\nkind = \"redis\"\nurl = \"redis://db:6379\"\n";
        let rule =
            "[[rule]]\nname = \"cpu\"\nexpr = 'system_cpu_percent > 90'\nseverity = \"P1\"\n";
        let alertmanager = "[[alertmanager]]\nname = \"prod\"\nurl = \"http://am:9093\"\n";
        for (entry, key, entry_name, range) in [
            ("[watch]\n", "watch.rotate", None, "expected 1s to 1h"),
            (
                endpoint,
                "endpoint.interval",
                Some("web"),
                "expected 1s to 1day",
            ),
            (
                endpoint,
                "endpoint.slow_after",
                Some("web"),
                "expected 1ms to 1h",
            ),
            (
                database,
                "database.interval",
                Some("main"),
                "expected 1s to 1day",
            ),
            (
                database,
                "database.slow_query",
                Some("main"),
                "expected 1ms to 1h",
            ),
            (rule, "rule.for", Some("cpu"), "expected 0s to 1day"),
            (
                rule,
                "rule.keep_firing_for",
                Some("cpu"),
                "expected 0s to 1day",
            ),
            (
                rule,
                "rule.escalate_after",
                Some("cpu"),
                "expected 1m to 7days",
            ),
            (
                alertmanager,
                "alertmanager.ack_silence",
                Some("prod"),
                "expected 1m to 1year",
            ),
        ] {
            let name = key.rsplit('.').next().unwrap_or(key);
            for value in [HUGE, "99999999999h", "0s"] {
                if value == "0s" && name.contains("for") && !name.contains("escalate") {
                    continue;
                }
                let text = format!("{entry}{name} = \"{value}\"\n");
                let line = text.lines().count();
                let error = error_of(&text);
                assert!(
                    error.starts_with(&format!("c.toml:{line}:1: key `{key}`: "))
                        && error.contains(&format!("is out of range: {range}")),
                    "{text}: {error}"
                );
                if let Some(entry_name) = entry_name {
                    let named = format!(
                        "(in [[{}]] \"{entry_name}\")",
                        key.split('.').next().unwrap_or(key)
                    );
                    assert!(error.contains(&named), "{text}: {error}");
                }
            }
        }
        for (entry, key) in [
            (endpoint, "endpoint.timeout"),
            (database, "database.timeout"),
            (alertmanager, "alertmanager.timeout"),
        ] {
            let error = error_of(&format!("{entry}timeout = \"{HUGE}\"\n"));
            assert!(
                error.contains(&format!(
                    "key `{key}`: must be more than 0 and at most the interval"
                )),
                "{error}"
            );
        }
    }

    #[test]
    fn an_unwritten_timeout_is_at_most_the_interval() {
        let config = Config::parse(
            "c.toml",
            "[[endpoint]]\nname = \"fast\"\nurl = \"http://web\"\ninterval = \"2s\"\n\
             [[endpoint]]\nname = \"slow\"\nurl = \"http://web\"\n\
             [[database]]\nname = \"db\"\nkind = \"redis\"\nurl = \"redis://db:6379\"\ninterval = \"1s\"\n\
             [[alertmanager]]\nname = \"am\"\nurl = \"http://am:9093\"\ninterval = \"2s\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let seconds = |d: Duration| d.as_secs();
        assert_eq!(
            (
                seconds(config.endpoint[0].timeout()),
                seconds(config.endpoint[1].timeout()),
                seconds(config.database[0].timeout()),
                seconds(config.alertmanager[0].timeout()),
            ),
            (2, 3, 1, 2)
        );
        // One written past the interval is still an error, at its line and naming its entry.
        let error = error_of(
            "[[endpoint]]\nname = \"a\"\nurl = \"http://a\"\n[[endpoint]]\nname = \"b\"\nurl = \"http://b\"\ninterval = \"2s\"\ntimeout = \"3s\"\n",
        );
        assert!(
            error.starts_with("c.toml:8:1: key `endpoint.timeout`: must be more than 0 and at most the interval (2s) (in [[endpoint]] \"b\")"),
            "{error}"
        );
    }

    #[test]
    fn odd_entries_are_errors_at_their_line() {
        for (text, expected) in [
            (
                "[[rule]]\nname = \"\"\nexpr = 'system_cpu_percent > 90'\nseverity = \"P1\"\n",
                "c.toml:2:1: key `rule.name`: is empty",
            ),
            (
                "[[database]]\nname = \" \"\nkind = \"redis\"\nurl = \"redis://db:6379\"\n",
                "c.toml:2:1: key `database.name`: is empty",
            ),
            (
                "[[endpoint]]\nname = \"\"\nurl = \"http://web\"\n",
                "c.toml:2:1: key `endpoint.name`: is empty",
            ),
            (
                "[[rule]]\nname = \"cpu\"\nexpr = 'system_cpu_percent > NaN'\nseverity = \"P1\"\n",
                "c.toml:3:1: key `rule.expr`: the threshold NaN is not a number (in [[rule]] \"cpu\")",
            ),
            (
                "[[endpoint]]\nname = \"db\"\nurl = \"tcp://db:1/path\"\n",
                "c.toml:3:1: key `endpoint.url`: \"tcp://db:1/path\" has a path",
            ),
        ] {
            let error = error_of(text);
            assert!(error.starts_with(expected), "{text}: {error}");
        }
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let error = error_of("refresh = \"1s\"\n[resources]\ndisk_warn = 80\n");
        assert!(
            error.starts_with("c.toml:3:1: key `resources.disk_warn`: unknown field `disk_warn`"),
            "{error}"
        );
    }

    #[test]
    fn bad_duration_names_line_and_key() {
        let error = error_of("\nrefresh = \"soon\"\n");
        assert!(error.starts_with("c.toml:2:11: key `refresh`:"), "{error}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let error = error_of("[resources]\ndisk_crit_percent = \"high\"\n");
        assert!(
            error.starts_with("c.toml:2:21: key `resources.disk_crit_percent`: invalid type"),
            "{error}"
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let error = error_of("refresh = \"1s\"\ntheme = \n");
        assert!(error.starts_with("c.toml:2:"), "{error}");
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let error = error_of("[resources]\ndisk_warn_percent = 95\ndisk_crit_percent = 90\n");
        assert!(
            error.starts_with("c.toml:3:1: key `resources.disk_crit_percent`: 90 must be between"),
            "{error}"
        );
        let error = error_of("refresh = \"10ms\"\n");
        assert!(
            error.starts_with("c.toml:1:1: key `refresh`: 10ms is too fast"),
            "{error}"
        );
        let error = error_of(
            "[[docker]]\nname = \"a\"\nhost = \"unix:///a\"\n[[docker]]\nname = \"a\"\nhost = \"unix:///b\"\n",
        );
        assert!(
            error.contains("two [[docker]] entries are named \"a\""),
            "{error}"
        );
        let error = error_of("[[endpoint]]\nname = \"web\"\nurl = \"ftp://x\"\n");
        assert!(
            error.starts_with("c.toml:3:1: key `endpoint.url`"),
            "{error}"
        );
        let error = error_of(
            "[[endpoint]]\nname = \"a\"\nurl = \"http://a\"\n[[endpoint]]\nname = \"b\"\nurl = \"ftp://b\"\n",
        );
        assert!(
            error.starts_with("c.toml:6:1: key `endpoint.url`"),
            "the second entry: {error}"
        );
        let error = error_of("refresh = \"2h\"\n");
        assert!(
            error.starts_with("c.toml:1:1: key `refresh`: 2h is too slow"),
            "{error}"
        );
        let error = error_of("history = \"1000d\"\n");
        assert!(
            error.starts_with("c.toml:1:1: key `history`: ")
                && error.contains("is too long: expected at most 1day"),
            "{error}"
        );
        let error = error_of("refresh = \"100ms\"\nhistory = \"12h\"\n");
        assert!(
            error.starts_with(
                "c.toml:2:1: key `history`: 12h at refresh 100ms keeps 432000 samples"
            ),
            "{error}"
        );
        let error = error_of("[[docker]]\nname = \"prod\"\nhost = \"ssh://ops@prod-1\"\n");
        assert!(
            error.starts_with(
                "c.toml:3:1: key `docker.host`: ssh:// is not supported by this build"
            ),
            "{error}"
        );
        let error = error_of("[[docker]]\nname = \"prod\"\nhost = \"https://prod-1:2376\"\n");
        assert!(
            error.contains("https:// is not supported by this build"),
            "{error}"
        );
        let error = error_of("[resources]\nload_warn_per_core = -1.0\n");
        assert!(error.starts_with("c.toml:2:1: key `resources.load_warn_per_core`: -1 is out of range: expected 0 or more"), "{error}");
    }

    #[test]
    fn the_local_engine_is_used_only_when_there_is_one() {
        let config = Config::default();
        let missing = std::path::Path::new("/nonexistent/docker.sock");
        assert!(config.docker_engines(None, missing).is_empty());
        let from_env = config.docker_engines(Some("unix:///tmp/d.sock"), missing);
        assert_eq!(
            from_env
                .iter()
                .map(|d| (d.name.as_str(), d.host.as_str()))
                .collect::<Vec<_>>(),
            [("local", "unix:///tmp/d.sock")]
        );
        let configured = Config::parse("c.toml", "[[docker]]\nname = \"prod\"\nhost = \"tcp://10.0.0.1:2375\"\nprotected = [\"db\", \"pay-*\"]\n").unwrap();
        let engines = configured.docker_engines(Some("unix:///tmp/d.sock"), missing);
        assert_eq!(engines.len(), 1);
        assert!(
            engines[0].protects("db")
                && engines[0].protects("pay-api")
                && !engines[0].protects("web")
        );
        let off = Config::parse("c.toml", "[containers]\nlocal = false\n").unwrap();
        assert!(
            off.docker_engines(Some("unix:///tmp/d.sock"), missing)
                .is_empty()
        );
    }
}
