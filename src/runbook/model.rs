//! What a runbook is: a checklist done once per period or a procedure followed for a fault, as
//! ordered steps, each with what to do and, optionally, an automatic check and an action of the
//! console's.

use std::fmt;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::alerts::engine::AlertKey;
use crate::alerts::rule::Condition;
use crate::command::{AlertAction, AlertCommand, ContainerCommand, DatabaseAction};
use crate::command::{DatabaseCommand, OperatorCommand};
use crate::model::containers::ContainerAction;

#[derive(Debug, Clone)]
pub struct Runbook {
    /// What rules name it by (`runbook = "disk-full"`) and what a user file replaces it by.
    pub name: String,
    pub title: String,
    pub kind: Kind,
    pub steps: Vec<Step>,
    pub origin: Origin,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.id == id)
    }

    pub fn cadence(&self) -> Option<Cadence> {
        match self.kind {
            Kind::Checklist { cadence } => Some(cadence),
            Kind::Procedure => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Done once per period of its cadence.
    Checklist { cadence: Cadence },
    /// Followed when a fault happens, usually opened from an alert.
    Procedure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
}

impl Cadence {
    pub const ALL: [Cadence; 4] = [
        Cadence::Daily,
        Cadence::Weekly,
        Cadence::Monthly,
        Cadence::Quarterly,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a runbook was read from: only the operator's own files may run commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded from `assets/runbooks/`.
    Shipped,
    /// The config dir's `runbooks/`, at this path.
    User(String),
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Ticks are kept by it: the `id` written in the file, else the title in lowercase words
    /// joined by `-`, so reordering steps keeps their ticks.
    pub id: String,
    pub title: String,
    /// What to do, the commands, what good looks like.
    pub details: String,
    pub check: Option<Check>,
    pub action: Option<StepAction>,
    /// The check runs by itself (a command otherwise runs only when the operator asks).
    pub auto: bool,
}

/// What the console can verify by itself for a step.
#[derive(Debug, Clone)]
pub enum Check {
    /// A rule expression over the metric store that must hold for every series it selects.
    Expr(Condition),
    /// Rules that must not be firing.
    NoAlerts(Vec<String>),
    /// Every endpoint, database or container whose name matches the glob must be up.
    Up { kind: Subject, name: String },
    /// The last `tail` log lines of every container matching the glob must not match `pattern`.
    Logs {
        containers: String,
        tail: usize,
        pattern: Regex,
    },
    /// A program run without a shell or standard input; its exit status decides.
    Command {
        argv: Vec<String>,
        timeout: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Endpoint,
    Database,
    Container,
}

impl Subject {
    pub fn label(self) -> &'static str {
        match self {
            Subject::Endpoint => "endpoint",
            Subject::Database => "database",
            Subject::Container => "container",
        }
    }
}

/// One of the console's operator actions a step offers, through the usual confirmation,
/// refusal and audit. A target left out is taken from the incident's alert labels
/// (`container`/`engine`, `database`, the rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    Container {
        container: Option<String>,
        action: ContainerAction,
    },
    TerminateIdleSessions {
        database: Option<String>,
        minutes: u32,
    },
    SilenceRule {
        rule: Option<String>,
        duration: Duration,
    },
}

/// What the state knows that turns a step's action into a command: the tab implements it over
/// the Containers and Databases tabs' lists.
pub trait ActionTargets {
    /// The engine and id of the container called `name`, preferring `engine` when given.
    fn container(&self, engine: Option<&str>, name: &str) -> Option<(String, String)>;
    /// The masked address of database `name` and its sessions idle for `minutes` or more.
    fn idle_sessions(&self, database: &str, minutes: u32) -> Option<(String, Vec<i32>)>;
}

impl StepAction {
    /// The operator command this action is, for `incident`'s alert when the step names no
    /// target; why not when its target is unknown.
    pub fn command(
        &self,
        incident: Option<&AlertKey>,
        targets: &dyn ActionTargets,
        note: &str,
    ) -> Result<OperatorCommand, String> {
        let label = |name: &str| {
            incident.and_then(|key| {
                key.labels
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
        };
        let from_alert = |written: &Option<String>, what: &str| {
            written.clone().or_else(|| label(what)).ok_or_else(|| {
                format!("the step names no {what} and no alert with a `{what}` label opened it")
            })
        };
        match self {
            StepAction::Container { container, action } => {
                let name = from_alert(container, "container")?;
                let engine = container.is_none().then(|| label("engine")).flatten();
                let (engine, id) = targets
                    .container(engine.as_deref(), &name)
                    .ok_or_else(|| format!("no container {name:?} is listed"))?;
                Ok(OperatorCommand::Container(ContainerCommand {
                    engine,
                    id,
                    name,
                    action: *action,
                }))
            }
            StepAction::TerminateIdleSessions { database, minutes } => {
                let name = from_alert(database, "database")?;
                let (address, pids) = targets
                    .idle_sessions(&name, *minutes)
                    .ok_or_else(|| format!("no sessions of database {name:?} are listed"))?;
                Ok(OperatorCommand::Database(DatabaseCommand {
                    database: name,
                    address,
                    action: DatabaseAction::TerminateIdle {
                        minutes: *minutes,
                        pids,
                    },
                }))
            }
            StepAction::SilenceRule { rule, duration } => {
                let rule = rule
                    .clone()
                    .or_else(|| incident.map(|key| key.rule.clone()))
                    .ok_or("the step names no rule and no alert opened it")?;
                Ok(OperatorCommand::Alert(AlertCommand {
                    key: AlertKey {
                        rule,
                        labels: Vec::new(),
                        origin: incident.map(|key| key.origin.clone()).unwrap_or_default(),
                    },
                    action: AlertAction::Silence(*duration),
                    note: note.to_string(),
                    ack_silence: None,
                    matchers: Vec::new(),
                }))
            }
        }
    }

    /// What the step offers, e.g. `restart container web`.
    pub fn describe(&self) -> String {
        let or_alert = |name: &Option<String>, what: &str| {
            name.clone()
                .unwrap_or_else(|| format!("the alert's {what}"))
        };
        match self {
            StepAction::Container { container, action } => {
                format!(
                    "{} container {}",
                    action.verb(),
                    or_alert(container, "container")
                )
            }
            StepAction::TerminateIdleSessions { database, minutes } => format!(
                "terminate sessions idle {minutes}m+ on {}",
                or_alert(database, "database")
            ),
            StepAction::SilenceRule { rule, duration } => format!(
                "silence {} for {}",
                or_alert(rule, "rule"),
                crate::duration::shown(*duration)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::engine::Origin as AlertOrigin;

    /// One container `web` on `local` (and one of the same name on `edge`), and database
    /// `main` with two idle sessions.
    struct Listed;

    impl ActionTargets for Listed {
        fn container(&self, engine: Option<&str>, name: &str) -> Option<(String, String)> {
            match (engine, name) {
                (Some("edge"), "web") => Some(("edge".into(), "e1".into())),
                (_, "web") => Some(("local".into(), "0123456789abcdef".into())),
                _ => None,
            }
        }

        fn idle_sessions(&self, database: &str, minutes: u32) -> Option<(String, Vec<i32>)> {
            (database == "main").then(|| {
                (
                    "postgres://db:5432/app".into(),
                    vec![41, 42 + minutes as i32],
                )
            })
        }
    }

    fn unhealthy(engine: &str) -> AlertKey {
        AlertKey {
            rule: "ContainerUnhealthy".into(),
            labels: vec![
                ("container".into(), "web".into()),
                ("engine".into(), engine.into()),
            ],
            origin: AlertOrigin::Console,
        }
    }

    #[test]
    fn a_step_action_becomes_the_operator_command_for_the_alert_that_opened_it() {
        let restart = StepAction::Container {
            container: None,
            action: ContainerAction::Restart,
        };
        assert_eq!(
            restart.command(Some(&unhealthy("edge")), &Listed, ""),
            Ok(OperatorCommand::Container(ContainerCommand {
                engine: "edge".into(),
                id: "e1".into(),
                name: "web".into(),
                action: ContainerAction::Restart,
            }))
        );
        assert_eq!(
            restart.command(None, &Listed, ""),
            Err(
                "the step names no container and no alert with a `container` label opened it"
                    .into()
            )
        );
        let named = StepAction::Container {
            container: Some("api".into()),
            action: ContainerAction::Stop,
        };
        assert_eq!(
            named.command(Some(&unhealthy("local")), &Listed, ""),
            Err("no container \"api\" is listed".into())
        );
        let idle = StepAction::TerminateIdleSessions {
            database: Some("main".into()),
            minutes: 10,
        };
        assert_eq!(
            idle.command(None, &Listed, ""),
            Ok(OperatorCommand::Database(DatabaseCommand {
                database: "main".into(),
                address: "postgres://db:5432/app".into(),
                action: DatabaseAction::TerminateIdle {
                    minutes: 10,
                    pids: vec![41, 52]
                },
            }))
        );
        let silence = StepAction::SilenceRule {
            rule: None,
            duration: Duration::from_secs(3600),
        };
        let Ok(OperatorCommand::Alert(command)) =
            silence.command(Some(&unhealthy("local")), &Listed, "disk cleanup")
        else {
            panic!("not a silence")
        };
        assert_eq!(command.key.rule, "ContainerUnhealthy");
        assert!(command.key.labels.is_empty(), "every alert of the rule");
        assert_eq!(
            command.action,
            AlertAction::Silence(Duration::from_secs(3600))
        );
        assert_eq!(command.note, "disk cleanup");
        assert_eq!(command.invalid(), None);
        assert_eq!(silence.describe(), "silence the alert's rule for 1h");
        assert_eq!(
            restart.describe(),
            "restart container the alert's container"
        );
    }
}
