//! Label matchers as amtool and Prometheus write them: `name=value`, `name!=value`,
//! `name=~regex`, `name!~regex`, the value optionally in double quotes; a regex is anchored at
//! both ends, as Prometheus anchors it (`trial-.*` matches `trial-7`, not `my-trial-7`).

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MatchOp {
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = "=~")]
    Regex,
    #[serde(rename = "!~")]
    NotRegex,
}

impl MatchOp {
    pub fn symbol(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One matcher; a label an alert does not have matches as the empty value, as in Alertmanager.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Written", into = "Written")]
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored regex of `=~` and `!~`.
    regex: Option<Regex>,
}

/// A matcher as a file keeps it.
#[derive(Serialize, Deserialize)]
struct Written {
    name: String,
    op: MatchOp,
    value: String,
}

impl TryFrom<Written> for LabelMatcher {
    type Error = String;

    fn try_from(w: Written) -> Result<Self, String> {
        LabelMatcher::new(w.name, w.op, w.value)
    }
}

impl From<LabelMatcher> for Written {
    fn from(m: LabelMatcher) -> Self {
        Written {
            name: m.name,
            op: m.op,
            value: m.value,
        }
    }
}

impl PartialEq for LabelMatcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.op, &self.value) == (&other.name, other.op, &other.value)
    }
}

impl Eq for LabelMatcher {}

impl LabelMatcher {
    /// A matcher; a regex that does not compile is refused with the reason.
    pub fn new(name: String, op: MatchOp, value: String) -> Result<Self, String> {
        let regex = match op {
            MatchOp::Equal | MatchOp::NotEqual => None,
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("{name}{}{value:?}: not a regex: {e}", op.symbol()))?,
            ),
        };
        Ok(Self {
            name,
            op,
            value,
            regex,
        })
    }

    /// A matcher typed as one word: `None` when the word is no matcher (prose), an error when it
    /// is one that cannot be used (a regex that does not compile).
    pub fn parse(word: &str) -> Option<Result<Self, String>> {
        let at = word.find(['=', '!'])?;
        let (name, rest) = word.split_at(at);
        let (op, value) = [
            ("=~", MatchOp::Regex),
            ("!~", MatchOp::NotRegex),
            ("!=", MatchOp::NotEqual),
            ("=", MatchOp::Equal),
        ]
        .into_iter()
        .find_map(|(symbol, op)| Some((op, rest.strip_prefix(symbol)?)))?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let legal = !name.is_empty()
            && !value.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        legal.then(|| Self::new(name.to_string(), op, value.to_string()))
    }

    /// Whether an alert with these labels is matched.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = labels
            .iter()
            .find(|(name, _)| *name == self.name)
            .map_or("", |(_, value)| value.as_str());
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(regex)) => regex.is_match(value),
            (MatchOp::NotRegex, Some(regex)) => !regex.is_match(value),
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

impl fmt::Display for LabelMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.name, self.op.symbol(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(container: &str) -> Vec<(String, String)> {
        vec![
            ("container".into(), container.into()),
            ("engine".into(), "local".into()),
        ]
    }

    fn matcher(word: &str) -> LabelMatcher {
        match LabelMatcher::parse(word) {
            Some(Ok(m)) => m,
            other => panic!("{word}: {other:?}"),
        }
    }

    #[test]
    fn the_four_operators_match_as_amtool_and_regexes_are_anchored() {
        let cases = [
            ("container=trial-1", "trial-1", true),
            ("container=trial-1", "trial-10", false),
            ("container!=trial-1", "trial-10", true),
            ("container=~trial-.*", "trial-7", true),
            ("container=~\"trial-.*\"", "trial-7", true),
            ("container=~trial-.*", "my-trial-7", false),
            ("container=~trial|api", "api", true),
            ("container!~trial-.*", "trial-7", false),
            ("container!~trial-.*", "api", true),
            ("missing=~.*", "api", true),
            ("missing!=x", "api", true),
        ];
        for (word, container, expected) in cases {
            assert_eq!(
                matcher(word).matches(&labels(container)),
                expected,
                "{word} on {container}"
            );
        }
        assert_eq!(matcher("container=~\"trial-.*\"").value, "trial-.*");
        assert_eq!(matcher("job!~a.*").to_string(), "job!~a.*");
    }

    #[test]
    fn prose_is_no_matcher_and_a_bad_regex_is_refused() {
        for word in ["cleanup", "a", "=x", "9x=1", "x=", "why?!"] {
            assert!(LabelMatcher::parse(word).is_none(), "{word}");
        }
        let refused = LabelMatcher::parse("container=~trial-(").and_then(Result::err);
        assert!(refused.is_some_and(|e| e.starts_with("container=~\"trial-(\": not a regex")),);
    }

    #[test]
    fn a_matcher_is_kept_as_written_and_read_back_compiled() {
        let m = matcher("container=~trial-.*");
        let json = serde_json::to_string(&m).unwrap_or_default();
        assert_eq!(json, r#"{"name":"container","op":"=~","value":"trial-.*"}"#);
        let back: LabelMatcher = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert!(back.matches(&labels("trial-2")) && back == m);
        let bad = r#"{"name":"c","op":"=~","value":"("}"#;
        assert!(serde_json::from_str::<LabelMatcher>(bad).is_err());
    }
}
