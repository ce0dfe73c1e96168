//! An `[[alertmanager]]`: where the fleet's alerts are and how the console signs in. Credentials
//! come from the environment, never from the config file, and nothing shown or logged holds them.

use std::time::Duration;

use serde::Deserialize;

use super::secrets::HttpCredentials;
use crate::http::{Auth, shown_url};
use crate::secret::{self, Env};
use crate::tls;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub name: String,
    /// `http://host:9093` or `https://…` (a path prefix is kept), with no credentials in it.
    pub url: String,
    /// Basic auth: the user, whose password is in the variable `password_env`.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// The variable holding a bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// How long the silence an acknowledgement creates there lasts.
    #[serde(with = "humantime_serde", default = "default_ack_silence")]
    pub ack_silence: Duration,
    /// Send the console's own firing alerts there, so they join the fleet's routing.
    #[serde(default)]
    pub push: bool,
    #[serde(with = "humantime_serde", default = "default_interval")]
    pub interval: Duration,
    /// Unset, the smaller of 5s and the interval: see `timeout()`.
    #[serde(rename = "timeout", default, with = "humantime_serde")]
    timeout_written: Option<Duration>,
    /// Accept any certificate (https://).
    #[serde(default)]
    pub insecure_tls: bool,
    /// A PEM file of CA certificates trusted besides the system's (https://).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// The credentials, read from the environment at load.
    #[serde(skip)]
    auth: Option<Auth>,
}

fn default_ack_silence() -> Duration {
    Duration::from_secs(2 * 3600)
}

fn default_interval() -> Duration {
    Duration::from_secs(15)
}

/// The timeout of an Alertmanager that sets none, unless its interval is shorter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest poll interval: pushed alerts are sent again on every poll, and Alertmanager
/// resolves an alert nobody re-sent within its `resolve_timeout` (5m by default).
const MAX_INTERVAL: Duration = Duration::from_secs(60);

impl AlertmanagerConfig {
    /// How long one request may take: the `timeout` written, else 5s or the interval if shorter.
    pub fn timeout(&self) -> Duration {
        super::timeout_or_default(self.timeout_written, DEFAULT_TIMEOUT, self.interval)
    }

    /// The key at fault and why, for a config error.
    pub(super) fn invalid(&self) -> Option<(&'static str, String)> {
        let parsed = match url::Url::parse(&self.url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => parsed,
            _ => {
                return Some((
                    "url",
                    format!(
                        "{} is not an Alertmanager address: expected http://host:port or https://…",
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
                     `password_env` (basic auth) or `token_env` (a bearer token), both read from \
                     the environment",
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
        match (&self.user, &self.password_env, &self.token_env) {
            (Some(_), None, _) => {
                return Some((
                    "user",
                    "basic auth needs password_env too, the variable holding the password".into(),
                ));
            }
            (None, Some(_), _) => {
                return Some(("password_env", "basic auth needs a user too".into()));
            }
            (Some(_), Some(_), Some(_)) => {
                return Some((
                    "token_env",
                    "give basic auth (user, password_env) or token_env, not both".into(),
                ));
            }
            _ => {}
        }
        if let Some(problem) =
            tls::https_keys_problem(parsed.scheme(), self.ca_file.as_deref(), self.insecure_tls)
        {
            return Some(problem);
        }
        if self.interval < Duration::from_secs(1) || self.interval > MAX_INTERVAL {
            return Some((
                "interval",
                "expected 1s to 1m: pushed alerts are sent again on every poll, within \
                 Alertmanager's resolve_timeout"
                    .into(),
            ));
        }
        if let Some(problem) = super::timeout_problem(self.timeout(), self.interval) {
            return Some(problem);
        }
        if let Err(why) = crate::duration::within(self.ack_silence, &crate::duration::SILENCE) {
            return Some(("ack_silence", why));
        }
        None
    }

    /// Reads the credentials from the environment: the key at fault and why, naming the
    /// variable, never a value.
    pub(super) fn resolve(&mut self, env: Env<'_>) -> Result<(), (&'static str, String)> {
        let credentials = HttpCredentials {
            user: self.user.as_deref(),
            password_env: self.password_env.as_deref(),
            password_file: None,
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
    use crate::config::Config;

    fn error_of(extra: &str) -> String {
        let text = format!("[[alertmanager]]\nname = \"prod\"\n{extra}\n");
        Config::parse("c.toml", &text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{text:?} should fail"))
    }

    #[test]
    fn alertmanager_entries_are_checked_with_their_place_and_keep_secrets_out() {
        for (extra, expected) in [
            (
                "url = \"ftp://am:9093\"",
                "c.toml:3:1: key `alertmanager.url`: ftp://am:9093 is not an Alertmanager address",
            ),
            (
                "url = \"http://ops:s3cr3t@am:9093\"",
                "c.toml:3:1: key `alertmanager.url`: credentials are written in the url (http://am:9093): remove them",
            ),
            (
                "url = \"http://am:9093/?access_token=s3cr3t\"",
                "c.toml:3:1: key `alertmanager.url`: credentials are written in the url (http://am:9093/…): remove them",
            ),
            (
                "url = \"http://am:9093\"\nuser = \"ops\"",
                "c.toml:4:1: key `alertmanager.user`: basic auth needs password_env too",
            ),
            (
                "url = \"http://am:9093\"\npassword_env = \"AM_PASSWORD\"",
                "c.toml:4:1: key `alertmanager.password_env`: basic auth needs a user too",
            ),
            (
                "url = \"http://am:9093\"\nuser = \"ops\"\npassword_env = \"P\"\ntoken_env = \"T\"",
                "c.toml:6:1: key `alertmanager.token_env`: give basic auth",
            ),
            (
                "url = \"http://am:9093\"\ntoken_env = \"A=B\"",
                "c.toml:4:1: key `alertmanager.token_env`: \"A=B\" is not a variable name",
            ),
            (
                "url = \"http://am:9093\"\ninterval = \"5m\"",
                "c.toml:4:1: key `alertmanager.interval`: expected 1s to 1m",
            ),
            (
                "url = \"http://am:9093\"\ntimeout = \"30s\"",
                "c.toml:4:1: key `alertmanager.timeout`: must be more than 0 and at most the interval (15s)",
            ),
            (
                "url = \"http://am:9093\"\ninsecure_tls = true",
                "c.toml:4:1: key `alertmanager.insecure_tls`: only applies to an https:// address",
            ),
            (
                "url = \"https://am:9093\"\nca_file = \"/etc/passwd\"",
                "c.toml:4:1: key `alertmanager.ca_file`: /etc/passwd: no PEM certificate in it",
            ),
            (
                "url = \"http://am:9093\"\nack_silence = \"10s\"",
                "c.toml:4:1: key `alertmanager.ack_silence`: 10s is out of range: expected 1m to 1year",
            ),
            (
                "url = \"http://am:9093\"\nack_silence = \"soon\"",
                "c.toml:4:15: key `alertmanager.ack_silence`",
            ),
        ] {
            let error = error_of(extra);
            assert!(error.starts_with(expected), "{extra}: {error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        // The user part of the url is the most that is shown of it, never the password.
        let error = error_of("url = \"http://ops:s3cr3t@am:9093\"");
        assert!(!error.contains("s3cr3t"), "{error}");
        let config = Config::parse_with_env(
            "c.toml",
            "[[alertmanager]]\nname = \"prod\"\nurl = \"https://am.example.com/alertmanager\"\ntoken_env = \"AM_TOKEN\"\npush = true\n",
            &|name| (name == "AM_TOKEN").then(|| "t0ken".to_string()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let am = &config.alertmanager[0];
        assert_eq!(
            (am.ack_silence, am.interval, am.timeout(), am.push),
            (
                std::time::Duration::from_secs(7200),
                std::time::Duration::from_secs(15),
                std::time::Duration::from_secs(5),
                true
            )
        );
        assert_eq!(am.shown_url(), "https://am.example.com/…");
    }

    #[test]
    fn credentials_are_read_at_load_and_a_missing_one_is_a_config_error() {
        let env = |name: &str| (name == "AM_PASSWORD").then(|| "s3cr3t".to_string());
        let parse = |keys: &str| {
            Config::parse_with_env(
                "c.toml",
                &format!("[[alertmanager]]\nname = \"prod\"\nurl = \"http://am:9093\"\n{keys}"),
                &env,
            )
            .map_err(|e| e.to_string())
        };
        let config = parse("user = \"ops\"\npassword_env = \"AM_PASSWORD\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.alertmanager[0].auth(),
            Some(crate::http::Auth::Basic {
                user: "ops".into(),
                password: "s3cr3t".into()
            })
        );
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let error = parse("token_env = \"WATCHDECK_UNIT_TEST_UNSET_TOKEN\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            error.starts_with(
                "c.toml:4:1: key `alertmanager.token_env`: $WATCHDECK_UNIT_TEST_UNSET_TOKEN is not set"
            ),
            "{error}"
        );
    }
}
