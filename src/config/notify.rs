//! `[[notify]]`: where alerts are sent. A target's URL carries its token (a Slack webhook's path,
//! DingTalk's `access_token`), so it is held as a [`SecretUrl`], shown only as
//! [`shown_url`] shows it, and best kept in the environment (`url_env`), read once at load.

use serde::Deserialize;

use super::LoadError;
use crate::alerts::notify::{ALL_PRIORITIES, NotifyKind, Route};
use crate::alerts::rule::Priority;
use crate::http::shown_url;

/// A URL that may carry a token: printed (`{:?}`) as scheme, host and port only.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// The whole URL, token included: for the request only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What may be shown or logged.
    pub fn shown(&self) -> String {
        shown_url(&self.0)
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretUrl({})", self.shown())
    }
}

/// A notification target (see `docs/notifications.md`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    pub name: String,
    pub kind: NotifyKind,
    /// The URL written in the file; `url_env` keeps it out of the file.
    #[serde(default)]
    pub url: Option<SecretUrl>,
    /// The environment variable holding the URL.
    #[serde(default)]
    pub url_env: Option<String>,
    /// The priorities sent there; all when left out.
    #[serde(default = "all_priorities")]
    pub severities: Vec<Priority>,
    /// The value of `url_env`, read when the config was loaded.
    #[serde(skip)]
    from_env: Option<SecretUrl>,
}

fn all_priorities() -> Vec<Priority> {
    ALL_PRIORITIES.to_vec()
}

impl NotifyConfig {
    /// Where messages go: `url`, or the value `url_env` had at load.
    pub fn target_url(&self) -> Option<&SecretUrl> {
        self.url.as_ref().or(self.from_env.as_ref())
    }

    /// What `update` needs to know of the target: its name and priorities, not its URL.
    pub fn route(&self) -> Route {
        Route {
            target: self.name.clone(),
            priorities: self.severities.clone(),
        }
    }

    /// Checks the entry and reads `url_env` through `env`; the key at fault and why.
    fn load(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), (&'static str, String)> {
        if self.name.trim().is_empty() {
            return Err(("name", "must not be empty".into()));
        }
        if self.severities.is_empty() {
            return Err((
                "severities",
                "lists no priority: leave it out to send P0 to P3".into(),
            ));
        }
        let url = match (&self.url, &self.url_env) {
            (Some(_), Some(_)) => {
                return Err(("url_env", "give either url or url_env, not both".into()));
            }
            (None, None) => {
                return Err((
                    "kind",
                    "no url: give url, or url_env naming the variable that holds it".into(),
                ));
            }
            (Some(url), None) => url.clone(),
            (None, Some(var)) => crate::secret::from_env(var, env)
                .map(|value| SecretUrl(value.expose().to_string()))
                .map_err(|e| ("url_env", e))?,
        };
        let key = if self.url.is_some() { "url" } else { "url_env" };
        let parsed = url::Url::parse(url.expose())
            .map_err(|_| (key, format!("{} is not a URL", url.shown())))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err((
                key,
                format!("{} is not an http:// or https:// URL", url.shown()),
            ));
        }
        if self.url.is_none() {
            self.from_env = Some(url);
        }
        Ok(())
    }
}

/// Checks every `[[notify]]` entry and reads the URLs kept in the environment. An error about a
/// URL leaves out the line it is on, which may hold a token (see `error.rs`).
pub(super) fn load(
    targets: &mut [NotifyConfig],
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), LoadError> {
    super::unique_names(
        file,
        text,
        "notify",
        targets.iter().map(|t| t.name.as_str()),
    )?;
    for (entry, target) in targets.iter_mut().enumerate() {
        if let Err((key, message)) = target.load(env) {
            return Err(LoadError::at_entry_key(
                file,
                text,
                Some("notify"),
                entry,
                key,
                message,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    const SECRET: &str = "T0/B0/s3cr3t";

    fn env(name: &str) -> Option<String> {
        (name == "SLACK_URL").then(|| format!("https://hooks.slack.com/services/{SECRET}"))
    }

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse_with_env("c.toml", text, &env).map_err(|e| e.to_string())
    }

    #[test]
    fn url_env_is_read_at_load_and_never_printed() {
        let config = parse(
            "[[notify]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"SLACK_URL\"\nseverities = [\"P0\", \"P1\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let target = &config.notify[0];
        assert_eq!(
            target.target_url().map(|u| u.expose().to_string()),
            env("SLACK_URL")
        );
        assert_eq!(target.route().priorities.len(), 2);
        let printed = format!("{config:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(printed.contains("https://hooks.slack.com/…"), "{printed}");
    }

    #[test]
    fn every_priority_goes_when_severities_is_left_out() {
        let config = parse(
            "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.notify[0].severities.len(), 4);
    }

    #[test]
    fn mistakes_name_the_key_and_never_the_token() {
        let entry = |body: &str| format!("refresh = \"1s\"\n[[notify]]\nname = \"ops\"\n{body}\n");
        for (body, expected) in [
            (
                "kind = \"slack\"\nurl_env = \"NOT_SET_ANYWHERE\"",
                "c.toml:5:1: key `notify.url_env`: $NOT_SET_ANYWHERE is not set",
            ),
            (
                "kind = \"slack\"",
                "c.toml:4:1: key `notify.kind`: no url: give url, or url_env",
            ),
            (
                "kind = \"slack\"\nurl = \"https://a/b\"\nurl_env = \"SLACK_URL\"",
                "c.toml:6:1: key `notify.url_env`: give either url or url_env, not both",
            ),
            (
                "kind = \"slack\"\nurl = \"ftp://hooks.example/s3cr3t\"",
                "c.toml:5:1: key `notify.url`: ftp://hooks.example/… is not an http:// or https:// URL",
            ),
            (
                "kind = \"teams\"\nurl = \"https://a\"",
                "c.toml:4:8: key `notify.kind`: unknown variant `teams`",
            ),
            (
                "kind = \"webhook\"\nurl = \"https://a\"\nseverities = []",
                "c.toml:6:1: key `notify.severities`: lists no priority",
            ),
            (
                "kind = \"webhook\"\nurl = \"https://a\"\nseverities = [\"P5\"]",
                "c.toml:6:15: key `notify.severities`",
            ),
        ] {
            let error = parse(&entry(body)).err().unwrap_or_default();
            assert!(error.starts_with(expected), "{body}:\n{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        let twice = "[[notify]]\nname = \"a\"\nkind = \"slack\"\nurl = \"https://a\"\n".repeat(2);
        let error = parse(&twice).err().unwrap_or_default();
        assert!(
            error.contains("two [[notify]] entries are named \"a\""),
            "{error}"
        );
    }
}
