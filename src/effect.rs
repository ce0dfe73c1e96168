//! Effects: what `update` asks the runtime to do. The executor runs each in its own task: it
//! records the request, runs the command, records the outcome, and only then reports back, so the
//! toast never precedes the record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::collect::docker;
use crate::command::{
    CommandError, CommandOutcome, OperatorCommand, ProcessSignal, container_target,
};
use crate::model::containers::LogEvent;
use crate::msg::Msg;
use crate::persist::audit::{AuditEntry, AuditLog, Operator, Outcome, new_request_id};
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
    /// Record that the operator revealed a container's environment values (never the values).
    RecordReveal {
        engine: String,
        id: String,
        name: String,
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
    /// How long a container action may wait for the engine.
    action_timeout: Duration,
}

/// Long enough for a stop or restart, whose grace period before SIGKILL is 10 s, on a busy engine.
const ACTION_TIMEOUT: Duration = Duration::from_secs(60);
const CLIENT_TIMEOUT_MARGIN: Duration = Duration::from_secs(5);

/// The audit action of showing a container's environment values.
const REVEAL_ENV: &str = "reveal env";

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
            action_timeout: ACTION_TIMEOUT,
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
                let id = new_request_id();
                // The mode is checked again here: no path may run a command in a read-only mode.
                let (result, audit_error) = match self.mode.refusal() {
                    Some(reason) => {
                        let error = self
                            .record(&id, &command, Outcome::Refused, Some(reason.to_string()))
                            .await;
                        (
                            Err(CommandError::Failed(format!("refused: {reason}"))),
                            error,
                        )
                    }
                    None => {
                        let requested = self.record(&id, &command, Outcome::Requested, None).await;
                        let result = self.execute(&command).await;
                        let outcome = match &result {
                            Ok(_) => Outcome::Ok,
                            Err(CommandError::Failed(_)) => Outcome::Failed,
                            Err(CommandError::NoAnswer { .. }) => Outcome::NoAnswer,
                        };
                        let error = result.as_ref().err().map(CommandError::to_string);
                        let recorded = self.record(&id, &command, outcome, error).await;
                        (result, recorded.or(requested))
                    }
                };
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
                let id = new_request_id();
                if let Some(error) = self
                    .record(&id, &command, Outcome::Refused, Some(reason))
                    .await
                {
                    tracing::error!(%error, "could not write the audit log");
                }
            }
            Effect::RecordReveal { engine, id, name } => {
                let target = container_target(&engine, &id, &name);
                let recorded = self
                    .append(
                        &new_request_id(),
                        REVEAL_ENV.into(),
                        target,
                        Outcome::Ok,
                        None,
                    )
                    .await;
                if let Some(error) = recorded {
                    tracing::error!(%error, "could not write the audit log");
                }
            }
            Effect::FollowLogs { key, tail } => self.follow_logs(key, tail),
            Effect::StopLogs => self.stop_following(),
        }
    }

    async fn execute(&self, command: &OperatorCommand) -> Result<String, CommandError> {
        match command {
            OperatorCommand::SignalProcess { pid, name, signal } => {
                send_signal(*pid, name, *signal).map_err(CommandError::Failed)
            }
            OperatorCommand::Container {
                engine,
                id,
                name,
                action,
            } => {
                // The client's own timeout is longer, so the engine's silence is reported as such.
                let within = self.action_timeout;
                let docker = self
                    .client(engine)
                    .map_err(CommandError::Failed)?
                    .with_timeout(within + CLIENT_TIMEOUT_MARGIN);
                match tokio::time::timeout(within, docker::run_action(&docker, id, *action)).await {
                    Ok(Ok(_)) => Ok(format!("{} {name} on {engine}", action.past())),
                    Ok(Err(error)) => Err(CommandError::Failed(error)),
                    Err(_) => Err(CommandError::NoAnswer { within }),
                }
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
        id: &str,
        command: &OperatorCommand,
        outcome: Outcome,
        error: Option<String>,
    ) -> Option<String> {
        self.append(id, command.action(), command.target(), outcome, error)
            .await
    }

    async fn append(
        &self,
        id: &str,
        action: String,
        target: String,
        outcome: Outcome,
        error: Option<String>,
    ) -> Option<String> {
        let entry = AuditEntry::new(
            id,
            Utc::now(),
            &self.operator,
            mode_name(self.mode),
            action,
            target,
            outcome,
            error,
        );
        tracing::info!(id = %entry.id, action = %entry.action, target = %entry.target, outcome = ?entry.outcome, "operator command");
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
    use crate::model::containers::ContainerAction;

    fn executor(dir: &std::path::Path, mode: Mode) -> (Executor, mpsc::Receiver<Msg>) {
        let (sender, receiver) = mpsc::channel(8);
        let audit = AuditLog::new(dir.join("audit.jsonl"));
        let operator = Operator::new(1000, Some("alice".into()), |_| None);
        let executor = Executor::new(sender, audit, operator, mode, HashMap::new());
        (executor, receiver)
    }

    fn audit_lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(dir.join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    #[tokio::test]
    async fn a_command_is_recorded_as_requested_then_with_its_outcome() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut sleeper = std::process::Command::new("sleep")
            .arg("300")
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let (executor, mut results) = executor(dir.path(), Mode::Interactive);
        let command = OperatorCommand::SignalProcess {
            pid: sleeper.id(),
            name: "sleep".into(),
            signal: ProcessSignal::Term,
        };
        executor.run(Effect::Execute(command.clone())).await;
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        let Some(Msg::CommandFinished(finished)) = results.recv().await else {
            panic!("no result")
        };
        assert!(finished.result.is_ok(), "{finished:?}");
        assert_eq!(finished.audit_error, None);
        let lines = audit_lines(dir.path());
        let outcomes: Vec<&serde_json::Value> = lines.iter().map(|l| &l["outcome"]).collect();
        assert_eq!(outcomes, ["requested", "ok"]);
        assert_eq!(lines[0]["id"], lines[1]["id"]);
        assert!(lines[0]["id"].as_str().is_some_and(|id| !id.is_empty()));
        for line in &lines {
            assert_eq!(line["action"], "signal SIGTERM");
            assert_eq!(line["target"], command.target().as_str());
        }
    }

    /// An engine address that accepts connections and never answers.
    fn silent_engine() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        std::thread::spawn(move || {
            let held: Vec<std::net::TcpStream> = listener.incoming().flatten().collect();
            drop(held);
        });
        format!("tcp://{address}")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_engine_that_never_answers_is_given_up_on_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (mut executor, mut results) = executor(dir.path(), Mode::Interactive);
        executor.docker = Arc::new(HashMap::from([("silent".to_string(), silent_engine())]));
        executor.action_timeout = Duration::from_secs(1);
        let command = OperatorCommand::Container {
            engine: "silent".into(),
            id: "0123456789abcdef".into(),
            name: "web".into(),
            action: ContainerAction::Stop,
        };
        executor.spawn(Effect::Execute(command.clone()));

        // The request is on record while the engine still has not answered.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while audit_lines(dir.path()).is_empty() {
            assert!(std::time::Instant::now() < deadline, "no requested entry");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(results.try_recv().is_err(), "finished before the timeout");
        assert_eq!(audit_lines(dir.path())[0]["outcome"], "requested");

        let finished = tokio::time::timeout(Duration::from_secs(10), results.recv()).await;
        let Ok(Some(Msg::CommandFinished(finished))) = finished else {
            panic!("no result: {finished:?}")
        };
        assert_eq!(finished.command, command);
        assert_eq!(
            finished.result,
            Err(CommandError::NoAnswer {
                within: Duration::from_secs(1)
            })
        );
        let lines = audit_lines(dir.path());
        let outcomes: Vec<&serde_json::Value> = lines.iter().map(|l| &l["outcome"]).collect();
        assert_eq!(outcomes, ["requested", "no-answer"]);
        assert_eq!(lines[0]["id"], lines[1]["id"]);
        assert_eq!(
            lines[1]["error"],
            "no answer from engine within 1s; the action may still complete"
        );
    }

    #[tokio::test]
    async fn a_reveal_is_one_entry_naming_the_container() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, _results) = executor(dir.path(), Mode::ReadOnly);
        executor
            .run(Effect::RecordReveal {
                engine: "local".into(),
                id: "0123456789abcdef".into(),
                name: "web".into(),
            })
            .await;
        let lines = audit_lines(dir.path());
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["action"], "reveal env");
        assert_eq!(lines[0]["target"], "container web (0123456789ab) on local");
        assert_eq!(lines[0]["outcome"], "ok");
        assert_eq!(lines[0]["mode"], "read-only");
        assert_eq!(lines[0]["user"], "alice");
    }

    #[tokio::test]
    async fn a_command_refused_by_the_mode_is_one_entry() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, mut results) = executor(dir.path(), Mode::Watch);
        let command = OperatorCommand::SignalProcess {
            pid: 4242,
            name: "x".into(),
            signal: ProcessSignal::Kill,
        };
        executor.run(Effect::Execute(command)).await;
        let Some(Msg::CommandFinished(finished)) = results.recv().await else {
            panic!("no result")
        };
        assert!(finished.result.is_err());
        let lines = audit_lines(dir.path());
        let outcomes: Vec<&serde_json::Value> = lines.iter().map(|l| &l["outcome"]).collect();
        assert_eq!(outcomes, ["refused"]);
    }

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
