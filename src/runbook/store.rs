//! The runbook log on disk: one JSON file in `[runbook] state_dir` (default: the state dir),
//! replaced atomically under an advisory lock (lock, read, merge, write), so consoles sharing
//! the directory each keep their ticks and a kill in the middle of a write leaves the old file.

use std::fs::{File, OpenOptions, Permissions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::log::{Entry, RunbookLog};
use crate::config::{Paths, RunbookConfig};
use crate::persist::atomic::write_atomically;
use crate::persist::private;
use crate::persist::state_file::{SetAside, read_or_set_aside};

/// The log's file name in its directory.
pub const LOG_FILE: &str = "runbook.json";
const LOCK_FILE: &str = "runbook.lock";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store of `[runbook] state_dir`, else of the state dir.
    pub fn of(config: &RunbookConfig, paths: &Paths) -> Self {
        Self::in_dir(config.state_dir.as_deref().unwrap_or(&paths.state_dir))
    }

    pub fn in_dir(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }

    /// The log as it is now, without the lock: the file is only ever replaced whole. None yet
    /// is an empty log. Blocking.
    pub fn read(&self) -> Result<RunbookLog, String> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => parse(&bytes).map_err(|e| format!("{}: {e}", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(RunbookLog::default()),
            Err(error) => Err(format!("{}: {error}", path.display())),
        }
    }

    /// Adds `entries` to the log on disk and returns the whole log, the other consoles' entries
    /// included: under the lock, reads the file, merges, writes it atomically. A file that
    /// cannot be read is moved aside first (and said in the result). Blocking.
    pub fn record(&self, entries: &[Entry], now: DateTime<Utc>) -> Result<Recorded, String> {
        let shown = |e: std::io::Error| format!("{}: {e}", self.dir.display());
        private::create_dir(&self.dir).map_err(shown)?;
        let shared = is_shared(&self.dir);
        let lock = open_lock(&self.dir.join(LOCK_FILE), shared).map_err(shown)?;
        lock.lock().map_err(shown)?;
        let path = self.path();
        let (on_disk, set_aside) = match read_or_set_aside(&path, now, parse) {
            Ok(log) => (log, None),
            Err(set_aside) if set_aside.may_save() => (RunbookLog::default(), Some(set_aside)),
            Err(set_aside) => return Err(set_aside.message()),
        };
        let mut log = on_disk;
        log.extend(entries.iter().cloned());
        let json = serde_json::to_vec_pretty(&log).map_err(|e| e.to_string())?;
        write_atomically(&path, &json).map_err(|e| format!("{}: {e}", path.display()))?;
        if shared {
            std::fs::set_permissions(&path, Permissions::from_mode(SHARED_FILE_MODE))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        lock.unlock().map_err(shown)?;
        Ok(Recorded { log, set_aside })
    }
}

/// The log after a write, and the unreadable file moved aside on the way, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub log: RunbookLog,
    pub set_aside: Option<SetAside>,
}

/// Files in a directory its group may write (a team's shared `state_dir`) are the group's too.
const SHARED_FILE_MODE: u32 = 0o660;

fn is_shared(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o020 != 0)
}

fn open_lock(path: &Path, shared: bool) -> std::io::Result<File> {
    let mode = if shared {
        SHARED_FILE_MODE
    } else {
        private::FILE_MODE
    };
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(mode)
        .open(path)
}

fn parse(bytes: &[u8]) -> Result<RunbookLog, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not a watchdeck runbook log: {e}"))
}
