//! The runbook log on disk, shared by every console pointed at one directory: each write takes
//! the directory's lock, reads what the others wrote, merges its own entry in and replaces the
//! file atomically, so two consoles ticking at once both keep their tick and a crash in the
//! middle of a write leaves the previous file. Also the clipboard (OSC 52).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{Local, Offset};

use crate::msg::Msg;
use crate::persist::atomic::write_atomically;
use crate::persist::private;
use crate::runbook::log::{Entry, RunbookLog};

/// The log's file name in `[runbook] state_dir` (default: the state dir).
pub const RUNBOOK_LOG_FILE: &str = "runbook.json";
const LOCK_FILE: &str = "runbook.lock";

#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The directory; none where the console keeps no runbook log (tests of other effects).
    dir: Option<PathBuf>,
}

impl Store {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir: Some(dir) }
    }

    /// Lock, read, merge `entry`, write; gives back the merged log.
    pub async fn append(&self, entry: Entry) -> Result<RunbookLog, String> {
        let dir = self.dir()?;
        blocking(move || {
            let _lock = lock(&dir)?;
            let mut log = read(&dir)?;
            log.extend([entry]);
            let text = serde_json::to_vec_pretty(&log).map_err(|e| e.to_string())?;
            write_atomically(&dir.join(RUNBOOK_LOG_FILE), &text)
                .map_err(|e| format!("cannot write {}: {e}", shown(&dir)))?;
            Ok(log)
        })
        .await
    }

    /// What the log holds now, as a message for the state.
    pub async fn load(&self) -> Msg {
        let log = match self.dir() {
            Ok(dir) => blocking(move || read(&dir)).await,
            Err(error) => Err(error),
        };
        loaded(log)
    }

    fn dir(&self) -> Result<PathBuf, String> {
        self.dir
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

fn shown(dir: &Path) -> String {
    dir.join(RUNBOOK_LOG_FILE).display().to_string()
}

/// The directory's exclusive lock, held until dropped; the other consoles wait for it.
fn lock(dir: &Path) -> Result<std::fs::File, String> {
    private::create_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .mode(0o600)
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.lock()
        .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    Ok(file)
}

/// The log; empty when there is none yet.
fn read(dir: &Path) -> Result<RunbookLog, String> {
    match std::fs::read(dir.join(RUNBOOK_LOG_FILE)) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| format!("cannot read {}: {e}", shown(dir)))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(RunbookLog::default()),
        Err(error) => Err(format!("cannot read {}: {error}", shown(dir))),
    }
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

    #[tokio::test]
    async fn an_unreadable_log_is_an_error_and_is_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(RUNBOOK_LOG_FILE), "{ half")
            .unwrap_or_else(|e| panic!("{e}"));
        let store = Store::new(dir.path().to_path_buf());
        assert!(store.append(tick("disk", "alice")).await.is_err());
        let written = std::fs::read_to_string(dir.path().join(RUNBOOK_LOG_FILE));
        assert_eq!(written.ok().as_deref(), Some("{ half"));
    }
}
