//! Reading a state file at start. One that cannot be read is moved aside, whole, to
//! `<name>.corrupt-<UTC time>`: the next save then writes a new file beside it instead of
//! replacing what someone may still want to read or mend.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// A state file that could not be read, and where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub path: PathBuf,
    /// Why it could not be read.
    pub error: String,
    /// Where it is now; why it could not be moved, when it could not.
    pub moved_to: Result<PathBuf, String>,
}

impl SetAside {
    /// Whether saving over the file's path is safe: only once the file is out of the way.
    pub fn may_save(&self) -> bool {
        self.moved_to.is_ok()
    }

    /// What happened, for the log, a toast and the tab's line: the file by its name (it is in
    /// the state dir, `watchdeck paths`), what was done first, then why.
    pub fn message(&self) -> String {
        let name = |path: &Path| {
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        };
        match &self.moved_to {
            Ok(to) => format!(
                "{} could not be read: moved aside to {}, started without it ({})",
                name(&self.path),
                name(to),
                self.error
            ),
            Err(why) => format!(
                "{} could not be read nor moved aside ({why}): started without it, saving nothing \
                 over it ({})",
                name(&self.path),
                self.error
            ),
        }
    }
}

/// Reads the state file at `path` with `parse`: none yet is `T::default()`, and one that cannot
/// be read or parsed is moved aside (named after `now`) and said.
pub fn read_or_set_aside<T: Default>(
    path: &Path,
    now: DateTime<Utc>,
    parse: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<T, SetAside> {
    let error = match std::fs::read(path) {
        Ok(bytes) => match parse(&bytes) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(error) => error.to_string(),
    };
    Err(SetAside {
        path: path.to_path_buf(),
        error,
        moved_to: move_aside(path, now),
    })
}

/// Renames `path` to `<name>.corrupt-<time>` (with `-2`, `-3`… should that be taken).
fn move_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, String> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".corrupt-{stamp}"));
    let first = PathBuf::from(name);
    let mut to = first.clone();
    for n in 2.. {
        if !to.exists() {
            break;
        }
        let mut next = first.clone().into_os_string();
        next.push(format!("-{n}"));
        to = PathBuf::from(next);
    }
    std::fs::rename(path, &to)
        .map(|()| to)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Vec<u32>, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    #[test]
    fn an_unreadable_file_is_moved_aside_whole_and_said() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("alerts.json");
        let now: DateTime<Utc> = "2026-12-07T08:57:00Z".parse().unwrap_or_default();
        assert_eq!(read_or_set_aside(&path, now, parse), Ok(Vec::new()));
        std::fs::write(&path, b"[1, 2").unwrap_or_else(|e| panic!("{e}"));
        let aside = read_or_set_aside(&path, now, parse).err();
        let moved = dir.path().join("alerts.json.corrupt-20261207T085700Z");
        assert_eq!(
            aside.as_ref().map(|a| a.moved_to.clone()),
            Some(Ok(moved.clone()))
        );
        assert!(aside.as_ref().is_some_and(SetAside::may_save));
        let message = aside.map(|a| a.message()).unwrap_or_default();
        assert_eq!(
            message,
            "alerts.json could not be read: moved aside to alerts.json.corrupt-20261207T085700Z, \
             started without it (EOF while parsing a list at line 1 column 5)"
        );
        assert_eq!(std::fs::read(&moved).unwrap_or_default(), b"[1, 2");
        assert!(!path.exists(), "out of the way of the next save");

        // Again in the same second: another name, the first one kept.
        std::fs::write(&path, b"nope").unwrap_or_else(|e| panic!("{e}"));
        let again = read_or_set_aside(&path, now, parse)
            .err()
            .map(|a| a.moved_to);
        let second = dir.path().join("alerts.json.corrupt-20261207T085700Z-2");
        assert_eq!(again, Some(Ok(second.clone())));
        assert_eq!(std::fs::read(&moved).unwrap_or_default(), b"[1, 2");
        assert_eq!(std::fs::read(&second).unwrap_or_default(), b"nope");

        std::fs::write(&path, b"[3]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_or_set_aside(&path, now, parse), Ok(vec![3]));
    }
}
