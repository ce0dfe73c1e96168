//! Commands on a database's sessions: cancel a query, end a session, end the long-idle ones
//! (PostgreSQL); kill a statement or a connection (MySQL, MariaDB).

/// What to do on database `database`, shown (and audited) by its masked `address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseCommand {
    pub database: String,
    pub address: String,
    pub action: DatabaseAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseAction {
    /// `pg_cancel_backend`: the query stops, the session stays.
    CancelQuery { pid: i32 },
    /// `pg_terminate_backend`: the session is closed.
    TerminateSession { pid: i32 },
    /// Every session among `pids` still idle (or idle in a transaction) for `minutes` or more.
    TerminateIdle { minutes: u32, pids: Vec<i32> },
    /// `KILL QUERY`: the statement stops, the connection stays. `monitor` is the console's own
    /// monitoring connection, which the command refuses to touch.
    KillQuery { id: u64, monitor: u64 },
    /// `KILL`: the connection is closed.
    KillConnection { id: u64, monitor: u64 },
}

impl DatabaseCommand {
    pub fn action(&self) -> String {
        match &self.action {
            DatabaseAction::CancelQuery { .. } => "database cancel query".into(),
            DatabaseAction::TerminateSession { .. } => "database terminate session".into(),
            DatabaseAction::TerminateIdle { minutes, .. } => {
                format!("database terminate sessions idle {minutes}m+")
            }
            DatabaseAction::KillQuery { .. } => "database kill query".into(),
            DatabaseAction::KillConnection { .. } => "database kill connection".into(),
        }
    }

    pub fn target(&self) -> String {
        let on = format!("{} ({})", self.database, self.address);
        match &self.action {
            DatabaseAction::CancelQuery { pid } | DatabaseAction::TerminateSession { pid } => {
                format!("session {pid} on {on}")
            }
            DatabaseAction::TerminateIdle { pids, .. } => {
                format!("{} idle sessions on {on}", pids.len())
            }
            DatabaseAction::KillQuery { id, .. } | DatabaseAction::KillConnection { id, .. } => {
                format!("connection {id} on {on}")
            }
        }
    }

    /// The same session, or the same database for terminate-idle: one at a time.
    pub fn same_target(&self, other: &DatabaseCommand) -> bool {
        use DatabaseAction::{
            CancelQuery, KillConnection, KillQuery, TerminateIdle, TerminateSession,
        };
        // A database is of one kind: a pid and a connection id never meet.
        let pid = |a: &DatabaseAction| match a {
            CancelQuery { pid } | TerminateSession { pid } => Some(i128::from(*pid)),
            KillQuery { id, .. } | KillConnection { id, .. } => Some(i128::from(*id)),
            TerminateIdle { .. } => None,
        };
        self.database == other.database && pid(&self.action) == pid(&other.action)
    }
}
