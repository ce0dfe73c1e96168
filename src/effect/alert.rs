//! Running alert commands. An acknowledgement or a silence is the console's own state, which
//! `update` changes when the command comes back done; what runs here is its audit (and later, an
//! Alertmanager's silence).

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::command::{AlertAction, AlertCommand};
use crate::persist::alerts;
use crate::tabs::alerts::state::KeptAlerts;

pub(super) fn execute(command: &AlertCommand) -> String {
    let done = match &command.action {
        AlertAction::Acknowledge => "acknowledged",
        AlertAction::Unacknowledge => "acknowledgement taken back:",
        AlertAction::Silence(_) | AlertAction::SilenceRule(_) => "silenced",
        AlertAction::ExpireSilence => "silence ended:",
    };
    format!("{done} {}", command.key.rule)
}

/// Saves what of the alerts survives a restart, one write at a time and in order: a save that
/// waits behind a newer one is skipped, so the file always ends with the newest.
#[derive(Clone)]
pub(super) struct Saver {
    queue: mpsc::UnboundedSender<KeptAlerts>,
}

impl Saver {
    /// Starts the writing task; call it inside the runtime.
    pub(super) fn start(path: PathBuf) -> Self {
        let (queue, mut waiting) = mpsc::unbounded_channel::<KeptAlerts>();
        tokio::spawn(async move {
            while let Some(mut kept) = waiting.recv().await {
                while let Ok(newer) = waiting.try_recv() {
                    kept = newer;
                }
                let path = path.clone();
                match tokio::task::spawn_blocking(move || alerts::save(&path, &kept)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::error!(%error, "could not save the alerts"),
                    Err(error) => tracing::error!(%error, "the alerts writer failed"),
                }
            }
        });
        Self { queue }
    }

    pub(super) fn save(&self, kept: KeptAlerts) {
        if self.queue.send(kept).is_err() {
            tracing::error!("the alerts writer has stopped: not saved");
        }
    }
}
