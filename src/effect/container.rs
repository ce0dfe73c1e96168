//! Running container commands and following a container's log, on the engines by name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::collect::docker;
use crate::command::{CommandError, ContainerCommand};
use crate::config::DockerConfig;
use crate::model::containers::ContainerKey;
use crate::model::containers::LogEvent;
use crate::msg::Msg;
use crate::runbook::check::LogScan;
use crate::runbook::run::tail_logs;

/// Long enough for a stop or restart, whose grace period before SIGKILL is 10 s, on a busy engine.
const ACTION_TIMEOUT: Duration = Duration::from_secs(60);
const CLIENT_TIMEOUT_MARGIN: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub(super) struct Containers {
    /// Docker engines by name. A client is made per action or log follow, so an engine that was
    /// down at startup works as soon as it is back.
    pub(super) engines: Arc<HashMap<String, DockerConfig>>,
    /// How long a container action may wait for the engine.
    pub(super) action_timeout: Duration,
    /// Cancels the log being followed, if any.
    following: Arc<Mutex<Option<CancellationToken>>>,
}

impl Containers {
    pub(super) fn new(engines: HashMap<String, DockerConfig>) -> Self {
        Self {
            engines: Arc::new(engines),
            action_timeout: ACTION_TIMEOUT,
            following: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) async fn execute(&self, command: &ContainerCommand) -> Result<String, CommandError> {
        // The client's own timeout is longer, so the engine's silence is reported as such.
        let within = self.action_timeout;
        let docker = self
            .client(&command.engine)
            .map_err(CommandError::Failed)?
            .with_timeout(within + CLIENT_TIMEOUT_MARGIN);
        let action = docker::run_action(&docker, &command.id, command.action);
        match tokio::time::timeout(within, action).await {
            Ok(Ok(_)) => Ok(format!(
                "{} {} on {}",
                command.action.past(),
                command.name,
                command.engine
            )),
            Ok(Err(error)) => Err(CommandError::Failed(error)),
            Err(_) => Err(CommandError::NoAnswer { within }),
        }
    }

    /// The last lines of the containers `scan` names, on every engine.
    pub(super) async fn tail_logs(
        &self,
        scan: &LogScan,
    ) -> Result<Vec<(String, Vec<String>)>, String> {
        let mut found = Vec::new();
        for engine in self.engines.keys() {
            let docker = self.client(engine)?;
            found.extend(tail_logs(&docker, scan).await?);
        }
        found.sort();
        Ok(found)
    }

    fn client(&self, engine: &str) -> Result<bollard::Docker, String> {
        let engine = self
            .engines
            .get(engine)
            .ok_or_else(|| format!("unknown engine {engine}"))?;
        docker::connect(&engine.host, engine.tls().as_ref()).map_err(|e| e.message)
    }

    /// Stops the log being followed. Called in the order effects are emitted, on the app's task.
    pub(super) fn stop_following(&self) {
        let previous = self.following.lock().ok().and_then(|mut slot| slot.take());
        if let Some(token) = previous {
            token.cancel();
        }
    }

    /// Follows one container's log; its events come back tagged with the container they belong
    /// to. Starts tasks and returns at once, on the app's task, so a stop and a follow emitted one
    /// after the other take effect in that order.
    pub(super) fn follow_logs(&self, sender: &mpsc::Sender<Msg>, key: ContainerKey, tail: usize) {
        self.stop_following();
        let docker = match self.client(&key.engine) {
            Ok(docker) => docker,
            Err(error) => {
                // Said in the log view itself, where the operator is looking.
                let event = LogEvent::Ended(format!("cannot follow logs: {error}"));
                let sender = sender.clone();
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
        let sender = sender.clone();
        tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                let key = key.clone();
                if sender.send(Msg::LogEvent { key, event }).await.is_err() {
                    break;
                }
            }
        });
    }

    /// Whether a log is being followed, for the ordering test.
    #[cfg(test)]
    pub(super) fn is_following(&self) -> bool {
        self.following
            .lock()
            .map(|slot| slot.as_ref().is_some_and(|token| !token.is_cancelled()))
            .unwrap_or(false)
    }
}
