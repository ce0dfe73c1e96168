//! Where watchdeck reads its config and writes its state, from the `directories` crate
//! (XDG on Linux: `$XDG_CONFIG_HOME/watchdeck`, `$XDG_STATE_HOME/watchdeck`).

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's directories for watchdeck, or `None` when no home directory is known.
    pub fn from_platform() -> Option<Self> {
        let dirs = ProjectDirs::from("", "", "watchdeck")?;
        let state_dir = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf();
        Some(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            state_dir,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn user_theme(&self, name: &str) -> PathBuf {
        self.config_dir.join("themes").join(format!("{name}.toml"))
    }

    pub fn user_keymap(&self, name: &str) -> PathBuf {
        self.config_dir.join("keymaps").join(format!("{name}.toml"))
    }

    /// The user's runbooks: each adds one, or replaces the shipped one of its name.
    pub fn user_runbooks(&self) -> PathBuf {
        self.config_dir.join("runbooks")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("watchdeck.log")
    }

    /// Acknowledgements, silences and the alert history, kept across restarts.
    pub fn alerts_file(&self) -> PathBuf {
        self.state_dir.join("alerts.json")
    }

    pub fn audit_log(&self) -> PathBuf {
        self.state_dir.join("audit.jsonl")
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }
}
