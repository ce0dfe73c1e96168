//! An `[[endpoint]]`: the HTTP(S) or TCP probe, its defaults, and what makes one invalid.

use std::time::Duration;

use serde::Deserialize;

use super::{DEFAULT_TIMEOUT, timeout_or_default};
use crate::duration;

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
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
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
        if let Some(problem) = super::timeout_problem(self.timeout(), self.interval) {
            return Some(problem);
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

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::config::tests::error_of;

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
}
