//! Commands on alerts: acknowledge with a note, take an acknowledgement back, silence one alert
//! or every alert of its rule for a while, end a silence early.

use std::time::Duration;

use crate::alerts::engine::AlertKey;
use crate::duration;
use crate::model::matcher::{LabelMatcher, MatchOp};

/// How long a silence lasts when the operator does not say.
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertAction {
    Acknowledge,
    Unacknowledge,
    /// Hidden and not notified for this long: every alert of the key's rule whose labels include
    /// the key's (all of one alert's labels silence that alert alone).
    Silence(Duration),
    /// Silence every alert of the key's rule; matcher words at the start of the note
    /// (`label=value`, `!=`, `=~`, `!~`, as amtool's) narrow it. Becomes a `Silence` once the
    /// note is typed.
    SilenceRule(Duration),
    /// End the silence whose key is the command's.
    ExpireSilence,
}

/// Do `action` to the alert `key` (or the silence `key`), with the operator's note. On an
/// Alertmanager's alert (its key names the Alertmanager) acknowledging and silencing make a
/// silence there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCommand {
    pub key: AlertKey,
    pub action: AlertAction,
    pub note: String,
    /// Taking back the acknowledgement of an Alertmanager's alert expires this silence there.
    pub ack_silence: Option<String>,
    /// A silence's matchers other than equality (`!=`, `=~`, `!~`); the equal ones are the
    /// key's labels.
    pub matchers: Vec<LabelMatcher>,
}

impl AlertCommand {
    /// The operator's note; for a silence it may start with how long, `4h disk cleanup`, and
    /// for a silence of a rule with the labels it matches, `4h mount=/var disk cleanup`.
    pub fn with_note(self, note: &str) -> Self {
        let mut words = note.split_whitespace().peekable();
        let (for_, rule_wide) = match self.action {
            AlertAction::Silence(for_) => (for_, false),
            AlertAction::SilenceRule(for_) => (for_, true),
            _ => {
                return Self {
                    note: note.trim().to_string(),
                    ..self
                };
            }
        };
        let for_ = match words.peek().map(|w| humantime::parse_duration(w)) {
            Some(Ok(typed)) => {
                words.next();
                typed
            }
            // Too many digits to count is too long a silence, not the start of the note.
            Some(Err(humantime::DurationError::NumberOverflow)) => {
                words.next();
                Duration::MAX
            }
            _ => for_,
        };
        let mut key = self.key;
        let mut matchers = self.matchers;
        if rule_wide {
            key.labels.clear();
            matchers.clear();
            // A matcher that cannot be used stays first in the note: see `refusal`.
            while let Some(Some(Ok(matcher))) = words.peek().map(|w| LabelMatcher::parse(w)) {
                match matcher.op {
                    MatchOp::Equal => key.labels.push((matcher.name, matcher.value)),
                    _ => matchers.push(matcher),
                }
                words.next();
            }
            key.labels.sort();
        }
        Self {
            key,
            action: AlertAction::Silence(for_),
            note: words.collect::<Vec<_>>().join(" "),
            ack_silence: self.ack_silence,
            matchers,
        }
    }

    /// Why the command as typed cannot be carried out: a silence shorter than a minute silences
    /// nothing, one beyond [`duration::SILENCE`] is out of range, and a matcher that cannot be
    /// used (a regex that does not compile) matches nothing.
    pub fn invalid(&self) -> Option<String> {
        match self.action {
            AlertAction::Silence(for_) | AlertAction::SilenceRule(for_) => {
                if let Err(why) = duration::within(for_, &duration::SILENCE) {
                    return Some(format!("silence length {why}"));
                }
                let first = self.note.split_whitespace().next()?;
                LabelMatcher::parse(first)?.err()
            }
            _ => None,
        }
    }

    pub fn action(&self) -> String {
        match &self.action {
            AlertAction::Acknowledge => "alert acknowledge".into(),
            AlertAction::Unacknowledge => "alert unacknowledge".into(),
            AlertAction::Silence(for_) | AlertAction::SilenceRule(for_) => {
                format!("alert silence {}", humantime::format_duration(*for_))
            }
            AlertAction::ExpireSilence => "alert silence expire".into(),
        }
    }

    /// The alert as the audit log names it: `alert DiskSpaceLow{mount="/var"}`, and
    /// `alert HighLatency{job="api"} on alertmanager prod` for one of the fleet.
    pub fn target(&self) -> String {
        format!("alert {}", self.key.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::engine::Origin;

    fn silence(note: &str) -> AlertCommand {
        AlertCommand {
            key: AlertKey {
                rule: "DiskSpaceLow".into(),
                labels: vec![("mount".into(), "/var".into())],
                origin: Origin::Console,
            },
            action: AlertAction::Silence(DEFAULT_SILENCE),
            note: String::new(),
            ack_silence: None,
            matchers: Vec::new(),
        }
        .with_note(note)
    }

    #[test]
    fn a_silence_takes_its_length_from_the_note() {
        let four_hours = silence("4h disk cleanup in progress");
        assert_eq!(
            four_hours.action,
            AlertAction::Silence(Duration::from_secs(4 * 3600))
        );
        assert_eq!(four_hours.note, "disk cleanup in progress");
        assert_eq!(four_hours.action(), "alert silence 4h");
        let default = silence(" vendor is on it ");
        assert_eq!(default.action, AlertAction::Silence(DEFAULT_SILENCE));
        assert_eq!(default.note, "vendor is on it");
        assert_eq!(
            silence("15m").action,
            AlertAction::Silence(Duration::from_secs(900))
        );
        assert_eq!(four_hours.target(), "alert DiskSpaceLow{mount=\"/var\"}");
        let mut fleet = four_hours;
        fleet.key.origin = Origin::Alertmanager("prod".into());
        assert_eq!(
            fleet.target(),
            "alert DiskSpaceLow{mount=\"/var\"} on alertmanager prod"
        );
    }

    fn silence_rule(note: &str) -> AlertCommand {
        AlertCommand {
            key: AlertKey {
                rule: "ContainerUnhealthy".into(),
                labels: vec![
                    ("container".into(), "api".into()),
                    ("engine".into(), "prod".into()),
                ],
                origin: Origin::Console,
            },
            action: AlertAction::SilenceRule(DEFAULT_SILENCE),
            note: String::new(),
            ack_silence: None,
            matchers: Vec::new(),
        }
        .with_note(note)
    }

    #[test]
    fn a_silence_of_a_rule_takes_its_matchers_from_the_note() {
        let narrowed = silence_rule("2h engine=prod job=x=y deploy in progress");
        assert_eq!(
            narrowed.action,
            AlertAction::Silence(Duration::from_secs(2 * 3600))
        );
        assert_eq!(
            narrowed.key.labels,
            [
                ("engine".to_string(), "prod".to_string()),
                ("job".to_string(), "x=y".to_string())
            ]
        );
        assert_eq!(narrowed.note, "deploy in progress");
        assert_eq!(
            narrowed.target(),
            "alert ContainerUnhealthy{engine=\"prod\",job=\"x=y\"}"
        );
        let whole_rule = silence_rule("maintenance window");
        assert_eq!(whole_rule.action, AlertAction::Silence(DEFAULT_SILENCE));
        assert!(whole_rule.key.labels.is_empty());
        assert_eq!(whole_rule.note, "maintenance window");
        assert_eq!(silence_rule("a = b").key.labels, []);
        assert_eq!(silence_rule("1h 9x=1").note, "9x=1");

        // amtool's other operators, kept beside the key's equal labels, never as a value.
        let regex = silence_rule("4h container=~trial-.* engine!=\"edge\" cleanup");
        assert!(regex.key.labels.is_empty(), "{:?}", regex.key);
        let matchers: Vec<String> = regex.matchers.iter().map(|m| m.to_string()).collect();
        assert_eq!(matchers, ["container=~trial-.*", "engine!=edge"]);
        assert_eq!((regex.note.as_str(), regex.invalid()), ("cleanup", None));
        let broken = silence_rule("4h container=~trial-( cleanup");
        assert_eq!(broken.note, "container=~trial-( cleanup");
        assert!(
            broken
                .invalid()
                .is_some_and(|why| why.starts_with("container=~\"trial-(\": not a regex")),
            "{:?}",
            broken.invalid()
        );
    }

    #[test]
    fn a_silence_too_short_or_too_long_is_invalid() {
        assert_eq!(silence("15m").invalid(), None);
        assert_eq!(silence("").invalid(), None);
        assert_eq!(
            silence("0s").invalid().as_deref(),
            Some("silence length 0s is out of range: expected 1m to 1year")
        );
        assert!(silence("59s").invalid().is_some());
        let huge = silence("99999999999h huge");
        assert_eq!(huge.note, "huge");
        assert!(
            huge.invalid()
                .is_some_and(|why| why.contains("out of range"))
        );
        let overflow = silence("99999999999999999999999h huge");
        assert_eq!(overflow.action, AlertAction::Silence(Duration::MAX));
        assert!(overflow.invalid().is_some());
        assert_eq!(silence_rule("0s").invalid(), silence("0s").invalid());
    }
}
