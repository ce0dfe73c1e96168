//! Atomic file writes: a temporary file in the same directory, synced, then renamed over the
//! target, so a crash leaves either the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `contents` atomically, creating the parent directory (0700). The file is
/// 0600: the temporary file is created so, and the rename keeps it.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let file = stage(path, contents)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_atomically`] but fails with `AlreadyExists` instead of replacing a file.
pub fn create_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let file = stage(path, contents)?;
    file.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

fn stage(path: &Path, contents: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    super::private::create_dir(dir)?;
    let mut file = tempfile::Builder::new()
        .prefix(".watchdeck-")
        .tempfile_in(dir)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_refuses_to_clobber_when_asked() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("nested/state.json");
        write_atomically(&path, b"one").unwrap_or_else(|e| panic!("{e}"));
        write_atomically(&path, b"two").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"two");
        let refused = create_atomically(&path, b"three").err().map(|e| e.kind());
        assert_eq!(refused, Some(std::io::ErrorKind::AlreadyExists));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"two");
        let leftovers = std::fs::read_dir(path.parent().unwrap_or(dir.path()))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary files are left behind");
    }
}
