//! A step's automatic check, judged from what the console already has: the metric store (a
//! rule expression; endpoints, databases and containers being up, through their `*_up`
//! series) and the firing alerts. A log pattern and a command need something run first: their
//! effect is data here ([`LogScan`], [`CommandRun`]), and what came back is judged here too.

use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;

use super::model::{Check, Step, Subject};
use crate::command::Mode;
use crate::metrics::{Matcher, MetricStore};

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    Fail(String),
    /// Nothing to judge by: no series yet, nothing matching, a command that could not start.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub outcome: CheckOutcome,
    pub checked_at: DateTime<Utc>,
}

/// What the console knows that checks read.
pub struct Observed<'a> {
    pub store: &'a MetricStore,
    /// The rules with a firing alert that is not silenced.
    pub firing: &'a [&'a str],
    /// A series whose newest sample is older than this says nothing of now (its source is
    /// down or slow): the tab passes three of the source's intervals, as staleness is judged.
    pub stale_after: Duration,
}

/// The newest sample of a series, if it is recent enough to judge by; `Err` with when it was
/// taken when it is not.
fn fresh(
    store: &MetricStore,
    id: crate::metrics::SeriesId,
    observed: &Observed<'_>,
    now: DateTime<Utc>,
) -> Option<Result<f64, DateTime<Utc>>> {
    let newest = store.history_id(id).last()?;
    if crate::duration::later(newest.at, observed.stale_after) < now {
        Some(Err(newest.at))
    } else {
        Some(Ok(newest.value))
    }
}

/// Why a check cannot tell: the series it reads are stale, the oldest shown.
fn stale_reason(what: &str, stale: &[(String, DateTime<Utc>)], now: DateTime<Utc>) -> String {
    let oldest = stale.iter().map(|(_, at)| *at).min().unwrap_or(now);
    let ago = (now - oldest).to_std().unwrap_or_default();
    let names: Vec<&str> = stale.iter().map(|(name, _)| name.as_str()).collect();
    format!(
        "no fresh value of {what} for {} (last {} ago)",
        names.join(", "),
        crate::duration::shown(Duration::from_secs(ago.as_secs()))
    )
}

/// What a check needs done before it can be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needs {
    /// Judged from what the console has: [`judge`].
    Nothing,
    Logs(LogScan),
    Command(CommandRun),
}

/// The last `tail` log lines of every container whose name matches `containers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogScan {
    pub containers: String,
    pub tail: usize,
}

/// A program and its arguments, run with no shell and no standard input, killed after
/// `timeout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub argv: Vec<String>,
    pub timeout: Duration,
}

/// What a command did: its exit status decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandEnd {
    Exited(i32),
    /// Killed by a signal (its number), not by the timeout.
    Signalled(i32),
    TimedOut,
    /// It could not be started (no such program, not executable).
    NotStarted(String),
}

/// A command's end and its output (standard output, then standard error), bounded, kept as the
/// step's evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandResult {
    pub end: CommandEnd,
    pub output: String,
    /// Output past the bound was dropped.
    pub truncated: bool,
    pub took: Duration,
}

/// The most output a command keeps.
pub const OUTPUT_LIMIT: usize = 16 * 1024;

impl Check {
    pub fn needs(&self) -> Needs {
        match self {
            Check::Logs {
                containers, tail, ..
            } => Needs::Logs(LogScan {
                containers: containers.clone(),
                tail: *tail,
            }),
            Check::Command { argv, timeout } => Needs::Command(CommandRun {
                argv: argv.clone(),
                timeout: *timeout,
            }),
            Check::Expr(_) | Check::NoAlerts(_) | Check::Up { .. } => Needs::Nothing,
        }
    }
}

/// Whether a step's command may run now: by itself only when the step says `auto = true` (in
/// every mode: the operator's own file asked for it), else only when the operator asks, and
/// never in `--read-only` or `--watch`. Shipped runbooks have no command (refused at load).
pub fn command_allowed(step: &Step, mode: Mode, asked: bool) -> Result<(), String> {
    if !matches!(step.check, Some(Check::Command { .. })) {
        return Err(format!("step {:?} runs no command", step.title));
    }
    if step.auto {
        return Ok(());
    }
    if !asked {
        return Err(format!(
            "step {:?} runs its command only when asked (it has no `auto = true`)",
            step.title
        ));
    }
    mode.refusal().map_or(Ok(()), |why| Err(why.to_string()))
}

/// Judges a check from what the console has; a log or command check is judged from what its
/// run found ([`judge_logs`], [`judge_command`]), so here it is unknown.
pub fn judge(check: &Check, observed: &Observed<'_>, now: DateTime<Utc>) -> CheckResult {
    let outcome = match check {
        Check::Expr(condition) => {
            let mut selected = 0;
            let mut failing = Vec::new();
            let mut stale = Vec::new();
            for id in observed.store.select(&condition.series, &[]) {
                let labels: Vec<(&str, &str)> = observed.store.labels(id).collect();
                if !condition.selects(&labels) {
                    continue;
                }
                match fresh(observed.store, id, observed, now) {
                    None => continue,
                    Some(Err(at)) => stale.push((shown_labels(&labels), at)),
                    Some(Ok(value)) => {
                        selected += 1;
                        if !condition.comparison.holds(value, condition.threshold) {
                            failing.push(format!("{} = {}", shown_labels(&labels), shown(value)));
                        }
                    }
                }
            }
            if !failing.is_empty() {
                CheckOutcome::Fail(format!("not {condition}: {}", failing.join(", ")))
            } else if !stale.is_empty() {
                CheckOutcome::Unknown(stale_reason(&condition.series, &stale, now))
            } else if selected == 0 {
                CheckOutcome::Unknown(format!("no value of {} yet", condition.series))
            } else {
                CheckOutcome::Pass
            }
        }
        Check::NoAlerts(rules) => {
            let firing: Vec<&str> = rules
                .iter()
                .map(String::as_str)
                .filter(|rule| observed.firing.contains(rule))
                .collect();
            if firing.is_empty() {
                CheckOutcome::Pass
            } else {
                CheckOutcome::Fail(format!("firing: {}", firing.join(", ")))
            }
        }
        Check::Up { kind, name } => judge_up(*kind, name, observed, now),
        Check::Logs { .. } | Check::Command { .. } => CheckOutcome::Unknown("not run yet".into()),
    };
    CheckResult {
        outcome,
        checked_at: now,
    }
}

/// The series that says whether one of a kind is up (1) or not (0), and its label naming it:
/// the ones the Endpoints, Databases and Containers tabs publish.
fn up_series(kind: Subject) -> (&'static str, &'static str) {
    match kind {
        Subject::Endpoint => ("endpoint_up", "endpoint"),
        Subject::Database => ("db_up", "database"),
        Subject::Container => ("container_up", "container"),
    }
}

fn judge_up(
    kind: Subject,
    name: &str,
    observed: &Observed<'_>,
    now: DateTime<Utc>,
) -> CheckOutcome {
    let store = observed.store;
    let (series, label) = up_series(kind);
    let matchers = [Matcher::Glob(label, name)];
    let mut seen = 0;
    let mut down: Vec<String> = Vec::new();
    let mut stale = Vec::new();
    for id in store.select(series, &matchers) {
        let named = || {
            store
                .labels(id)
                .find(|(k, _)| *k == label)
                .map_or_else(String::new, |(_, v)| v.to_string())
        };
        match fresh(store, id, observed, now) {
            None => continue,
            Some(Err(at)) => stale.push((named(), at)),
            Some(Ok(value)) => {
                seen += 1;
                if value < 1.0 {
                    down.push(named());
                }
            }
        }
    }
    if !down.is_empty() {
        down.sort();
        down.dedup();
        CheckOutcome::Fail(format!("{} down: {}", kind.label(), down.join(", ")))
    } else if !stale.is_empty() {
        CheckOutcome::Unknown(stale_reason(kind.label(), &stale, now))
    } else if seen == 0 {
        CheckOutcome::Unknown(format!("no {} matches {name:?}", kind.label()))
    } else {
        CheckOutcome::Pass
    }
}

/// The first lines matching `pattern` in each container's last lines, as `(container, lines)`;
/// none is a pass, no container at all is unknown.
pub fn judge_logs(
    pattern: &Regex,
    containers: &[(String, Vec<String>)],
    now: DateTime<Utc>,
) -> CheckResult {
    /// Matching lines quoted in the reason, so it stays readable.
    const QUOTED: usize = 3;
    let outcome = if containers.is_empty() {
        CheckOutcome::Unknown("no container matches".into())
    } else {
        let mut found = Vec::new();
        let mut count = 0;
        for (container, lines) in containers {
            for line in lines.iter().filter(|line| pattern.is_match(line)) {
                count += 1;
                if found.len() < QUOTED {
                    found.push(format!("{container}: {}", line.trim()));
                }
            }
        }
        if count == 0 {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail(format!(
                "{count} line{} match {}: {}",
                if count == 1 { "" } else { "s" },
                pattern.as_str(),
                found.join(" | ")
            ))
        }
    };
    CheckResult {
        outcome,
        checked_at: now,
    }
}

/// A command passes when it exits 0; anything else fails, with its last line of output.
pub fn judge_command(run: &CommandRun, result: &CommandResult, now: DateTime<Utc>) -> CheckResult {
    let last = result
        .output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default();
    let outcome = match &result.end {
        CommandEnd::Exited(0) => CheckOutcome::Pass,
        CommandEnd::Exited(code) => CheckOutcome::Fail(format!("exit status {code}{last}")),
        CommandEnd::Signalled(signal) => {
            CheckOutcome::Fail(format!("killed by signal {signal}{last}"))
        }
        CommandEnd::TimedOut => CheckOutcome::Fail(format!(
            "no answer within {}{last}",
            crate::duration::shown(run.timeout)
        )),
        CommandEnd::NotStarted(why) => {
            let program = run.argv.first().map_or("", String::as_str);
            CheckOutcome::Unknown(format!("cannot run {program}: {why}"))
        }
    };
    CheckResult {
        outcome,
        checked_at: now,
    }
}

fn shown_labels(labels: &[(&str, &str)]) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(","))
}

fn shown(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::rule::Condition;
    use crate::metrics::SeriesKey;

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000)
    }

    /// A series' name, labels and newest value.
    type Written<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

    fn store(series: &[Written<'_>]) -> MetricStore {
        let mut store = MetricStore::new(10);
        for (name, labels, value) in series {
            let key = labels
                .iter()
                .fold(SeriesKey::new(name), |key, (k, v)| key.with_label(k, v));
            store.record(key, now(), *value);
        }
        store
    }

    fn outcome(check: &Check, store: &MetricStore, firing: &[&str]) -> CheckOutcome {
        let observed = Observed {
            store,
            firing,
            stale_after: Duration::from_secs(30),
        };
        let result = judge(check, &observed, now());
        assert_eq!(result.checked_at, now());
        result.outcome
    }

    #[test]
    fn an_expression_holds_for_every_series_it_selects() {
        let disk = "system_disk_used_percent";
        let check =
            |expr: &str| Check::Expr(Condition::parse(expr).unwrap_or_else(|e| panic!("{e}")));
        let half = store(&[
            (disk, &[("mount", "/")], 42.0),
            (disk, &[("mount", "/var")], 91.5),
        ]);
        assert_eq!(
            outcome(&check(&format!("{disk} < 80")), &half, &[]),
            CheckOutcome::Fail(format!("not {disk} < 80: {{mount=\"/var\"}} = 91.50"))
        );
        assert_eq!(
            outcome(&check(&format!("{disk}{{mount=\"/\"}} < 80")), &half, &[]),
            CheckOutcome::Pass
        );
        assert_eq!(
            outcome(&check(&format!("{disk} < 95")), &half, &[]),
            CheckOutcome::Pass
        );
        assert!(matches!(
            outcome(
                &check(&format!("{disk}{{mount=\"/srv\"}} < 80")),
                &half,
                &[]
            ),
            CheckOutcome::Unknown(_)
        ));
    }

    #[test]
    fn a_series_not_reported_lately_says_nothing_of_now() {
        let mut up = store(&[("container_up", &[("container", "web")], 1.0)]);
        let later = now() + chrono::Duration::seconds(10);
        up.record(
            SeriesKey::new("container_up").with_label("container", "api"),
            later,
            1.0,
        );
        fn observed(store: &MetricStore) -> Observed<'_> {
            Observed {
                store,
                firing: &[],
                stale_after: Duration::from_secs(30),
            }
        }
        let check = Check::Up {
            kind: Subject::Container,
            name: "*".into(),
        };
        assert_eq!(
            judge(&check, &observed(&up), later).outcome,
            CheckOutcome::Pass
        );
        // A minute later, web has not been reported since: its engine may be down.
        let minute = now() + chrono::Duration::seconds(35);
        assert_eq!(
            judge(&check, &observed(&up), minute).outcome,
            CheckOutcome::Unknown("no fresh value of container for web (last 35s ago)".into())
        );
        up.record(
            SeriesKey::new("container_up").with_label("container", "api"),
            minute,
            0.0,
        );
        assert_eq!(
            judge(&check, &observed(&up), minute).outcome,
            CheckOutcome::Fail("container down: api".into()),
            "what is known to be down is said, whatever else is stale"
        );
    }

    #[test]
    fn no_alerts_fails_while_a_named_rule_fires() {
        let check = Check::NoAlerts(vec!["DiskSpaceLow".into(), "ContainerUnhealthy".into()]);
        let empty = store(&[]);
        assert_eq!(
            outcome(&check, &empty, &["HighCPUUsage"]),
            CheckOutcome::Pass
        );
        assert_eq!(
            outcome(&check, &empty, &["HighCPUUsage", "ContainerUnhealthy"]),
            CheckOutcome::Fail("firing: ContainerUnhealthy".into())
        );
    }

    #[test]
    fn up_checks_read_the_up_series_of_every_name_the_glob_matches() {
        let up = store(&[
            (
                "endpoint_up",
                &[("endpoint", "api-1"), ("group", "api")],
                1.0,
            ),
            (
                "endpoint_up",
                &[("endpoint", "api-2"), ("group", "api")],
                0.0,
            ),
            ("endpoint_up", &[("endpoint", "web"), ("group", "")], 1.0),
            ("db_up", &[("database", "main"), ("kind", "postgres")], 1.0),
            (
                "container_up",
                &[("container", "web"), ("engine", "local")],
                1.0,
            ),
            (
                "container_up",
                &[("container", "worker"), ("engine", "local")],
                0.0,
            ),
        ]);
        let check = |kind, name: &str| Check::Up {
            kind,
            name: name.into(),
        };
        assert_eq!(
            outcome(&check(Subject::Endpoint, "api-*"), &up, &[]),
            CheckOutcome::Fail("endpoint down: api-2".into())
        );
        assert_eq!(
            outcome(&check(Subject::Endpoint, "web"), &up, &[]),
            CheckOutcome::Pass
        );
        assert_eq!(
            outcome(&check(Subject::Database, "*"), &up, &[]),
            CheckOutcome::Pass
        );
        assert_eq!(
            outcome(&check(Subject::Container, "*"), &up, &[]),
            CheckOutcome::Fail("container down: worker".into())
        );
        assert_eq!(
            outcome(&check(Subject::Database, "other"), &up, &[]),
            CheckOutcome::Unknown("no database matches \"other\"".into())
        );
    }

    #[test]
    fn log_lines_matching_the_pattern_fail_the_check() {
        let pattern = Regex::new("(?i)\\berror\\b").unwrap_or_else(|e| panic!("{e}"));
        let clean = vec![("web".to_string(), vec!["GET / 200".to_string()])];
        assert_eq!(
            judge_logs(&pattern, &clean, now()).outcome,
            CheckOutcome::Pass
        );
        let noisy = vec![
            (
                "web".to_string(),
                vec!["GET / 200".to_string(), "ERROR: db refused".to_string()],
            ),
            (
                "worker".to_string(),
                vec!["error again".to_string(), "terrors are fine".to_string()],
            ),
        ];
        assert_eq!(
            judge_logs(&pattern, &noisy, now()).outcome,
            CheckOutcome::Fail(
                "2 lines match (?i)\\berror\\b: web: ERROR: db refused | worker: error again"
                    .into()
            )
        );
        assert!(matches!(
            judge_logs(&pattern, &[], now()).outcome,
            CheckOutcome::Unknown(_)
        ));
    }

    #[test]
    fn a_command_runs_by_itself_only_when_auto_and_never_asked_for_in_read_only_modes() {
        let step = |auto| Step {
            id: "nginx".into(),
            title: "nginx active".into(),
            details: String::new(),
            check: Some(Check::Command {
                argv: vec!["systemctl".into(), "is-active".into(), "nginx".into()],
                timeout: Duration::from_secs(5),
            }),
            action: None,
            auto,
        };
        for mode in [Mode::Interactive, Mode::ReadOnly, Mode::Watch] {
            assert_eq!(
                command_allowed(&step(true), mode, false),
                Ok(()),
                "{mode:?}"
            );
            assert_eq!(command_allowed(&step(true), mode, true), Ok(()), "{mode:?}");
            assert!(
                command_allowed(&step(false), mode, false).is_err(),
                "{mode:?}"
            );
        }
        assert_eq!(
            command_allowed(&step(false), Mode::Interactive, true),
            Ok(())
        );
        assert_eq!(
            command_allowed(&step(false), Mode::ReadOnly, true),
            Err("read-only mode (--read-only): actions are disabled".into())
        );
        assert!(command_allowed(&step(false), Mode::Watch, true).is_err());
        let no_command = Step {
            check: None,
            ..step(false)
        };
        assert!(command_allowed(&no_command, Mode::Interactive, true).is_err());
    }

    #[test]
    fn a_command_passes_on_exit_0_only() {
        let run = CommandRun {
            argv: vec!["systemctl".into(), "is-active".into(), "nginx".into()],
            timeout: Duration::from_secs(5),
        };
        let result = |end, output: &str| CommandResult {
            end,
            output: output.into(),
            truncated: false,
            took: Duration::from_millis(20),
        };
        let judged = |end, output| judge_command(&run, &result(end, output), now()).outcome;
        assert_eq!(
            judged(CommandEnd::Exited(0), "active\n"),
            CheckOutcome::Pass
        );
        assert_eq!(
            judged(CommandEnd::Exited(3), "inactive\n\n"),
            CheckOutcome::Fail("exit status 3: inactive".into())
        );
        assert_eq!(
            judged(CommandEnd::TimedOut, ""),
            CheckOutcome::Fail("no answer within 5s".into())
        );
        assert_eq!(
            judged(CommandEnd::Signalled(9), ""),
            CheckOutcome::Fail("killed by signal 9".into())
        );
        assert_eq!(
            judged(
                CommandEnd::NotStarted("No such file or directory".into()),
                ""
            ),
            CheckOutcome::Unknown("cannot run systemctl: No such file or directory".into())
        );
    }
}
