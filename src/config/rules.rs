//! Alert rules: the `[[rule]]` entries, the shipped rules, `[alerts]`, and the catalogue the
//! engine and the rules view read.

use std::time::Duration;

use serde::Deserialize;

use super::{Config, LoadError};
use crate::alerts::rule::{Condition, Priority, Rule, RuleEntry, RuleOrigin};
use crate::alerts::series::SeriesCatalogue;
use crate::duration;

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
    /// The first thing wrong with this rule, as (key, message); the series it watches is
    /// checked apart ([`Config::check_series`]).
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(problem) = self.invalid_timing() {
            return Some(problem);
        }
        if !self.expr.threshold.is_finite() {
            return Some((
                "expr",
                format!("the threshold {} is not a number", self.expr.threshold),
            ));
        }
        None
    }

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
    /// Every rule watches a series of `published` or one a `[[prometheus.import]]` names, else
    /// the first that does not is blamed with its place in `text`. The series are registered by whoever publishes them, which the
    /// config does not know: whoever loads it is given them.
    pub fn check_series(
        &self,
        file: &str,
        text: &str,
        published: &SeriesCatalogue,
    ) -> Result<(), LoadError> {
        let mut published = published.clone();
        let imports = self.prometheus.iter().flat_map(|p| &p.import);
        // An import may not write into a series the console records itself.
        if let Some((entry, import)) = imports
            .clone()
            .enumerate()
            .find(|(_, import)| published.contains(&import.name))
        {
            return Err(LoadError::at_entry_key(
                file,
                text,
                Some("prometheus.import"),
                entry,
                "name",
                format!(
                    "{:?} is a series the console records itself: give the import a name of its own",
                    import.name
                ),
            ));
        }
        for import in imports {
            published.register(&import.name);
        }
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
