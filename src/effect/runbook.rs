//! The runbook log's reads and writes off the draw loop (the store itself, with its lock, is
//! `runbook::store`), and the clipboard (OSC 52).

use std::io::Write;
use std::path::PathBuf;

use base64::Engine;
use chrono::{Local, Offset, Utc};

use crate::msg::Msg;
use crate::runbook::log::{Entry, RunbookLog};
use crate::runbook::store::Store as LogStore;

#[derive(Debug, Clone, Default)]
pub struct Store {
    /// None where the console keeps no runbook log (tests of other effects).
    store: Option<LogStore>,
}

impl Store {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            store: Some(LogStore::in_dir(&dir)),
        }
    }

    /// Lock, read, merge `entry`, write; gives back the merged log. A file that could not be
    /// read is moved aside and said.
    pub async fn append(&self, entry: Entry) -> Result<RunbookLog, String> {
        let store = self.store()?;
        blocking(move || {
            let recorded = store.record(&[entry], Utc::now())?;
            if let Some(set_aside) = recorded.set_aside {
                tracing::error!(message = %set_aside.message(), "runbook log");
            }
            Ok(recorded.log)
        })
        .await
    }

    /// What the log holds now, as a message for the state.
    pub async fn load(&self) -> Msg {
        let log = match self.store() {
            Ok(store) => blocking(move || store.read()).await,
            Err(error) => Err(error),
        };
        loaded(log)
    }

    fn store(&self) -> Result<LogStore, String> {
        self.store
            .clone()
            .ok_or_else(|| "no runbook log is kept".to_string())
    }
}

/// The message carrying `log`, with the local offset of now.
pub fn loaded(log: Result<RunbookLog, String>) -> Msg {
    Msg::RunbookLog {
        log,
        offset: Local::now().offset().fix(),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())?
}

/// Puts `text` on the clipboard of the terminal the console runs in (and of the machine the
/// operator sits at, through ssh), with OSC 52.
pub fn copy_to_clipboard(text: &str) -> std::io::Result<()> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::log::{EntryKind, Scope, StepState};
    use chrono::{TimeZone, Utc};

    fn tick(step: &str, operator: &str) -> Entry {
        let at = Utc
            .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let kind = EntryKind::Tick {
            runbook: "daily".into(),
            step: step.into(),
            scope: Scope::Period("2026-12-07".into()),
            state: StepState::Done,
            note: String::new(),
        };
        Entry::new(at, operator, kind)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn consoles_writing_at_once_each_keep_their_entry() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let writers: Vec<_> = (0..16)
            .map(|i| {
                let store = Store::new(dir.path().to_path_buf());
                tokio::spawn(async move { store.append(tick(&format!("step-{i}"), "x")).await })
            })
            .collect();
        for writer in writers {
            writer
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let Msg::RunbookLog { log: Ok(log), .. } =
            Store::new(dir.path().to_path_buf()).load().await
        else {
            panic!("not read")
        };
        assert_eq!(log.entries().len(), 16, "{log:?}");
    }
}
