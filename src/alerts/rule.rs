//! Alert rules: a PromQL comparison over the metric store (`system_disk_used_percent{mount="/"}
//! >= 90`), how long it must hold, its priority, and what to tell the operator.

use std::fmt;
use std::time::Duration;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, Expr, token};
use serde::{Deserialize, Serialize};

use crate::findings::Severity;

/// How urgent an alert is, as the operations manual ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    /// How soon someone must respond.
    pub fn respond_within(self) -> Duration {
        Duration::from_secs(match self {
            Priority::P0 => 5 * 60,
            Priority::P1 => 15 * 60,
            Priority::P2 => 60 * 60,
            Priority::P3 => 4 * 60 * 60,
        })
    }

    /// How long it may stay unacknowledged before it is escalated (a reminder for P3).
    pub fn escalate_after(self) -> Duration {
        Duration::from_secs(match self {
            Priority::P0 => 15 * 60,
            Priority::P1 => 30 * 60,
            Priority::P2 => 4 * 60 * 60,
            Priority::P3 => 24 * 60 * 60,
        })
    }

    /// P0 and P1 are critical, P2 and P3 warnings, for the tab markers and `check`.
    pub fn severity(self) -> Severity {
        match self {
            Priority::P0 | Priority::P1 => Severity::Critical,
            Priority::P2 | Priority::P3 => Severity::Warning,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
}

impl Comparison {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Greater => value > threshold,
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::Less => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
            Comparison::Equal => value == threshold,
            Comparison::NotEqual => value != threshold,
        }
    }
}

/// `series{matchers} <op> number`: the subset of PromQL a rule may use.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Condition {
    pub series: String,
    pub matchers: Vec<Matcher>,
    pub comparison: Comparison,
    pub threshold: f64,
}

impl TryFrom<String> for Condition {
    type Error = String;

    fn try_from(expr: String) -> Result<Self, String> {
        Self::parse(&expr)
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Condition {
    /// Parses `expr` with the PromQL parser and keeps the subset the engine evaluates; anything
    /// else is refused with what is allowed.
    pub fn parse(expr: &str) -> Result<Self, String> {
        const SHAPE: &str = "expected `series{label=\"value\"} > number` (comparisons >, >=, <, \
                             <=, ==, !=; matchers =, !=, =~, !~)";
        let parsed = parser::parse(expr).map_err(|e| format!("not PromQL: {e}"))?;
        let Expr::Binary(binary) = unparen(&parsed) else {
            return Err(SHAPE.into());
        };
        if binary.modifier.is_some() {
            return Err(format!(
                "modifiers such as `bool` or `on` are not supported: {SHAPE}"
            ));
        }
        let comparison = match binary.op.id() {
            token::T_GTR => Comparison::Greater,
            token::T_GTE => Comparison::GreaterOrEqual,
            token::T_LSS => Comparison::Less,
            token::T_LTE => Comparison::LessOrEqual,
            token::T_EQLC => Comparison::Equal,
            token::T_NEQ => Comparison::NotEqual,
            _ => return Err(SHAPE.into()),
        };
        let (Expr::VectorSelector(selector), Expr::NumberLiteral(number)) =
            (unparen(&binary.lhs), unparen(&binary.rhs))
        else {
            return Err(SHAPE.into());
        };
        if selector.offset.is_some() || selector.at.is_some() {
            return Err(format!("`offset` and `@` are not supported: {SHAPE}"));
        }
        if !selector.matchers.or_matchers.is_empty() {
            return Err(format!("`or` matchers are not supported: {SHAPE}"));
        }
        let series = selector
            .name
            .clone()
            .ok_or_else(|| format!("the series needs a name: {SHAPE}"))?;
        let matchers = selector
            .matchers
            .matchers
            .iter()
            .filter(|m| m.name != "__name__")
            .cloned()
            .collect();
        Ok(Self {
            series,
            matchers,
            comparison,
            threshold: number.val,
        })
    }

    /// Whether a series with these labels is one the rule watches.
    pub fn selects(&self, labels: &[(&str, &str)]) -> bool {
        self.matchers.iter().all(|matcher| {
            let value = labels
                .iter()
                .find(|(key, _)| *key == matcher.name)
                .map_or("", |(_, value)| value);
            matcher.is_match(value)
        })
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.series)?;
        if !self.matchers.is_empty() {
            let matchers: Vec<String> = self
                .matchers
                .iter()
                .map(|m| {
                    let op = match &m.op {
                        MatchOp::Equal => "=",
                        MatchOp::NotEqual => "!=",
                        MatchOp::Re(_) => "=~",
                        MatchOp::NotRe(_) => "!~",
                    };
                    format!("{}{op}{:?}", m.name, m.value)
                })
                .collect();
            write!(f, "{{{}}}", matchers.join(","))?;
        }
        let op = match self.comparison {
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Equal => "==",
            Comparison::NotEqual => "!=",
        };
        write!(f, " {op} {}", self.threshold)
    }
}

fn unparen(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => unparen(&inner.expr),
        other => other,
    }
}

/// A rule as the engine evaluates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    /// How long the condition must hold before the alert fires.
    pub hold: Duration,
    /// How long it must be false before a firing alert resolves, against flapping.
    pub keep_firing_for: Duration,
    pub priority: Priority,
    /// A template: `{{ $labels.mount }}` and `{{ $value }}` are filled in.
    pub summary: String,
    /// The runbook procedure for this fault.
    pub runbook: Option<String>,
    pub escalate_after: Duration,
}

/// Where a rule comes from, as the rules view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOrigin {
    /// Shipped with the console.
    Shipped,
    /// Shipped, and replaced by a `[[rule]]` of the same name.
    Overridden,
    /// The user's own `[[rule]]`.
    Own,
    /// Shipped, and switched off in `[alerts] disabled`.
    Off,
}

impl RuleOrigin {
    pub fn label(self) -> &'static str {
        match self {
            RuleOrigin::Shipped => "shipped",
            RuleOrigin::Overridden => "overridden",
            RuleOrigin::Own => "own",
            RuleOrigin::Off => "off",
        }
    }
}

/// A rule and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEntry {
    pub rule: Rule,
    pub origin: RuleOrigin,
}

/// A summary template, read once: `{{ $labels.NAME }}` and `{{ $value }}` are filled in, as
/// Prometheus templates do; an unknown label is empty, and anything else is kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Label(String),
    Value,
}

impl SummaryTemplate {
    pub fn parse(template: &str) -> Self {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else {
                break;
            };
            let field = rest[start + 2..start + end].trim();
            let filled = if field == "$value" {
                Some(Part::Value)
            } else {
                field
                    .strip_prefix("$labels.")
                    .map(|name| Part::Label(name.to_string()))
            };
            match filled {
                Some(part) => {
                    parts.push(Part::Text(rest[..start].to_string()));
                    parts.push(part);
                }
                None => parts.push(Part::Text(rest[..start + end + 2].to_string())),
            }
            rest = &rest[start + end + 2..];
        }
        parts.push(Part::Text(rest.to_string()));
        parts.retain(|part| *part != Part::Text(String::new()));
        Self { parts }
    }

    pub fn render(&self, labels: &[(String, String)], value: f64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Label(name) => {
                    if let Some((_, label)) = labels.iter().find(|(key, _)| key == name) {
                        out.push_str(label);
                    }
                }
                Part::Value => out.push_str(&format_value(value)),
            }
        }
        out
    }
}

/// A value as an operator reads it: whole numbers without decimals, others with one or two.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        // The digits `{:.0}` writes, without its exact decimal expansion: a whole number this
        // small is exactly an integer. Only zero keeps a sign the integer would lose.
        if value == 0.0 {
            format!("{value:.0}")
        } else {
            (value as i64).to_string()
        }
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_over_a_selector_parses() {
        let condition =
            Condition::parse(r#"system_disk_used_percent{mount="/", fs!~"tmp.*"} >= 90"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(condition.series, "system_disk_used_percent");
        assert_eq!(condition.comparison, Comparison::GreaterOrEqual);
        assert_eq!(condition.threshold, 90.0);
        assert!(condition.selects(&[("mount", "/"), ("fs", "ext4")]));
        assert!(!condition.selects(&[("mount", "/"), ("fs", "tmpfs")]));
        assert!(!condition.selects(&[("mount", "/boot")]));
        assert_eq!(
            condition.to_string(),
            r#"system_disk_used_percent{mount="/",fs!~"tmp.*"} >= 90"#
        );
        let bare =
            Condition::parse("(container_restarts_10m > 3)").unwrap_or_else(|e| panic!("{e}"));
        assert!(bare.selects(&[("engine", "local")]));
    }

    #[test]
    fn anything_beyond_the_subset_is_refused_with_the_shape() {
        for (expr, said) in [
            ("rate(x[5m]) > 1", "expected `series"),
            ("x > bool 1", "not supported"),
            ("x offset 5m > 1", "`offset`"),
            ("1 < x", "expected `series"),
            ("x", "expected `series"),
            ("x + 1", "expected `series"),
            ("x >", "not PromQL"),
        ] {
            let error = Condition::parse(expr).err().unwrap_or_default();
            assert!(error.contains(said), "{expr}: {error}");
        }
    }

    #[test]
    fn summaries_fill_labels_and_the_value() {
        let labels = vec![("mount".to_string(), "/var".to_string())];
        let render =
            |template: &str, value| SummaryTemplate::parse(template).render(&labels, value);
        assert_eq!(
            render(
                "disk {{ $labels.mount }} at {{$value}}% {{ $labels.nope }}!",
                93.25
            ),
            "disk /var at 93.2% !"
        );
        assert_eq!(render("{{ other }} {{", 1.0), "{{ other }} {{");
        assert_eq!(render("{{$value}}{{ $labels.mount }}", 3.0), "3/var");
        assert_eq!(render("", 3.0), "");
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.125), "0.12");
        for whole in [0.0, -0.0, 1.0, -7.0, 99.0, 1e14, -999_999_999_999_999.0] {
            assert_eq!(format_value(whole), format!("{whole:.0}"));
        }
        assert_eq!(format_value(1e15), "1000000000000000.0");
    }

    #[test]
    fn priorities_follow_the_manual() {
        assert_eq!(Priority::P0.respond_within(), Duration::from_secs(300));
        assert_eq!(Priority::P1.escalate_after(), Duration::from_secs(1800));
        assert_eq!(Priority::P3.escalate_after(), Duration::from_secs(86_400));
        assert_eq!(Priority::P1.severity(), Severity::Critical);
        assert_eq!(Priority::P2.severity(), Severity::Warning);
    }
}
