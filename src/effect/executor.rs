//! The executor: it runs each effect off the draw loop. A command's task records the request,
//! runs the command through its group's file, records the outcome, and only then reports back, so
//! the toast never precedes the record.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use super::Effect;
use super::Kept;
use super::container::Containers;
use super::database::Databases;
use super::notify::{Notifier, NotifyOptions, NotifyTarget};
use crate::collect::endpoints::ProbeTriggers;
use crate::command::Mode;
use crate::command::{
    CommandError, CommandOutcome, OperatorCommand, RunbookCommand, check_target, container_target,
};
use crate::config::{
    AlertmanagerConfig, DatabaseConfig, DockerConfig, NotifyConfig, PrometheusConfig,
};
use crate::msg::CheckRun;
use crate::msg::Msg;
use crate::persist::audit::{AuditEntry, AuditLog, Operator, Outcome, new_request_id};
use crate::runbook::check::{CommandEnd, CommandRun};
use crate::runbook::log::{Entry, EntryKind, Incident};
use crate::runbook::run::run_command;
use crate::runbook::toward::{scope, state as step_state};

#[derive(Clone)]
pub struct Executor {
    sender: mpsc::Sender<Msg>,
    audit: Arc<AuditLog>,
    operator: Arc<Operator>,
    mode: Mode,
    containers: Containers,
    alerts: super::alert::Saver,
    alertmanagers: super::alert::Alertmanagers,
    databases: Databases,
    big_keys: Arc<std::sync::Mutex<Option<tokio_util::sync::CancellationToken>>>,
    probes: ProbeTriggers,
    notifier: Notifier,
    runbook: super::runbook::Store,
    /// The Prometheus sources a host's history is fetched from, by name.
    prometheus: Arc<HashMap<String, PrometheusConfig>>,
}

use crate::command::REVEAL_ENV;

impl Executor {
    pub fn new(
        sender: mpsc::Sender<Msg>,
        audit: AuditLog,
        operator: Operator,
        mode: Mode,
        docker: HashMap<String, DockerConfig>,
        alerts_file: PathBuf,
    ) -> Self {
        Self {
            sender,
            audit: Arc::new(audit),
            operator: Arc::new(operator),
            mode,
            containers: Containers::new(docker),
            alerts: super::alert::Saver::start(alerts_file),
            alertmanagers: super::alert::Alertmanagers::default(),
            databases: Databases::default(),
            big_keys: Arc::default(),
            probes: ProbeTriggers::default(),
            notifier: Notifier::default(),
            runbook: super::runbook::Store::default(),
            prometheus: Arc::default(),
        }
    }

    /// Where the runbook log is kept (`[runbook] state_dir`, else the state dir).
    pub fn with_runbook_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.runbook = super::runbook::Store::new(dir);
        self
    }

    /// The Prometheus sources a remote host's history is fetched from.
    pub fn with_prometheus(mut self, prometheus: &[PrometheusConfig]) -> Self {
        let by_name = prometheus.iter().map(|p| (p.name.clone(), p.clone()));
        self.prometheus = Arc::new(by_name.collect());
        self
    }

    /// The databases its commands may act on.
    pub fn with_databases(mut self, databases: &[DatabaseConfig]) -> Self {
        self.databases = Databases::new(databases);
        self
    }

    /// Starts sending to the `[[notify]]` targets; call it inside the runtime.
    pub fn with_notify(mut self, targets: &[NotifyConfig]) -> Self {
        let targets = targets
            .iter()
            .filter_map(NotifyTarget::from_config)
            .collect();
        self.notifier = Notifier::start(targets, NotifyOptions::default(), self.sender.clone());
        self
    }

    /// The Alertmanagers whose alerts its commands may silence.
    pub fn with_alertmanagers(mut self, alertmanagers: &[AlertmanagerConfig]) -> Self {
        self.alertmanagers = super::alert::Alertmanagers::new(alertmanagers);
        self
    }

    /// Starts the big-keys scan of `database`, cancelling any scan still running.
    fn scan_big_keys(&self, database: String) {
        let token = tokio_util::sync::CancellationToken::new();
        if let Ok(mut slot) = self.big_keys.lock()
            && let Some(previous) = slot.replace(token.clone())
        {
            previous.cancel();
        }
        let (databases, sender) = (self.databases.clone(), self.sender.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = token.cancelled() => {}
                result = databases.big_keys(&database) => {
                    let _ = sender.send(Msg::BigKeys { database, result }).await;
                }
            }
        });
    }

    fn stop_big_keys(&self) {
        if let Ok(mut slot) = self.big_keys.lock()
            && let Some(token) = slot.take()
        {
            token.cancel();
        }
    }

    /// Where "poll now" reaches the endpoint prober.
    pub fn with_probe_triggers(mut self, probes: ProbeTriggers) -> Self {
        self.probes = probes;
        self
    }

    /// Waits, at most `limit`, until the alerts asked to be saved are written.
    pub async fn finish_saves(&self, limit: std::time::Duration) {
        if tokio::time::timeout(limit, self.alerts.flush())
            .await
            .is_err()
        {
            tracing::error!(?limit, "the alerts were not all saved before exit");
        }
    }

    /// Starts the effect and returns at once. Following and stopping a log only start or cancel
    /// tasks, so they run here, in the order `update` emitted them; everything else runs in a task.
    pub fn spawn(&self, effect: Effect) {
        match effect {
            Effect::FollowLogs { key, tail } => {
                self.containers.follow_logs(&self.sender, key, tail);
            }
            Effect::StopLogs => self.containers.stop_following(),
            Effect::Save(Kept::Alerts(kept)) => self.alerts.save(kept),
            Effect::ScanBigKeys { database } => self.scan_big_keys(database),
            Effect::StopBigKeys => self.stop_big_keys(),
            Effect::PollEndpoint { endpoint } => self.probes.poll_now(&endpoint),
            Effect::FetchHostHistory {
                prometheus,
                instance,
                host,
                window,
            } => {
                let config = self.prometheus.get(&prometheus).cloned();
                let sender = self.sender.clone();
                tokio::spawn(async move {
                    let result = match config {
                        Some(config) => {
                            crate::collect::prometheus::host_history(
                                &config,
                                &instance,
                                host.clone(),
                                Utc::now(),
                                window,
                            )
                            .await
                        }
                        None => Err(format!("no Prometheus named {prometheus}")),
                    };
                    let _ = sender.send(Msg::HostHistory { host, result }).await;
                });
            }
            Effect::Notify {
                target,
                notification,
            } => self.notifier.send(&target, notification),
            Effect::CopyToClipboard(text) => {
                // On the loop, between two frames: the escape never lands inside one.
                if let Err(error) = super::runbook::copy_to_clipboard(&text) {
                    tracing::error!(%error, "could not copy to the clipboard");
                }
            }
            effect => {
                let executor = self.clone();
                tokio::spawn(async move { executor.run(effect).await });
            }
        }
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
                        let done = result.as_ref().ok().cloned();
                        let recorded = self
                            .append(
                                &id,
                                command.action(),
                                command.target(),
                                outcome,
                                error,
                                done,
                            )
                            .await;
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
            Effect::RecordReveal {
                engine,
                id,
                name,
                refused,
            } => {
                let target = container_target(&engine, &id, &name);
                let outcome = match refused {
                    Some(_) => Outcome::Refused,
                    None => Outcome::Ok,
                };
                let recorded = self
                    .append(
                        &new_request_id(),
                        REVEAL_ENV.into(),
                        target,
                        outcome,
                        refused,
                        None,
                    )
                    .await;
                if let Some(error) = recorded {
                    tracing::error!(%error, "could not write the audit log");
                }
            }
            Effect::ScanLogs {
                runbook,
                step,
                scan,
            } => {
                let found = CheckRun::Logs(self.containers.tail_logs(&scan).await);
                self.report_check(runbook, step, found).await;
            }
            Effect::RunCheckCommand { runbook, step, run } => {
                let target = check_target(&runbook, &step, &run.argv);
                let (summary, result) = self.run_check(runbook, step, run).await;
                let (outcome, error, done) = match result {
                    Ok(()) => (Outcome::Ok, None, Some(summary)),
                    Err(()) => (Outcome::Failed, Some(summary), None),
                };
                let id = new_request_id();
                let action = "runbook check (auto)".to_string();
                if let Some(error) = self.append(&id, action, target, outcome, error, done).await {
                    tracing::error!(%error, "could not write the audit log");
                }
            }
            Effect::LoadRunbookLog => {
                let loaded = self.runbook.load().await;
                if self.sender.send(loaded).await.is_err() {
                    tracing::debug!("app closed before the runbook log was read");
                }
            }
            Effect::FollowLogs { .. }
            | Effect::StopLogs
            | Effect::CopyToClipboard(_)
            | Effect::Save(_)
            | Effect::ScanBigKeys { .. }
            | Effect::StopBigKeys
            | Effect::PollEndpoint { .. }
            | Effect::FetchHostHistory { .. }
            | Effect::Notify { .. } => self.spawn(effect),
        }
    }

    async fn execute(&self, command: &OperatorCommand) -> Result<String, CommandError> {
        match command {
            OperatorCommand::Process(command) => super::process::execute(command),
            OperatorCommand::Container(command) => self.containers.execute(command).await,
            OperatorCommand::Alert(command) => {
                self.alertmanagers
                    .execute(command, &self.operator.user, &self.sender)
                    .await
            }
            OperatorCommand::Database(command) => self.databases.execute(command).await,
            OperatorCommand::Runbook(command) => self.execute_runbook(command).await,
        }
    }

    /// A tick or note is written to the shared log; a step's action runs, then is written
    /// there toward its incident or period. The merged log comes back before the result.
    async fn execute_runbook(&self, command: &RunbookCommand) -> Result<String, CommandError> {
        let user = &self.operator.user;
        let (entry, result) = match command {
            RunbookCommand::Check {
                runbook,
                step,
                argv,
                timeout,
            } => {
                let run = CommandRun {
                    argv: argv.clone(),
                    timeout: *timeout,
                };
                let (summary, result) = self.run_check(runbook.clone(), step.clone(), run).await;
                return result
                    .map(|()| summary.clone())
                    .map_err(|()| CommandError::Failed(summary));
            }
            RunbookCommand::Tick {
                runbook,
                step,
                toward,
                mark,
                note,
                at,
            } => {
                let kind = EntryKind::Tick {
                    runbook: runbook.clone(),
                    step: step.clone(),
                    scope: scope(toward),
                    state: step_state(*mark),
                    note: note.clone(),
                };
                let done = format!("ticked {step} {}", mark.label());
                (Entry::new(*at, user, kind), Ok(done))
            }
            RunbookCommand::Note { text, at, incident } => {
                let kind = EntryKind::Note {
                    text: text.clone(),
                    incident: incident
                        .clone()
                        .map(|(alert, since)| Incident { alert, since }),
                };
                (
                    Entry::new(*at, user, kind),
                    Ok("noted in the shift log".into()),
                )
            }
            RunbookCommand::Step {
                runbook,
                step,
                toward,
                command: acting,
            } => {
                let result = Box::pin(self.execute(acting)).await;
                let kind = EntryKind::Action {
                    runbook: runbook.clone(),
                    step: step.clone(),
                    scope: scope(toward),
                    action: acting.action(),
                    target: acting.target(),
                    outcome: match &result {
                        Ok(_) => "ok".into(),
                        Err(error) => format!("failed: {error}"),
                    },
                };
                (Entry::new(Utc::now(), user, kind), result)
            }
        };
        let written = self.runbook.append(entry).await;
        let failed = written.as_ref().err().cloned();
        if self
            .sender
            .send(super::runbook::loaded(written))
            .await
            .is_err()
        {
            tracing::debug!("app closed before the runbook log was written");
        }
        match (result, failed) {
            (Ok(_), Some(error)) => Err(CommandError::Failed(error)),
            (result, _) => result,
        }
    }

    /// Runs a check's command and sends what it found; says how it ended (`exit status 0`)
    /// and whether that is a pass.
    async fn run_check(
        &self,
        runbook: String,
        step: String,
        run: CommandRun,
    ) -> (String, Result<(), ()>) {
        let result = run_command(&run).await;
        let summary = match &result.end {
            CommandEnd::Exited(code) => format!("exit status {code}"),
            CommandEnd::Signalled(signal) => format!("killed by signal {signal}"),
            CommandEnd::TimedOut => format!(
                "killed at its timeout of {}",
                crate::duration::shown(run.timeout)
            ),
            CommandEnd::NotStarted(why) => format!("not started: {why}"),
        };
        let passed = matches!(result.end, CommandEnd::Exited(0));
        self.report_check(runbook, step, CheckRun::Command(result))
            .await;
        (summary, if passed { Ok(()) } else { Err(()) })
    }

    async fn report_check(&self, runbook: String, step: String, found: CheckRun) {
        let ran = Msg::CheckRan {
            runbook,
            step,
            found,
        };
        if self.sender.send(ran).await.is_err() {
            tracing::debug!("app closed before a check was reported");
        }
    }

    /// Appends the audit entry; returns the error text when it could not be written.
    async fn record(
        &self,
        id: &str,
        command: &OperatorCommand,
        outcome: Outcome,
        error: Option<String>,
    ) -> Option<String> {
        self.append(id, command.action(), command.target(), outcome, error, None)
            .await
    }

    async fn append(
        &self,
        id: &str,
        action: String,
        target: String,
        outcome: Outcome,
        error: Option<String>,
        result: Option<String>,
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
        )
        .with_result(result);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{ContainerCommand, ProcessCommand, ProcessSignal};
    use crate::model::containers::ContainerAction;
    use crate::model::containers::ContainerKey;
    use std::time::Duration;

    fn executor(dir: &std::path::Path, mode: Mode) -> (Executor, mpsc::Receiver<Msg>) {
        let (sender, receiver) = mpsc::channel(8);
        let audit = AuditLog::new(dir.join("audit.jsonl"));
        let operator = Operator::new(1000, Some("alice".into()), |_| None);
        let executor = Executor::new(
            sender,
            audit,
            operator,
            mode,
            HashMap::new(),
            dir.join("alerts.json"),
        );
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
        let command = OperatorCommand::Process(ProcessCommand {
            pid: sleeper.id(),
            name: "sleep".into(),
            signal: ProcessSignal::Term,
        });
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

    /// An engine that accepts connections and never answers.
    fn silent_engine() -> DockerConfig {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        std::thread::spawn(move || {
            let held: Vec<std::net::TcpStream> = listener.incoming().flatten().collect();
            drop(held);
        });
        DockerConfig {
            host: format!("tcp://{address}"),
            ..DockerConfig::default()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_engine_that_never_answers_is_given_up_on_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (mut executor, mut results) = executor(dir.path(), Mode::Interactive);
        executor.containers.engines =
            Arc::new(HashMap::from([("silent".to_string(), silent_engine())]));
        executor.containers.action_timeout = Duration::from_secs(1);
        let command = OperatorCommand::Container(ContainerCommand {
            engine: "silent".into(),
            id: "0123456789abcdef".into(),
            name: "web".into(),
            action: ContainerAction::Stop,
        });
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
    async fn log_follows_and_stops_take_effect_in_the_order_they_were_emitted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (mut executor, _results) = executor(dir.path(), Mode::Interactive);
        // A tcp engine is connected lazily: following it starts at once, whatever answers.
        executor.containers.engines =
            Arc::new(HashMap::from([("local".to_string(), silent_engine())]));
        let key = ContainerKey {
            engine: "local".into(),
            id: "0123456789abcdef".into(),
        };
        let follow = || Effect::FollowLogs {
            key: key.clone(),
            tail: 10,
        };
        // esc then l, as fast as a person types: the new follow must survive the stop before it.
        for _ in 0..100 {
            executor.spawn(follow());
            executor.spawn(Effect::StopLogs);
            executor.spawn(follow());
            assert!(executor.containers.is_following());
            executor.spawn(Effect::StopLogs);
            assert!(!executor.containers.is_following());
        }
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
                refused: None,
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
    async fn a_reveal_refused_on_a_wall_display_is_one_refused_entry_with_the_reason() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, _results) = executor(dir.path(), Mode::Watch);
        executor
            .run(Effect::RecordReveal {
                engine: "local".into(),
                id: "0123456789abcdef".into(),
                name: "web".into(),
                refused: Some("never in watch mode".into()),
            })
            .await;
        let lines = audit_lines(dir.path());
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["action"], "reveal env");
        assert_eq!(lines[0]["outcome"], "refused");
        assert_eq!(lines[0]["mode"], "watch");
        assert_eq!(lines[0]["error"], "never in watch mode");
    }

    #[tokio::test]
    async fn a_command_refused_by_the_mode_is_one_entry() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, mut results) = executor(dir.path(), Mode::Watch);
        let command = OperatorCommand::Process(ProcessCommand {
            pid: 4242,
            name: "x".into(),
            signal: ProcessSignal::Kill,
        });
        executor.run(Effect::Execute(command)).await;
        let Some(Msg::CommandFinished(finished)) = results.recv().await else {
            panic!("no result")
        };
        assert!(finished.result.is_err());
        let lines = audit_lines(dir.path());
        let outcomes: Vec<&serde_json::Value> = lines.iter().map(|l| &l["outcome"]).collect();
        assert_eq!(outcomes, ["refused"]);
    }

    #[tokio::test]
    async fn an_auto_check_command_runs_in_watch_mode_and_is_audited_with_its_exit_status() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, mut results) = executor(dir.path(), Mode::Watch);
        let run = crate::runbook::check::CommandRun {
            argv: vec!["sh".into(), "-c".into(), "echo down; exit 3".into()],
            timeout: Duration::from_secs(5),
        };
        executor
            .run(Effect::RunCheckCommand {
                runbook: "ops".into(),
                step: "nginx".into(),
                run,
            })
            .await;
        let Some(Msg::CheckRan { found, .. }) = results.recv().await else {
            panic!("no result")
        };
        let CheckRun::Command(result) = found else {
            panic!("{found:?}")
        };
        assert_eq!(result.end, CommandEnd::Exited(3));
        let lines = audit_lines(dir.path());
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["action"], "runbook check (auto)");
        assert_eq!(lines[0]["outcome"], "failed");
        assert_eq!(lines[0]["error"], "exit status 3");
        assert_eq!(lines[0]["mode"], "watch");
        assert_eq!(
            lines[0]["target"],
            "`sh -c echo down; exit 3` (runbook ops step nginx)"
        );
    }

    #[tokio::test]
    async fn a_tick_is_written_to_the_runbook_log_and_the_merged_log_comes_back_first() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (executor, mut results) = executor(dir.path(), Mode::Interactive);
        let executor = executor.with_runbook_dir(dir.path().join("shared"));
        let tick = OperatorCommand::Runbook(RunbookCommand::Tick {
            runbook: "daily".into(),
            step: "disk-space".into(),
            toward: crate::command::Toward::Period("2026-12-07".into()),
            mark: crate::command::Mark::Done,
            note: "91% after cleanup".into(),
            at: Utc::now(),
        });
        executor.run(Effect::Execute(tick)).await;
        let Some(Msg::RunbookLog { log: Ok(log), .. }) = results.recv().await else {
            panic!("the log first")
        };
        let [entry] = log.entries() else {
            panic!("{log:?}")
        };
        assert_eq!(entry.operator, "alice", "the audit log's identity");
        let Some(Msg::CommandFinished(finished)) = results.recv().await else {
            panic!("then the result")
        };
        assert_eq!(finished.result, Ok("ticked disk-space done".into()));
        let written =
            std::fs::read_to_string(dir.path().join("shared/runbook.json")).unwrap_or_default();
        assert!(written.contains("91% after cleanup"), "{written}");
        let outcomes: Vec<String> = audit_lines(dir.path())
            .iter()
            .map(|l| format!("{} {}", l["action"], l["outcome"]))
            .collect();
        assert_eq!(
            outcomes,
            [
                "\"runbook tick done\" \"requested\"",
                "\"runbook tick done\" \"ok\""
            ]
        );
    }
}
