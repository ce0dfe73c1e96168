//! The audit log: one JSON object per line, appended and synced before the operator sees the
//! result, so what was done from this console is known after the fact. A command is written
//! twice: `requested` before it runs and its outcome after, with the same `id`, so a crash in
//! between still leaves the request on record.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// Who is at the keyboard. `user` and `uid` are the real user of the process, which the system
/// vouches for; the rest is what the environment says, which anyone can set, so it is kept apart
/// and labelled as claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// The name of the process's real uid, or the uid itself when it has no name.
    pub user: String,
    pub uid: u32,
    /// `$USER`.
    pub claimed_user: Option<String>,
    /// `$SUDO_USER`: who ran `sudo`, as sudo says.
    pub sudo_user: Option<String>,
    /// The client address of `$SSH_CONNECTION`, else of `$SSH_CLIENT`.
    pub claimed_client: Option<String>,
}

impl Operator {
    /// The operator of this process: its real uid, and its environment's claims.
    pub fn of_this_process() -> Self {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|user| user.name);
        Self::new(uid.as_raw(), name, |name| std::env::var(name).ok())
    }

    /// `env` looks up an environment variable.
    pub fn new(uid: u32, name: Option<String>, env: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let client = |name: &str| {
            var(name).and_then(|value| value.split_whitespace().next().map(str::to_string))
        };
        Self {
            user: name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| uid.to_string()),
            uid,
            claimed_user: var("USER"),
            sudo_user: var("SUDO_USER"),
            claimed_client: client("SSH_CONNECTION").or_else(|| client("SSH_CLIENT")),
        }
    }
}

/// A new id linking a command's `requested` entry to its outcome: a UUIDv7, so ids sort by time
/// and two consoles appending to the same log never pick the same one.
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Written before the command runs; its outcome follows with the same id.
    Requested,
    Ok,
    Failed,
    Refused,
    /// No answer in time: the command was sent and may still have taken effect.
    #[serde(rename = "no-answer")]
    NoAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub time: String,
    #[serde(flatten)]
    pub operator: Operator,
    pub mode: &'static str,
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub error: Option<String>,
    /// What a command that succeeded did, as it said: which sessions a terminate-idle ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl AuditEntry {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        at: DateTime<Utc>,
        operator: &Operator,
        mode: &'static str,
        action: String,
        target: String,
        outcome: Outcome,
        error: Option<String>,
    ) -> Self {
        Self {
            id: id.to_string(),
            time: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            operator: operator.clone(),
            mode,
            action,
            target,
            outcome,
            error,
            result: None,
        }
    }

    /// The entry with what the command did.
    pub fn with_result(self, result: Option<String>) -> Self {
        Self { result, ..self }
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

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_user_is_the_real_one_and_the_environment_only_claims() {
        let vars = [
            ("USER", "mallory"),
            ("SUDO_USER", "bob"),
            ("SSH_CONNECTION", "203.0.113.9 52144 198.51.100.1 22"),
            ("SSH_CLIENT", "192.0.2.1 52144 22"),
        ];
        assert_eq!(
            Operator::new(1000, Some("alice".into()), env(&vars)),
            Operator {
                user: "alice".into(),
                uid: 1000,
                claimed_user: Some("mallory".into()),
                sudo_user: Some("bob".into()),
                claimed_client: Some("203.0.113.9".into()),
            }
        );
        let ssh_client = [("SSH_CLIENT", "192.0.2.1 52144 22"), ("USER", "")];
        assert_eq!(
            Operator::new(4242, None, env(&ssh_client)),
            Operator {
                user: "4242".into(),
                uid: 4242,
                claimed_user: None,
                sudo_user: None,
                claimed_client: Some("192.0.2.1".into()),
            },
            "a uid without a name is recorded as the number; an empty claim as none"
        );
    }

    #[test]
    fn this_process_is_its_real_uid() {
        let operator = Operator::of_this_process();
        assert_eq!(operator.uid, nix::unistd::getuid().as_raw());
        assert!(!operator.user.is_empty());
    }

    #[test]
    fn a_request_and_its_outcome_are_two_lines_with_one_id() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::new(dir.path().join("state/audit.jsonl"));
        let operator = Operator::new(1000, Some("bob".into()), |_| None);
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let id = new_request_id();
        for outcome in [Outcome::Requested, Outcome::Ok] {
            let entry = AuditEntry::new(
                &id,
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
        let refusal = AuditEntry::new(
            &new_request_id(),
            at,
            &operator,
            "read-only",
            "signal SIGTERM".into(),
            "process 7 (x)".into(),
            Outcome::Refused,
            Some("read-only".into()),
        );
        log.append(&refusal).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["time"], "1970-01-01T00:00:00.000Z");
        assert_eq!(lines[0]["user"], "bob");
        assert_eq!(lines[0]["uid"], 1000);
        assert_eq!(lines[0]["claimed_user"], serde_json::Value::Null);
        assert_eq!(
            [
                &lines[0]["outcome"],
                &lines[1]["outcome"],
                &lines[2]["outcome"]
            ],
            ["requested", "ok", "refused"]
        );
        assert_eq!(lines[0]["id"], id.as_str());
        assert_eq!(lines[1]["id"], id.as_str());
        assert_ne!(lines[2]["id"], id.as_str(), "another command, another id");
        assert_eq!(lines[2]["target"], "process 7 (x)");
    }

    #[test]
    fn request_ids_are_unique_and_sort_by_time() {
        let ids: Vec<String> = (0..1000).map(|_| new_request_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
    }
}
