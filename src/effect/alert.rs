//! Running alert commands. An acknowledgement or a silence is the console's own state, which
//! `update` changes when the command comes back done; on an Alertmanager's alert it is also a
//! silence there, made (or expired) here first, so a failure leaves nothing recorded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use crate::alerts::alertmanager::label_set;
use crate::alerts::kept::{AckSilence, KeptAlerts};
use crate::collect::alertmanager::AlertmanagerClient;
use crate::command::{AlertAction, AlertCommand, CommandError};
use crate::config::AlertmanagerConfig;
use crate::duration::later;
use crate::msg::Msg;
use crate::persist::alerts;

fn done(command: &AlertCommand) -> String {
    let done = match &command.action {
        AlertAction::Acknowledge => "acknowledged",
        AlertAction::Unacknowledge => "acknowledgement taken back:",
        AlertAction::Silence(_) | AlertAction::SilenceRule(_) => "silenced",
        AlertAction::ExpireSilence => "silence ended:",
    };
    format!("{done} {}", command.key.rule)
}

/// The configured Alertmanagers, by name.
#[derive(Clone, Default)]
pub(super) struct Alertmanagers {
    configs: Arc<HashMap<String, AlertmanagerConfig>>,
}

impl Alertmanagers {
    pub(super) fn new(configs: &[AlertmanagerConfig]) -> Self {
        Self {
            configs: Arc::new(
                configs
                    .iter()
                    .map(|c| (c.name.clone(), c.clone()))
                    .collect(),
            ),
        }
    }

    /// Runs `command` as `operator`. On an Alertmanager's alert, acknowledging silences exactly
    /// that alert there for `ack_silence` (the operator its creator, the note its comment) and
    /// tells the app the silence's id before the command's result; taking it back expires that
    /// silence; silencing makes a silence of the chosen length.
    pub(super) async fn execute(
        &self,
        command: &AlertCommand,
        operator: &str,
        sender: &mpsc::Sender<Msg>,
    ) -> Result<String, CommandError> {
        let Some(name) = command.key.alertmanager() else {
            return Ok(done(command));
        };
        let failed = |why: String| CommandError::Failed(format!("Alertmanager {name}: {why}"));
        let config = self
            .configs
            .get(name)
            .ok_or_else(|| failed("not configured".into()))?;
        let client = AlertmanagerClient::new(config, config.auth()).map_err(failed)?;
        let labels = label_set(&command.key);
        let now = Utc::now();
        // Without a note the comment still says what the silence is, to whoever reads it there.
        let comment = |otherwise: &str| {
            if command.note.is_empty() {
                otherwise.to_string()
            } else {
                command.note.clone()
            }
        };
        match &command.action {
            AlertAction::Acknowledge => {
                let until = later(now, config.ack_silence);
                let id = client
                    .create_silence(
                        &labels,
                        &[],
                        now,
                        until,
                        operator,
                        &comment("acknowledged in watchdeck"),
                    )
                    .await
                    .map_err(failed)?;
                let silence = AckSilence { id, until };
                let key = command.key.clone();
                if sender
                    .send(Msg::AckSilenced { key, silence })
                    .await
                    .is_err()
                {
                    tracing::debug!("app closed before an acknowledgement finished");
                }
                Ok(format!(
                    "{}: silenced in Alertmanager {name} for {}",
                    done(command),
                    humantime::format_duration(config.ack_silence)
                ))
            }
            AlertAction::Unacknowledge => match &command.ack_silence {
                Some(id) => {
                    client.expire_silence(id).await.map_err(failed)?;
                    Ok(format!(
                        "{}, its silence in Alertmanager {name} expired",
                        done(command)
                    ))
                }
                None => Ok(format!(
                    "{} (no silence of it known in Alertmanager {name})",
                    done(command)
                )),
            },
            AlertAction::ExpireSilence => match &command.ack_silence {
                Some(id) => {
                    client.expire_silence(id).await.map_err(failed)?;
                    Ok(format!(
                        "{}, and its silence in Alertmanager {name}",
                        done(command)
                    ))
                }
                None => Ok(format!(
                    "{} here; no silence of it is known in Alertmanager {name}",
                    done(command)
                )),
            },
            AlertAction::Silence(for_) | AlertAction::SilenceRule(for_) => {
                let id = client
                    .create_silence(
                        &labels,
                        &command.matchers,
                        now,
                        later(now, *for_),
                        operator,
                        &comment("silenced in watchdeck"),
                    )
                    .await
                    .map_err(failed)?;
                let key = command.key.clone();
                if sender.send(Msg::SilenceMade { key, id }).await.is_err() {
                    tracing::debug!("app closed before a silence finished");
                }
                Ok(format!("{} in Alertmanager {name}", done(command)))
            }
        }
    }
}

/// Saves what of the alerts survives a restart, one write at a time and in order: a save that
/// waits behind a newer one is skipped, so the file always ends with the newest.
#[derive(Clone)]
pub(super) struct Saver {
    queue: mpsc::UnboundedSender<SaverJob>,
}

enum SaverJob {
    Save(KeptAlerts),
    /// Answered once every save sent before it is on disk.
    Flush(oneshot::Sender<()>),
}

impl Saver {
    /// Starts the writing task; call it inside the runtime.
    pub(super) fn start(path: PathBuf) -> Self {
        let (queue, mut waiting) = mpsc::unbounded_channel::<SaverJob>();
        tokio::spawn(async move {
            while let Some(job) = waiting.recv().await {
                let (mut newest, mut flushes) = (None, Vec::new());
                let mut next = Some(job);
                while let Some(job) = next {
                    match job {
                        SaverJob::Save(kept) => newest = Some(kept),
                        SaverJob::Flush(done) => flushes.push(done),
                    }
                    next = waiting.try_recv().ok();
                }
                if let Some(kept) = newest {
                    let path = path.clone();
                    match tokio::task::spawn_blocking(move || alerts::save(&path, &kept)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => tracing::error!(%error, "could not save the alerts"),
                        Err(error) => tracing::error!(%error, "the alerts writer failed"),
                    }
                }
                for done in flushes {
                    let _ = done.send(());
                }
            }
        });
        Self { queue }
    }

    pub(super) fn save(&self, kept: KeptAlerts) {
        if self.queue.send(SaverJob::Save(kept)).is_err() {
            tracing::error!("the alerts writer has stopped: not saved");
        }
    }

    /// Waits until every save asked for so far is written: the console waits for this before it
    /// exits, or an acknowledgement made just before quitting would be lost.
    pub(super) async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(SaverJob::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flush_returns_once_every_save_before_it_is_on_disk() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = dir.path().join("alerts.json");
        let saver = Saver::start(path.clone());
        for _ in 0..3 {
            saver.save(KeptAlerts::default());
        }
        assert!(!path.exists(), "nothing is written before the writer runs");
        saver.flush().await;
        assert!(path.exists(), "the last save is on disk");
        assert_eq!(alerts::load(&path), Ok(KeptAlerts::default()));
    }
}
