//! The audit log: one JSON object per line, appended and synced before the operator sees the
//! result, so what was done from this console is known after the fact.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// Who is at the keyboard: `$USER`, and the client address of `$SSH_CONNECTION` when remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub user: String,
    pub client: Option<String>,
}

impl Operator {
    pub fn from_env(user: Option<String>, ssh_connection: Option<String>) -> Self {
        Self {
            user: user
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            client: ssh_connection.and_then(|c| c.split_whitespace().next().map(str::to_string)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub time: String,
    pub operator: String,
    pub client: Option<String>,
    pub mode: &'static str,
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub error: Option<String>,
}

impl AuditEntry {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        at: DateTime<Utc>,
        operator: &Operator,
        mode: &'static str,
        action: String,
        target: String,
        outcome: Outcome,
        error: Option<String>,
    ) -> Self {
        Self {
            time: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            operator: operator.user.clone(),
            client: operator.client.clone(),
            mode,
            action,
            target,
            outcome,
            error,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and syncs it to disk. Blocking: call it from a blocking task.
    pub fn append(&self, entry: &AuditEntry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            super::private::create_dir(dir)?;
        }
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = super::private::open_append(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_comes_from_user_and_ssh_connection() {
        let remote = Operator::from_env(
            Some("alice".into()),
            Some("203.0.113.9 52144 198.51.100.1 22".into()),
        );
        assert_eq!(
            remote,
            Operator {
                user: "alice".into(),
                client: Some("203.0.113.9".into())
            }
        );
        assert_eq!(
            Operator::from_env(None, None),
            Operator {
                user: "unknown".into(),
                client: None
            }
        );
    }

    #[test]
    fn entries_are_appended_as_json_lines() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::new(dir.path().join("state/audit.jsonl"));
        let operator = Operator::from_env(Some("bob".into()), None);
        let at = DateTime::<Utc>::UNIX_EPOCH;
        for outcome in [Outcome::Ok, Outcome::Refused] {
            let entry = AuditEntry::new(
                at,
                &operator,
                "interactive",
                "signal SIGTERM".into(),
                "process 7 (x)".into(),
                outcome,
                None,
            );
            log.append(&entry).unwrap_or_else(|e| panic!("{e}"));
        }
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["time"], "1970-01-01T00:00:00.000Z");
        assert_eq!(lines[0]["operator"], "bob");
        assert_eq!(lines[1]["outcome"], "refused");
        assert_eq!(lines[1]["target"], "process 7 (x)");
    }
}
