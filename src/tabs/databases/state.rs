//! What the Databases tab holds: every configured database's latest poll, the selected database
//! and session, and the big-keys scan.

use crate::config::DatabaseConfig;
use crate::model::databases::{
    BigKeysReport, DatabaseDetail, DatabaseKind, DatabaseSnapshot, MysqlDetail, MysqlProcess,
    PostgresDetail, Session, Sizes,
};

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseState {
    pub name: String,
    pub kind: DatabaseKind,
    /// The address with any password masked.
    pub address: String,
    pub slow_query_seconds: f64,
    /// Sessions idle at least this long are what terminate-idle offers to end.
    pub idle_minutes: u32,
    pub latest: Option<DatabaseSnapshot>,
    /// The sizes of the last poll that read them.
    pub sizes: Option<Sizes>,
}

impl DatabaseState {
    pub fn postgres(&self) -> Option<&PostgresDetail> {
        match &self.latest.as_ref()?.detail {
            DatabaseDetail::Postgres(detail) => Some(detail),
            DatabaseDetail::Mysql(_) | DatabaseDetail::Redis(_) => None,
        }
    }

    pub fn mysql(&self) -> Option<&MysqlDetail> {
        match &self.latest.as_ref()?.detail {
            DatabaseDetail::Mysql(detail) => Some(detail),
            DatabaseDetail::Postgres(_) | DatabaseDetail::Redis(_) => None,
        }
    }
}

/// The big-keys scan of one Redis database: running (`None`) or its result.
#[derive(Debug, Clone, PartialEq)]
pub struct BigKeysView {
    pub database: String,
    pub result: Option<Result<BigKeysReport, String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabasesState {
    pub databases: Vec<DatabaseState>,
    pub selected: usize,
    /// The selected session, by pid, so the selection follows it as the list reorders.
    pub selected_pid: Option<i32>,
    /// The selected MySQL connection, by id.
    pub selected_process: Option<u64>,
    pub big_keys: Option<BigKeysView>,
}

impl DatabasesState {
    pub fn new(configs: &[DatabaseConfig]) -> Self {
        Self {
            databases: configs
                .iter()
                .map(|c| DatabaseState {
                    name: c.name.clone(),
                    kind: c.kind,
                    address: c.shown_address(),
                    slow_query_seconds: c.slow_query.as_secs_f64(),
                    idle_minutes: c.idle_minutes,
                    latest: None,
                    sizes: None,
                })
                .collect(),
            selected: 0,
            selected_pid: None,
            selected_process: None,
            big_keys: None,
        }
    }

    pub fn selected_database(&self) -> Option<&DatabaseState> {
        self.databases.get(self.selected)
    }

    /// The selected database's sessions, longest first.
    pub fn sessions(&self) -> Vec<&Session> {
        let Some(detail) = self.selected_database().and_then(DatabaseState::postgres) else {
            return Vec::new();
        };
        let mut sessions: Vec<&Session> = detail.sessions.iter().collect();
        sessions.sort_by(|a, b| {
            session_seconds(b)
                .total_cmp(&session_seconds(a))
                .then(a.pid.cmp(&b.pid))
        });
        sessions
    }

    /// The selected session, or the first when none is.
    pub fn selected_session(&self) -> Option<&Session> {
        let sessions = self.sessions();
        sessions
            .iter()
            .find(|s| Some(s.pid) == self.selected_pid)
            .or(sessions.first())
            .copied()
    }

    /// The selected MySQL database's client connections: running ones first, then idle ones,
    /// each longest first.
    pub fn processes(&self) -> Vec<&MysqlProcess> {
        let Some(detail) = self.selected_database().and_then(DatabaseState::mysql) else {
            return Vec::new();
        };
        let mut processes: Vec<&MysqlProcess> = detail.processes.iter().collect();
        processes.sort_by(|a, b| {
            a.is_idle()
                .cmp(&b.is_idle())
                .then(b.seconds.cmp(&a.seconds))
                .then(a.id.cmp(&b.id))
        });
        processes
    }

    /// The selected connection, or the first when none is.
    pub fn selected_process(&self) -> Option<&MysqlProcess> {
        let processes = self.processes();
        processes
            .iter()
            .find(|p| Some(p.id) == self.selected_process)
            .or(processes.first())
            .copied()
    }

    pub fn apply_move(&mut self, delta: isize) {
        if self.selected_database().map(|d| d.kind) == Some(DatabaseKind::Mysql) {
            let ids: Vec<u64> = self.processes().iter().map(|p| p.id).collect();
            self.selected_process =
                moved(&ids, self.selected_process, delta).or(self.selected_process);
        } else {
            let pids: Vec<i32> = self.sessions().iter().map(|s| s.pid).collect();
            self.selected_pid = moved(&pids, self.selected_pid, delta).or(self.selected_pid);
        }
    }

    pub fn apply_select_database(&mut self, delta: isize) {
        if self.databases.is_empty() {
            return;
        }
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.databases.len() - 1);
        self.selected_pid = None;
        self.selected_process = None;
    }

    /// The sessions of the selected database idle for its `idle_minutes` or more.
    pub fn long_idle(&self) -> Vec<&Session> {
        let Some(database) = self.selected_database() else {
            return Vec::new();
        };
        let limit = f64::from(database.idle_minutes) * 60.0;
        self.sessions()
            .into_iter()
            .filter(|s| s.state.is_idle() && s.state_seconds >= limit)
            .collect()
    }
}

/// The row `delta` rows from `current` (the first when it is gone); `None` in an empty list.
fn moved<T: Copy + PartialEq>(ids: &[T], current: Option<T>, delta: isize) -> Option<T> {
    let at = ids.iter().position(|id| Some(*id) == current).unwrap_or(0);
    let last = ids.len().checked_sub(1)?;
    ids.get(at.saturating_add_signed(delta).min(last)).copied()
}

/// How long a session has been doing what it does: its query while active, its idleness while
/// idle.
pub fn session_seconds(session: &Session) -> f64 {
    if session.state.is_idle() {
        session.state_seconds
    } else {
        session.query_seconds
    }
}
