//! Effects: what `update` asks the runtime to do. The executor runs each in its own task, writes
//! the audit entry, and only then reports back, so the toast never precedes the record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::collect::containers::LogEvent;
use crate::collect::docker;
use crate::command::{CommandOutcome, OperatorCommand, ProcessSignal};
use crate::msg::Msg;
use crate::persist::audit::{AuditEntry, AuditLog, Operator, Outcome};
use crate::state::Mode;
use crate::state::containers::ContainerKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run a confirmed operator command.
    Execute(OperatorCommand),
    /// Record a command refused by the mode.
    RecordRefusal {
        command: OperatorCommand,
        reason: String,
    },
    /// Follow a container's log, replacing any log followed before.
    FollowLogs { key: ContainerKey, tail: usize },
    /// Stop following the container log.
    StopLogs,
}

#[derive(Clone)]
pub struct Executor {
    sender: mpsc::Sender<Msg>,
    audit: Arc<AuditLog>,
    operator: Arc<Operator>,
    mode: Mode,
    /// Docker engine addresses by name. A client is made per action or log follow, so an engine
    /// that was down at startup works as soon as it is back.
    docker: Arc<HashMap<String, String>>,
    /// Cancels the log being followed, if any.
    following: Arc<Mutex<Option<CancellationToken>>>,
}

impl Executor {
    pub fn new(
        sender: mpsc::Sender<Msg>,
        audit: AuditLog,
        operator: Operator,
        mode: Mode,
        docker: HashMap<String, String>,
    ) -> Self {
        Self {
            sender,
            audit: Arc::new(audit),
            operator: Arc::new(operator),
            mode,
            docker: Arc::new(docker),
            following: Arc::new(Mutex::new(None)),
        }
    }

    /// Starts the effect in the background and returns at once.
    pub fn spawn(&self, effect: Effect) {
        let executor = self.clone();
        tokio::spawn(async move { executor.run(effect).await });
    }

    async fn run(&self, effect: Effect) {
        match effect {
            Effect::Execute(command) => {
                // The mode is checked again here: no path may run a command in a read-only mode.
                let result = match self.mode.refusal() {
                    Some(reason) => Err(format!("refused: {reason}")),
                    None => self.execute(&command).await,
                };
                let outcome = if result.is_ok() {
                    Outcome::Ok
                } else {
                    Outcome::Failed
                };
                let audit_error = self
                    .record(&command, outcome, result.as_ref().err().cloned())
                    .await;
                let finished = CommandOutcome {
                    command,
                    result,
                    audit_error,
                };
                if self
                    .sender
                    .send(Msg::CommandFinished(finished))
                    .await
                    .is_err()
                {
                    tracing::debug!("app closed before a command finished");
                }
            }
            Effect::RecordRefusal { command, reason } => {
                if let Some(error) = self.record(&command, Outcome::Refused, Some(reason)).await {
                    tracing::error!(%error, "could not write the audit log");
                }
            }
            Effect::FollowLogs { key, tail } => self.follow_logs(key, tail),
            Effect::StopLogs => self.stop_following(),
        }
    }

    async fn execute(&self, command: &OperatorCommand) -> Result<String, String> {
        match command {
            OperatorCommand::SignalProcess { pid, name, signal } => {
                send_signal(*pid, name, *signal)
            }
            OperatorCommand::Container {
                engine,
                id,
                name,
                action,
            } => {
                let docker = self.client(engine)?;
                docker::run_action(&docker, id, *action).await?;
                Ok(format!("{} {name} on {engine}", action.past()))
            }
        }
    }

    fn client(&self, engine: &str) -> Result<bollard::Docker, String> {
        let host = self
            .docker
            .get(engine)
            .ok_or_else(|| format!("unknown engine {engine}"))?;
        docker::connect(host).map_err(|e| e.message)
    }

    fn stop_following(&self) {
        let previous = self.following.lock().ok().and_then(|mut slot| slot.take());
        if let Some(token) = previous {
            token.cancel();
        }
    }

    /// Follows one container's log; its events come back tagged with the container they belong to.
    fn follow_logs(&self, key: ContainerKey, tail: usize) {
        self.stop_following();
        let docker = match self.client(&key.engine) {
            Ok(docker) => docker,
            Err(error) => {
                // Said in the log view itself, where the operator is looking.
                let event = LogEvent::Ended(format!("cannot follow logs: {error}"));
                let sender = self.sender.clone();
                tokio::spawn(async move { sender.send(Msg::LogEvent { key, event }).await });
                return;
            }
        };
        let token = CancellationToken::new();
        if let Ok(mut slot) = self.following.lock() {
            *slot = Some(token.clone());
        }
        let (events_tx, mut events_rx) = mpsc::channel(16);
        let options = docker::FollowOptions {
            tail,
            give_up_after: docker::LOG_GIVE_UP_AFTER,
        };
        tokio::spawn(docker::follow_logs(
            docker,
            key.id.clone(),
            options,
            events_tx,
            |event| event,
            token,
        ));
        let sender = self.sender.clone();
        tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                let key = key.clone();
                if sender.send(Msg::LogEvent { key, event }).await.is_err() {
                    break;
                }
            }
        });
    }

    /// Appends the audit entry; returns the error text when it could not be written.
    async fn record(
        &self,
        command: &OperatorCommand,
        outcome: Outcome,
        error: Option<String>,
    ) -> Option<String> {
        let entry = AuditEntry::new(
            Utc::now(),
            &self.operator,
            mode_name(self.mode),
            command.action(),
            command.target(),
            outcome,
            error,
        );
        tracing::info!(action = %entry.action, target = %entry.target, outcome = ?entry.outcome, "operator command");
        let audit = self.audit.clone();
        match tokio::task::spawn_blocking(move || audit.append(&entry)).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{}: {e}", self.audit.path().display())),
            Err(e) => Some(e.to_string()),
        }
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Interactive => "interactive",
        Mode::ReadOnly => "read-only",
        Mode::Watch => "watch",
    }
}

fn send_signal(pid: u32, name: &str, signal: ProcessSignal) -> Result<String, String> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    // Guard rails: 0 and negative PIDs mean process groups, 1 is init, and signalling ourselves
    // from our own console is never what the operator meant.
    let raw = i32::try_from(pid).map_err(|_| format!("invalid PID {pid}"))?;
    if raw <= 1 {
        return Err(format!("refusing to signal PID {raw}"));
    }
    if pid == std::process::id() {
        return Err("refusing to signal watchdeck itself".into());
    }
    let nix_signal = match signal {
        ProcessSignal::Term => Signal::SIGTERM,
        ProcessSignal::Kill => Signal::SIGKILL,
    };
    kill(Pid::from_raw(raw), nix_signal).map_err(|errno| format!("{} ({errno})", errno.desc()))?;
    Ok(format!("sent {signal} to process {pid} ({name})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_pids() {
        assert!(send_signal(0, "x", ProcessSignal::Term).is_err());
        assert!(
            send_signal(1, "init", ProcessSignal::Term)
                .unwrap_err()
                .contains("refusing")
        );
        assert!(send_signal(u32::MAX, "x", ProcessSignal::Term).is_err());
        assert!(
            send_signal(std::process::id(), "me", ProcessSignal::Kill)
                .unwrap_err()
                .contains("itself")
        );
    }
}
