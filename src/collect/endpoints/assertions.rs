//! What an endpoint's answer must be: one of its accepted statuses, and a body that contains a
//! text, matches a pattern or holds a JSON value.

use std::ops::RangeInclusive;

use crate::config::EndpointConfig;

/// What a body must contain.
#[derive(Debug)]
pub(super) enum Assertion {
    Contains(String),
    Regex(regex::Regex),
    Json {
        pointer: String,
        equals: serde_json::Value,
    },
}

impl Assertion {
    pub(super) fn of(config: &EndpointConfig) -> Option<Self> {
        if let Some(text) = &config.body_contains {
            return Some(Assertion::Contains(text.clone()));
        }
        if let Some(pattern) = &config.body_regex {
            return regex::Regex::new(pattern).ok().map(Assertion::Regex);
        }
        config.json.as_ref().map(|json| Assertion::Json {
            pointer: json.pointer.clone(),
            equals: serde_json::to_value(&json.equals).unwrap_or_default(),
        })
    }

    /// Checks a body, `complete` unless it was cut at the endpoint's `body_limit`; the error
    /// says what was expected and what was found.
    pub(super) fn check(&self, body: &[u8], complete: bool) -> Result<(), String> {
        let text = String::from_utf8_lossy(body);
        let cut = || {
            format!(
                "the body was cut at body_limit ({} bytes): raise it to read the whole body",
                body.len()
            )
        };
        match self {
            Assertion::Contains(needle) if text.contains(needle.as_str()) => Ok(()),
            Assertion::Contains(needle) if !complete => {
                Err(format!("no {needle:?} in the body read; {}", cut()))
            }
            Assertion::Contains(needle) => Err(format!("body does not contain {needle:?}")),
            Assertion::Regex(regex) if regex.is_match(&text) => Ok(()),
            Assertion::Regex(regex) if !complete => Err(format!(
                "no match of /{}/ in the body read; {}",
                regex.as_str(),
                cut()
            )),
            Assertion::Regex(regex) => Err(format!("body does not match /{}/", regex.as_str())),
            // A cut document is never JSON: its parse error would only blame the cut.
            Assertion::Json { .. } if !complete => Err(cut()),
            Assertion::Json { pointer, equals } => {
                let document: serde_json::Value = serde_json::from_slice(body)
                    .map_err(|error| format!("body is not JSON: {error}"))?;
                match document.pointer(pointer) {
                    Some(found) if json_equal(found, equals) => Ok(()),
                    Some(found) => Err(format!("{pointer} is {found}, expected {equals}")),
                    None => Err(format!("{pointer} is missing, expected {equals}")),
                }
            }
        }
    }
}

/// Equality where 1 and 1.0 are the same number (TOML tells them apart, JSON does not).
fn json_equal(found: &serde_json::Value, expected: &serde_json::Value) -> bool {
    match (found.as_f64(), expected.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => found == expected,
    }
}

/// Whether `status` is one of the accepted ones.
pub(super) fn status_expected(expected: &[RangeInclusive<u16>], status: u16) -> bool {
    expected.iter().any(|range| range.contains(&status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_body(config: &EndpointConfig, body: &[u8]) -> Result<(), String> {
        Assertion::of(config).map_or(Ok(()), |assertion| assertion.check(body, true))
    }

    fn config(extra: &str) -> EndpointConfig {
        toml::from_str(&format!("name = \"e\"\nurl = \"http://e\"\n{extra}"))
            .unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn statuses_and_body_assertions() {
        let ranges = config("expect_status = [204, \"300-302\"]").expected_statuses();
        assert!(status_expected(&ranges, 204) && status_expected(&ranges, 301));
        assert!(!status_expected(&ranges, 200) && !status_expected(&ranges, 303));
        let default = config("").expected_statuses();
        assert!(status_expected(&default, 399) && !status_expected(&default, 400));

        let body = br#"{"status":"healthy","checks":{"db":1}}"#;
        assert_eq!(check_body(&config(""), body), Ok(()));
        assert_eq!(
            check_body(&config("body_contains = \"healthy\""), body),
            Ok(())
        );
        assert_eq!(
            check_body(&config("body_contains = \"ok\""), b"nope"),
            Err("body does not contain \"ok\"".into())
        );
        assert_eq!(
            check_body(&config("body_regex = \"db\\\":\\\\d\""), body),
            Ok(())
        );
        let json = |pointer: &str, equals: &str| {
            config(&format!(
                "json = {{ pointer = \"{pointer}\", equals = {equals} }}"
            ))
        };
        assert_eq!(check_body(&json("/checks/db", "1.0"), body), Ok(()));
        assert_eq!(
            check_body(&json("/status", "\"down\""), body),
            Err("/status is \"healthy\", expected \"down\"".into())
        );
        assert_eq!(
            check_body(&json("/missing", "true"), body),
            Err("/missing is missing, expected true".into())
        );
        assert!(
            check_body(&json("/status", "\"x\""), b"<html>")
                .is_err_and(|e| e.starts_with("body is not JSON"))
        );
    }
}
