//! A `[[prometheus]]`: where the fleet's hosts (node_exporter series), the series imported by
//! name (`[[prometheus.import]]`) and Prometheus's own alerts are read. Credentials come from the
//! environment or a file only its owner reads, never from the config file.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::secrets::HttpCredentials;
use crate::http::{Auth, shown_url};
use crate::secret::{self, Env};
use crate::tls;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub name: String,
    /// `http://host:9090` or `https://…` (a path prefix is kept), with no credentials in it.
    pub url: String,
    /// Basic auth: the user, whose password is in `password_env` or `password_file`.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The variable holding a bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Accept any certificate (https://).
    #[serde(default)]
    pub insecure_tls: bool,
    /// A PEM file of CA certificates trusted besides the system's (https://).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The label matchers of the node_exporter series, braces included.
    #[serde(default = "default_selector")]
    pub selector: String,
    #[serde(with = "humantime_serde", default = "default_interval")]
    pub interval: Duration,
    /// Unset, the smaller of 5s and the interval: see `timeout()`.
    #[serde(rename = "timeout", default, with = "humantime_serde")]
    timeout_written: Option<Duration>,
    /// Series read by name, each a PromQL query polled on the interval.
    #[serde(default)]
    pub import: Vec<ImportConfig>,
    /// The credentials, read at load.
    #[serde(skip)]
    auth: Option<Auth>,
}

/// One `[[prometheus.import]]`: a query whose answer is stored as the series `name`, with the
/// labels of the answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    pub name: String,
    pub query: String,
}

/// What the shipped config and the issue's manual call node_exporter's jobs.
pub const DEFAULT_SELECTOR: &str = r#"{job=~".*node.*"}"#;

fn default_selector() -> String {
    DEFAULT_SELECTOR.to_string()
}

fn default_interval() -> Duration {
    Duration::from_secs(15)
}

/// The timeout of a Prometheus that sets none, unless its interval is shorter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

const INTERVAL: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(3600);

/// Whether `name` is a legal Prometheus metric name.
fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

impl PrometheusConfig {
    /// How long one query may take: the `timeout` written, else 5s or the interval if shorter.
    pub fn timeout(&self) -> Duration {
        super::timeout_or_default(self.timeout_written, DEFAULT_TIMEOUT, self.interval)
    }

    /// The selector's matchers without their braces, to add others to:
    /// `job=~".*node.*"`.
    pub fn matchers(&self) -> &str {
        let selector = self.selector.trim();
        let inner = selector.strip_prefix('{').unwrap_or(selector);
        inner.strip_suffix('}').unwrap_or(inner).trim()
    }

    /// The key at fault and why, for a config error; the entry of an import at fault too.
    pub(super) fn invalid(&self) -> Option<(&'static str, Option<usize>, String)> {
        self.invalid_server()
            .map(|(key, why)| (key, None, why))
            .or_else(|| self.invalid_import())
    }

    fn invalid_server(&self) -> Option<(&'static str, String)> {
        let parsed = match url::Url::parse(&self.url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => parsed,
            _ => {
                return Some((
                    "url",
                    format!(
                        "{} is not a Prometheus address: expected http://host:port or https://…",
                        shown_url(&self.url)
                    ),
                ));
            }
        };
        if parsed.host_str().is_none_or(str::is_empty) {
            return Some(("url", format!("{} names no host", shown_url(&self.url))));
        }
        let in_query = parsed
            .query_pairs()
            .any(|(name, _)| crate::redact::is_credential_param(&name));
        if !parsed.username().is_empty() || parsed.password().is_some() || in_query {
            return Some((
                "url",
                format!(
                    "credentials are written in the url ({}): remove them and give `user` with \
                     `password_env` or `password_file` (basic auth), or `token_env` (a bearer \
                     token)",
                    shown_url(&self.url)
                ),
            ));
        }
        for (key, var) in [
            ("password_env", &self.password_env),
            ("token_env", &self.token_env),
        ] {
            if let Some(Err(problem)) = var.as_deref().map(secret::check_var_name) {
                return Some((key, problem));
            }
        }
        let password = self.password_env.is_some() || self.password_file.is_some();
        if self.password_env.is_some() && self.password_file.is_some() {
            return Some((
                "password_file",
                "give password_env or password_file, not both".into(),
            ));
        }
        match (&self.user, password, &self.token_env) {
            (Some(_), false, _) => {
                return Some((
                    "user",
                    "basic auth needs password_env or password_file too".into(),
                ));
            }
            (None, true, _) => {
                let key = if self.password_env.is_some() {
                    "password_env"
                } else {
                    "password_file"
                };
                return Some((key, "basic auth needs a user too".into()));
            }
            (Some(_), true, Some(_)) => {
                return Some((
                    "token_env",
                    "give basic auth (user and a password) or token_env, not both".into(),
                ));
            }
            _ => {}
        }
        if let Some(problem) =
            tls::https_keys_problem(parsed.scheme(), self.ca_file.as_deref(), self.insecure_tls)
        {
            return Some(problem);
        }
        if let Some(problem) = self.invalid_selector() {
            return Some(("selector", problem));
        }
        if let Err(why) = crate::duration::within(self.interval, &INTERVAL) {
            return Some(("interval", why));
        }
        super::timeout_problem(self.timeout(), self.interval)
    }

    /// A selector must be label matchers alone, `{job="node"}`: every query adds its own.
    fn invalid_selector(&self) -> Option<String> {
        let selector = self.selector.trim();
        let braced = selector.starts_with('{') && selector.ends_with('}');
        let parsed = promql_parser::parser::parse(&format!("up{selector}"));
        match parsed {
            Ok(promql_parser::parser::Expr::VectorSelector(_)) if braced => None,
            Ok(_) | Err(_) => Some(format!(
                "{selector:?} is not a selector: expected label matchers in braces, \
                 {DEFAULT_SELECTOR}"
            )),
        }
    }

    /// The first import at fault: its index, the key and why.
    fn invalid_import(&self) -> Option<(&'static str, Option<usize>, String)> {
        for (index, import) in self.import.iter().enumerate() {
            if !is_metric_name(&import.name) {
                return Some((
                    "name",
                    Some(index),
                    format!(
                        "{:?} is not a Prometheus metric name: letters, digits, _ and :, not \
                         starting with a digit",
                        import.name
                    ),
                ));
            }
            if self.import[..index].iter().any(|i| i.name == import.name) {
                return Some((
                    "name",
                    Some(index),
                    format!("imported twice as {:?}", import.name),
                ));
            }
            if let Err(why) = promql_parser::parser::parse(&import.query) {
                return Some(("query", Some(index), format!("not PromQL: {}", why.trim())));
            }
        }
        None
    }

    /// Reads the credentials: the key at fault and why, naming the variable or the file, never
    /// a value.
    pub(super) fn resolve(&mut self, env: Env<'_>) -> Result<(), (&'static str, String)> {
        let credentials = HttpCredentials {
            user: self.user.as_deref(),
            password_env: self.password_env.as_deref(),
            password_file: self.password_file.as_deref(),
            token_env: self.token_env.as_deref(),
        };
        self.auth = credentials.read(env)?;
        Ok(())
    }

    /// The TLS settings of its client: the system's CAs and `ca_file`'s, or none checked with
    /// `insecure_tls`.
    pub fn tls(&self) -> Result<rustls::ClientConfig, String> {
        tls::https_client(self.ca_file.as_deref(), self.insecure_tls)
    }

    /// The credentials, as read at load.
    pub fn auth(&self) -> Option<Auth> {
        self.auth.clone()
    }

    /// The address as it may be shown: scheme, host and port.
    pub fn shown_url(&self) -> String {
        shown_url(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use crate::config::Config;

    fn error_of(extra: &str) -> String {
        let text = format!("[[prometheus]]\nname = \"fleet\"\n{extra}\n");
        Config::parse("c.toml", &text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{text:?} should fail"))
    }

    #[test]
    fn prometheus_entries_are_checked_with_their_place_and_keep_secrets_out() {
        let url = "url = \"http://prom:9090\"";
        for (extra, expected) in [
            (
                "url = \"ftp://prom:9090\"".to_string(),
                "c.toml:3:1: key `prometheus.url`: ftp://prom:9090 is not a Prometheus address",
            ),
            (
                "url = \"http://ops:s3cr3t@prom:9090\"".into(),
                "c.toml:3:1: key `prometheus.url`: credentials are written in the url (http://prom:9090): remove them",
            ),
            (
                format!("{url}\nuser = \"ops\""),
                "c.toml:4:1: key `prometheus.user`: basic auth needs password_env or password_file too",
            ),
            (
                format!("{url}\npassword_file = \"/p\""),
                "c.toml:4:1: key `prometheus.password_file`: basic auth needs a user too",
            ),
            (
                format!("{url}\nuser = \"ops\"\npassword_env = \"P\"\npassword_file = \"/p\""),
                "c.toml:6:1: key `prometheus.password_file`: give password_env or password_file, not both",
            ),
            (
                format!("{url}\nuser = \"ops\"\npassword_env = \"P\"\ntoken_env = \"T\""),
                "c.toml:6:1: key `prometheus.token_env`: give basic auth",
            ),
            (
                format!("{url}\ninsecure_tls = true"),
                "c.toml:4:1: key `prometheus.insecure_tls`: only applies to an https:// address",
            ),
            (
                format!("{url}\nselector = 'job=\"node\"'"),
                "c.toml:4:1: key `prometheus.selector`: \"job=\\\"node\\\"\" is not a selector",
            ),
            (
                format!("{url}\nselector = '{{job=\"node\"'"),
                "c.toml:4:1: key `prometheus.selector`",
            ),
            (
                format!("{url}\ninterval = \"2h\""),
                "c.toml:4:1: key `prometheus.interval`: 2h is out of range: expected 1s to 1h",
            ),
            (
                format!("{url}\ntimeout = \"30s\""),
                "c.toml:4:1: key `prometheus.timeout`: must be more than 0 and at most the interval (15s)",
            ),
            (
                format!("{url}\n[[prometheus.import]]\nname = \"queue-depth\"\nquery = \"up\""),
                "c.toml:5:1: key `prometheus.import.name`: \"queue-depth\" is not a Prometheus metric name",
            ),
            (
                format!(
                    "{url}\n[[prometheus.import]]\nname = \"a\"\nquery = \"up\"\n\
                     [[prometheus.import]]\nname = \"b\"\nquery = \"sum by (queue) (\""
                ),
                "c.toml:9:1: key `prometheus.import.query`: not PromQL: unclosed left parenthesis (in [[prometheus.import]] \"b\")",
            ),
        ] {
            let error = error_of(&extra);
            assert!(error.starts_with(expected), "{extra}: {error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        let config = Config::parse(
            "c.toml",
            "[[prometheus]]\nname = \"fleet\"\nurl = \"http://prom:9090\"\n\
             [[prometheus.import]]\nname = \"rabbitmq_ready\"\n\
             query = 'sum by (queue) (rabbitmq_queue_messages_ready)'\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let prometheus = &config.prometheus[0];
        assert_eq!(
            (
                prometheus.interval.as_secs(),
                prometheus.timeout().as_secs(),
                prometheus.matchers()
            ),
            (15, 5, "job=~\".*node.*\"")
        );
        assert_eq!(prometheus.import[0].name, "rabbitmq_ready");
    }

    #[test]
    fn credentials_are_read_at_load_from_the_environment_or_a_private_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("password");
        std::fs::write(&file, "s3cr3t\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        let env = |name: &str| (name == "PROM_TOKEN").then(|| "t0ken".to_string());
        let parse = |keys: &str| {
            Config::parse_with_env(
                "c.toml",
                &format!("[[prometheus]]\nname = \"fleet\"\nurl = \"http://prom:9090\"\n{keys}"),
                &env,
            )
            .map_err(|e| e.to_string())
        };
        let config = parse(&format!(
            "user = \"ops\"\npassword_file = \"{}\"\n",
            file.display()
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.prometheus[0].auth(),
            Some(crate::http::Auth::Basic {
                user: "ops".into(),
                password: "s3cr3t".into()
            })
        );
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let config = parse("token_env = \"PROM_TOKEN\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.prometheus[0].auth(),
            Some(crate::http::Auth::Bearer("t0ken".into()))
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let error = parse(&format!(
            "user = \"ops\"\npassword_file = \"{}\"\n",
            file.display()
        ))
        .err()
        .unwrap_or_default();
        assert!(
            error.starts_with("c.toml:5:1: key `prometheus.password_file`: ")
                && error.contains("can be read by others"),
            "{error}"
        );
        let error = parse("token_env = \"WATCHDECK_UNIT_TEST_UNSET_TOKEN\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            error.starts_with(
                "c.toml:4:1: key `prometheus.token_env`: $WATCHDECK_UNIT_TEST_UNSET_TOKEN is not set"
            ),
            "{error}"
        );
    }
}
