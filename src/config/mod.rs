//! Configuration: the embedded default, or the user's TOML file, validated before the UI starts.

pub mod alertmanager;
pub mod database;
mod docker;
mod endpoint;
pub mod error;
pub mod key;
pub mod keymap;
mod load;
pub mod notify;
pub mod paths;
pub mod prometheus;
mod rules;
mod runbook;
mod secrets;
pub mod theme;

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;

pub use alertmanager::AlertmanagerConfig;
pub use database::DatabaseConfig;
pub use docker::{DockerConfig, DockerTls};
pub use endpoint::{EndpointConfig, JsonAssertion, StatusSpec};
pub use error::LoadError;
pub use keymap::Keymap;
pub use load::{Loaded, load};
pub use notify::NotifyConfig;
pub use paths::Paths;
pub use prometheus::{ImportConfig, PrometheusConfig};
pub use rules::{AlertsConfig, DEFAULT_RULES, RuleConfig, default_rules};
pub use runbook::RunbookConfig;
pub use theme::Theme;

pub use crate::model::databases::DatabaseKind;

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
    pub prometheus: Vec<PrometheusConfig>,
    pub runbook: RunbookConfig,
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
            prometheus: Vec::new(),
            runbook: RunbookConfig::default(),
        }
    }
}

/// The Resources tab. Its gauges have no thresholds of their own: they take their colour from
/// the alert rules over their series (see [`REMOVED_RESOURCES_KEYS`]).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourcesConfig {
    /// Mount points left out of the disk panel and of the series.
    pub ignore_mounts: Vec<String>,
}

/// The `[resources]` thresholds of earlier versions, which coloured the gauges by a judgement
/// of their own, and the shipped rule that judges the gauge now, if any.
const REMOVED_RESOURCES_KEYS: &[(&str, Option<&str>)] = &[
    ("cpu_warn_percent", Some("HighCPUUsage")),
    ("cpu_crit_percent", Some("CriticalCPUUsage")),
    ("memory_warn_percent", Some("HighMemoryUsage")),
    ("memory_crit_percent", Some("HighMemoryUsage")),
    ("swap_warn_percent", None),
    ("swap_crit_percent", None),
    ("disk_warn_percent", Some("DiskSpaceLow")),
    ("disk_crit_percent", Some("DiskSpaceLow")),
    ("load_warn_per_core", None),
    ("load_crit_per_core", None),
];

/// The first `[resources]` threshold of an earlier version in `text`, as an error that says
/// what replaced it; `None` when there is none (or the text is not TOML at all).
fn removed_resources_key(file: &str, text: &str) -> Option<LoadError> {
    let table: toml::Table = text.parse().ok()?;
    let resources = table.get("resources")?.as_table()?;
    REMOVED_RESOURCES_KEYS
        .iter()
        .filter(|(key, _)| resources.contains_key(*key))
        .map(|(key, rule)| {
            let gauge = match key.split('_').next() {
                Some("cpu") => "CPU",
                other => other.unwrap_or_default(),
            };
            let instead = match rule {
                Some(rule) => format!(
                    "to move the {gauge} threshold, replace the shipped rule `{rule}` with a \
                     [[rule]] of that name (assets/rules.default.toml)"
                ),
                None => format!(
                    "no shipped rule watches {gauge}: add a [[rule]] over its series to colour it"
                ),
            };
            LoadError::at_key(
                file,
                text,
                Some("resources"),
                key,
                format!(
                    "removed: gauges take their colour from the alert rules over their series \
                     (firing P0/P1 ✖ CRIT, P2/P3 ▲ WARN), as the Alerts tab shows them; {instead}"
                ),
            )
        })
        .min_by_key(|error| error.location.line)
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

/// A poll's timeout that cannot be honoured, as (key, message): one that is zero, or longer
/// than the interval between polls.
fn timeout_problem(timeout: Duration, interval: Duration) -> Option<(&'static str, String)> {
    (timeout.is_zero() || timeout > interval).then(|| {
        (
            "timeout",
            format!(
                "must be more than 0 and at most the interval ({})",
                duration::shown(interval)
            ),
        )
    })
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
        let mut config: Config = toml::from_str(text).map_err(|e| {
            removed_resources_key(file, text)
                .unwrap_or_else(|| LoadError::from_toml(file, text, &e))
        })?;
        config.validate(file, text)?;
        secrets::resolve(&mut config, file, text, env)?;
        notify::load(&mut config.notify, file, text, env)?;
        Ok(config)
    }

    /// The embedded default config.
    pub fn embedded() -> Result<Self, LoadError> {
        Self::parse("assets/config.default.toml (embedded)", DEFAULT_CONFIG)
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
        unique_names(
            file,
            text,
            "prometheus",
            self.prometheus.iter().map(|p| p.name.as_str()),
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
            (
                "prometheus",
                self.prometheus.iter().map(|p| &p.name).collect(),
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
        // An import's place counts the imports of the entries before its own.
        let mut imports_before = 0;
        for (entry, prometheus) in self.prometheus.iter().enumerate() {
            match prometheus.invalid() {
                Some((key, None, message)) => return at_entry("prometheus", entry, key, message),
                Some((key, Some(import), message)) => {
                    return at_entry("prometheus.import", imports_before + import, key, message);
                }
                None => imports_before += prometheus.import.len(),
            }
        }
        for (entry, docker) in self.docker.iter().enumerate() {
            if let Some((key, message)) = docker.problem() {
                return at_entry("docker", entry, key, message);
            }
        }
        for (entry, endpoint) in self.endpoint.iter().enumerate() {
            if let Some((key, message)) = endpoint.problem() {
                return at_entry("endpoint", entry, key, message);
            }
        }
        for (entry, rule) in self.rule.iter().enumerate() {
            if let Some((key, message)) = rule.problem() {
                return at_entry("rule", entry, key, message);
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
            "refresh = \"5s\"\n[resources]\nignore_mounts = [\"/boot/efi\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.refresh, Duration::from_secs(5));
        assert_eq!(config.resources.ignore_mounts, ["/boot/efi"]);
        assert_eq!(config.history, Duration::from_secs(600));
    }

    pub(super) fn error_of(text: &str) -> String {
        Config::parse("c.toml", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{text:?} should fail"))
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
        let error = error_of("[resources]\nignore_mounts = \"/boot\"\n");
        assert!(
            error.starts_with("c.toml:2:17: key `resources.ignore_mounts`: invalid type"),
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
        let error = error_of("[[docker]]\nname = \"prod\"\nhost = \"https://prod-1:2376\"\n");
        assert!(
            error.starts_with("c.toml:3:1: key `docker.host`: \"https://prod-1:2376\" is not a Docker address: expected unix://, tcp:// or ssh://"),
            "{error}"
        );
    }

    #[test]
    fn removed_resources_thresholds_say_what_replaced_them() {
        let error = error_of(
            "refresh = \"1s\"\n[resources]\nignore_mounts = []\nmemory_warn_percent = 85\n\
             disk_warn_percent = 80\n",
        );
        assert!(
            error.starts_with(
                "c.toml:4:1: key `resources.memory_warn_percent`: removed: gauges take their \
                 colour from the alert rules over their series (firing P0/P1 ✖ CRIT, P2/P3 ▲ \
                 WARN), as the Alerts tab shows them; to move the memory threshold, replace the \
                 shipped rule `HighMemoryUsage` with a [[rule]] of that name"
            ),
            "the first one in the file: {error}"
        );
        let error = error_of("[resources]\nload_crit_per_core = 3.0\n");
        assert!(
            error.contains("no shipped rule watches load: add a [[rule]] over its series"),
            "{error}"
        );
    }
}
