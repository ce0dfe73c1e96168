//! What the Databases tab holds: every configured database's latest poll, the selected database
//! and session, and the big-keys scan.

use crate::config::DatabaseConfig;
use crate::model::databases::{
    BigKeysReport, DatabaseDetail, DatabaseKind, DatabaseSnapshot, MysqlDetail, MysqlProcess,
    PostgresDetail, Session, Sizes,
};
use crate::state::list::ListState;

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
    /// The selected database's sessions by pid, in the order of its snapshot's (see [`order`]).
    pub session_list: ListState<(), i32>,
    /// The selected MySQL database's connections by id, in its snapshot's order.
    pub process_list: ListState<(), u64>,
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
            session_list: ListState::default(),
            process_list: ListState::default(),
            big_keys: None,
        }
    }

    pub fn selected_database(&self) -> Option<&DatabaseState> {
        self.databases.get(self.selected)
    }

    /// The selected database's sessions, longest first (ordered once, as the snapshot came).
    pub fn sessions(&self) -> &[Session] {
        self.selected_database()
            .and_then(DatabaseState::postgres)
            .map_or(&[], |detail| detail.sessions.as_slice())
    }

    pub fn selected_session(&self) -> Option<&Session> {
        let pid = self.session_list.selected?;
        self.sessions().iter().find(|s| s.pid == pid)
    }

    /// The selected MySQL database's client connections: running ones first, then idle ones,
    /// each longest first.
    pub fn processes(&self) -> &[MysqlProcess] {
        self.selected_database()
            .and_then(DatabaseState::mysql)
            .map_or(&[], |detail| detail.processes.as_slice())
    }

    pub fn selected_process(&self) -> Option<&MysqlProcess> {
        let id = self.process_list.selected?;
        self.processes().iter().find(|p| p.id == id)
    }

    pub fn apply_move(&mut self, delta: isize) {
        if self.selected_database().map(|d| d.kind) == Some(DatabaseKind::Mysql) {
            self.process_list.apply_move(delta);
        } else {
            self.session_list.apply_move(delta);
        }
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        self.session_list.apply_select_edge(last);
        self.process_list.apply_select_edge(last);
    }

    pub fn apply_select_database(&mut self, delta: isize) {
        if self.databases.is_empty() {
            return;
        }
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.databases.len() - 1);
        self.session_list = ListState::default();
        self.process_list = ListState::default();
        self.refresh_rows();
    }

    /// The selected database's sessions and connections as the lists' rows, after a new
    /// snapshot or another database.
    pub fn refresh_rows(&mut self) {
        let sessions = self.sessions().iter().map(|s| s.pid).collect();
        self.session_list.set_rows(sessions);
        let processes = self.processes().iter().map(|p| p.id).collect();
        self.process_list.set_rows(processes);
    }

    /// The sessions of the selected database idle for its `idle_minutes` or more.
    pub fn long_idle(&self) -> Vec<&Session> {
        let Some(database) = self.selected_database() else {
            return Vec::new();
        };
        let limit = f64::from(database.idle_minutes) * 60.0;
        self.sessions()
            .iter()
            .filter(|s| s.state.is_idle() && s.state_seconds >= limit)
            .collect()
    }
}

/// Puts a snapshot's sessions and connections in the order the tab lists them, once as it
/// arrives rather than on every frame.
pub fn order(snapshot: &mut DatabaseSnapshot) {
    match &mut snapshot.detail {
        DatabaseDetail::Postgres(pg) => pg.sessions.sort_by(|a, b| {
            session_seconds(b)
                .total_cmp(&session_seconds(a))
                .then(a.pid.cmp(&b.pid))
        }),
        DatabaseDetail::Mysql(mysql) => mysql.processes.sort_by(|a, b| {
            a.is_idle()
                .cmp(&b.is_idle())
                .then(b.seconds.cmp(&a.seconds))
                .then(a.id.cmp(&b.id))
        }),
        DatabaseDetail::Redis(_) => {}
    }
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
