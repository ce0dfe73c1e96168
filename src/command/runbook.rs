//! Commands of the Runbook tab: ticking a step, a note in the shift log, and a step's own
//! action (a restart, a silence) taken from a procedure. Each is written to the shared runbook
//! log by the executor, and the audit log records it with the operator.

use chrono::{DateTime, Utc};

use crate::alerts::engine::AlertKey;

use super::OperatorCommand;

/// How the operator ticks a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Done,
    Skipped,
    Failed,
}

impl Mark {
    pub fn label(self) -> &'static str {
        match self {
            Mark::Done => "done",
            Mark::Skipped => "skipped",
            Mark::Failed => "failed",
        }
    }
}

/// What a tick or an action counts toward: a checklist's period (`2026-12-07`, `2026-W50`) or
/// the firing of the alert a procedure was opened from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toward {
    Period(String),
    Incident {
        alert: AlertKey,
        since: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunbookCommand {
    /// Tick `step` of `runbook` with the note typed in the dialog.
    Tick {
        runbook: String,
        step: String,
        toward: Toward,
        mark: Mark,
        note: String,
        at: DateTime<Utc>,
    },
    /// A free note of the shift log, as typed; written on a procedure opened from an alert,
    /// about that incident (the alert, since when it fires).
    Note {
        text: String,
        at: DateTime<Utc>,
        incident: Option<(AlertKey, DateTime<Utc>)>,
    },
    /// Run a step's check command (from the operator's own runbook) now: no shell, no
    /// standard input, killed at `timeout`; its exit status decides.
    Check {
        runbook: String,
        step: String,
        argv: Vec<String>,
        timeout: std::time::Duration,
    },
    /// Run a step's action, then record it toward its period or incident.
    Step {
        runbook: String,
        step: String,
        toward: Toward,
        command: Box<OperatorCommand>,
    },
}

impl RunbookCommand {
    pub fn action(&self) -> String {
        match self {
            RunbookCommand::Tick { mark, .. } => format!("runbook tick {}", mark.label()),
            RunbookCommand::Note { .. } => "runbook note".into(),
            RunbookCommand::Check { .. } => "runbook check".into(),
            RunbookCommand::Step { command, .. } => command.action(),
        }
    }

    pub fn target(&self) -> String {
        match self {
            RunbookCommand::Tick {
                runbook,
                step,
                toward,
                ..
            } => format!("{runbook} step {step} {}", toward_text(toward)),
            RunbookCommand::Note { .. } => "shift log".into(),
            RunbookCommand::Check {
                runbook,
                step,
                argv,
                ..
            } => check_target(runbook, step, argv),
            RunbookCommand::Step {
                runbook,
                step,
                toward,
                command,
            } => format!(
                "{} (runbook {runbook} step {step} {})",
                command.target(),
                toward_text(toward)
            ),
        }
    }

    /// The tick's note, the shift log's note, or the note of a step's command, as typed.
    pub fn with_note(self, typed: &str) -> Self {
        match self {
            RunbookCommand::Tick {
                runbook,
                step,
                toward,
                mark,
                at,
                ..
            } => RunbookCommand::Tick {
                runbook,
                step,
                toward,
                mark,
                note: typed.to_string(),
                at,
            },
            RunbookCommand::Note { at, incident, .. } => RunbookCommand::Note {
                text: typed.to_string(),
                at,
                incident,
            },
            RunbookCommand::Step {
                runbook,
                step,
                toward,
                command,
            } => RunbookCommand::Step {
                runbook,
                step,
                toward,
                command: Box::new(command.with_note(typed)),
            },
            check @ RunbookCommand::Check { .. } => check,
        }
    }

    pub fn invalid(&self) -> Option<String> {
        match self {
            RunbookCommand::Note { text, .. } if text.trim().is_empty() => {
                Some("type the note first".into())
            }
            RunbookCommand::Step { command, .. } => command.invalid(),
            _ => None,
        }
    }

    /// The same step of the same period or incident: one tick of it at a time. A step's action
    /// is compared by its command (see [`OperatorCommand::acting`]); notes never clash.
    pub fn same_target(&self, other: &RunbookCommand) -> bool {
        match (self, other) {
            (
                RunbookCommand::Tick {
                    runbook: r1,
                    step: s1,
                    toward: t1,
                    ..
                },
                RunbookCommand::Tick {
                    runbook: r2,
                    step: s2,
                    toward: t2,
                    ..
                },
            ) => r1 == r2 && s1 == s2 && t1 == t2,
            (
                RunbookCommand::Check {
                    runbook: r1,
                    step: s1,
                    ..
                },
                RunbookCommand::Check {
                    runbook: r2,
                    step: s2,
                    ..
                },
            ) => r1 == r2 && s1 == s2,
            _ => false,
        }
    }
}

/// `in 2026-12-07`, `for incident DiskSpaceLow{mount="/"} since 2026-12-07 09:12:00 UTC`.
fn toward_text(toward: &Toward) -> String {
    match toward {
        Toward::Period(period) => format!("in {period}"),
        Toward::Incident { alert, since } => format!(
            "for incident {} since {}",
            alert.name(),
            since.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    }
}

/// A check's command as the audit log names it: `` `df -h /` (runbook mine step disk) ``.
pub fn check_target(runbook: &str, step: &str, argv: &[String]) -> String {
    format!("`{}` (runbook {runbook} step {step})", argv.join(" "))
}
