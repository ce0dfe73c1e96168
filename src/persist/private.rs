//! Directories and files only their owner can read: the state dir holds the audit log and the
//! log, which name operators, containers and hosts. Modes are set explicitly, whatever the umask.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents as 0700; an existing directory is left as it is (the
/// config dir is the user's to share if they want to).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Creates `dir` as 0700, and restricts it to 0700 if it exists with other modes: watchdeck owns
/// its state dir, and one readable by others (as older versions created it) exposes the audit log.
pub fn own_dir(dir: &Path) -> std::io::Result<()> {
    create_dir(dir)?;
    restrict(&File::open(dir)?, DIR_MODE)
}

/// Opens `path` for appending, creating it 0600, and restricts an existing file to 0600.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)?;
    restrict(&file, FILE_MODE)?;
    Ok(file)
}

/// Sets exactly `mode`: the umask may have removed bits from a new file, an old one may have more.
fn restrict(file: &File, mode: u32) -> std::io::Result<()> {
    let current = file.metadata()?.permissions().mode() & 0o777;
    if current == mode {
        return Ok(());
    }
    file.set_permissions(Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn an_owned_dir_and_its_files_are_restricted_even_when_they_existed_open() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = root.path().join("state/watchdeck");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        let log = dir.join("audit.jsonl");
        std::fs::write(&log, "{}\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&log, Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));

        own_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        open_append(&log).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&log), 0o600);
        assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "{}\n");
    }

    #[test]
    fn an_existing_shared_dir_is_left_alone_by_create_dir() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let shared = root.path().join("config");
        std::fs::create_dir(&shared).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&shared, Permissions::from_mode(0o750))
            .unwrap_or_else(|e| panic!("{e}"));
        create_dir(&shared.join("watchdeck")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&shared), 0o750);
    }
}
