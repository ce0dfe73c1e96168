//! What a database source reports: the headline of every kind, and each kind's detail.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Postgres,
    Mysql,
    Redis,
}

impl DatabaseKind {
    pub fn label(self) -> &'static str {
        match self {
            DatabaseKind::Postgres => "postgres",
            DatabaseKind::Mysql => "mysql",
            DatabaseKind::Redis => "redis",
        }
    }
}

/// One poll of one database.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSnapshot {
    pub version: String,
    pub uptime_seconds: u64,
    /// Client connections in use, and the server's limit.
    pub connections: u64,
    pub max_connections: u64,
    pub detail: DatabaseDetail,
}

impl DatabaseSnapshot {
    pub fn connections_percent(&self) -> Option<f64> {
        (self.max_connections > 0)
            .then(|| self.connections as f64 * 100.0 / self.max_connections as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseDetail {
    Postgres(PostgresDetail),
    Mysql(MysqlDetail),
    Redis(RedisDetail),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    Active,
    Idle,
    IdleInTransaction,
    /// Active, and waiting on a lock.
    Waiting,
    Other,
}

impl SessionState {
    pub fn label(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::Idle => "idle",
            SessionState::IdleInTransaction => "idle in transaction",
            SessionState::Waiting => "waiting",
            SessionState::Other => "other",
        }
    }

    /// Idle, or idle inside a transaction: what terminate-idle removes.
    pub fn is_idle(self) -> bool {
        matches!(self, SessionState::Idle | SessionState::IdleInTransaction)
    }
}

/// A client session (`pg_stat_activity`), the console's own monitoring session left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub application: String,
    pub client: String,
    pub state: SessionState,
    pub wait_event: Option<String>,
    pub query: String,
    /// How long its current (or last) query has run.
    pub query_seconds: f64,
    /// How long it has been in its state.
    pub state_seconds: f64,
    /// The sessions holding the lock it waits for.
    pub blocked_by: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub name: String,
    pub client: String,
    pub state: String,
    pub lag_bytes: f64,
    pub lag_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SizeRow {
    pub name: String,
    pub bytes: f64,
}

/// The weekly check's sizes, read at most once a minute.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sizes {
    pub databases: Vec<SizeRow>,
    pub tables: Vec<SizeRow>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostgresDetail {
    /// The backend pid of the console's own monitoring connection, never acted on.
    pub own_pid: i32,
    pub sessions: Vec<Session>,
    pub cache_hit_percent: Option<f64>,
    /// Rates since the previous poll; `None` on the first.
    pub transactions_per_minute: Option<f64>,
    pub deadlocks_per_minute: Option<f64>,
    pub slow_queries_per_minute: Option<f64>,
    pub is_standby: bool,
    pub replicas: Vec<Replica>,
    /// On a standby: how far behind the primary its replay is.
    pub replay_delay_seconds: Option<f64>,
    /// Present when this poll read them.
    pub sizes: Option<Sizes>,
}

impl PostgresDetail {
    /// Sessions waiting on a lock.
    pub fn blocked(&self) -> impl Iterator<Item = &Session> {
        self.sessions.iter().filter(|s| !s.blocked_by.is_empty())
    }

    /// Active queries running longer than `limit_seconds`.
    pub fn long_queries(&self, limit_seconds: f64) -> usize {
        self.sessions
            .iter()
            .filter(|s| {
                matches!(s.state, SessionState::Active | SessionState::Waiting)
                    && s.query_seconds > limit_seconds
            })
            .count()
    }

    /// The worst replication lag: a replica's on a primary, the replay delay on a standby.
    pub fn replication_lag_seconds(&self) -> Option<f64> {
        if self.is_standby {
            return self.replay_delay_seconds;
        }
        self.replicas
            .iter()
            .filter_map(|r| r.lag_seconds)
            .reduce(f64::max)
    }
}

/// A MySQL or MariaDB client thread (`information_schema.PROCESSLIST`), the console's own
/// monitoring connection and the server's own threads left out.
#[derive(Debug, Clone, PartialEq)]
pub struct MysqlProcess {
    pub id: u64,
    pub user: String,
    /// `address:port` of the client, or `localhost` for a socket.
    pub host: String,
    pub database: String,
    /// `Query`, `Sleep`, `Connect`, `Binlog Dump`…
    pub command: String,
    /// Seconds in its current command (a `Sleep`ing one: idle that long).
    pub seconds: u64,
    pub state: String,
    /// The statement, cut.
    pub info: String,
}

impl MysqlProcess {
    pub fn is_idle(&self) -> bool {
        self.command == "Sleep"
    }

    /// The client's address without its port, to group connections by.
    pub fn client(&self) -> &str {
        match self.host.rsplit_once(':') {
            Some((address, port)) if port.parse::<u16>().is_ok() => address,
            _ => &self.host,
        }
    }
}

/// `SHOW REPLICA STATUS` (or `SHOW SLAVE STATUS`) of a replica.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MysqlReplica {
    /// The primary it reads from, `host:port`.
    pub source: String,
    pub io_running: String,
    pub sql_running: String,
    /// `Seconds_Behind_Master`: `None` while the replication threads are stopped.
    pub lag_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MysqlDetail {
    /// `MariaDB` or `MySQL`.
    pub flavor: String,
    /// The connection id of the console's own monitoring connection, never acted on.
    pub own_id: u64,
    pub threads_running: u64,
    pub processes: Vec<MysqlProcess>,
    /// Statements per minute from clients (`Questions`), the console's own left out.
    pub queries_per_minute: Option<f64>,
    /// `Slow_queries` per minute: statements longer than the server's `long_query_time`.
    pub slow_queries_per_minute: Option<f64>,
    pub long_query_time: f64,
    pub buffer_pool_hit_percent: Option<f64>,
    /// Present when the server is a replica.
    pub replica: Option<MysqlReplica>,
}

impl MysqlDetail {
    /// Statements running longer than `limit_seconds`.
    pub fn long_queries(&self, limit_seconds: f64) -> usize {
        self.processes
            .iter()
            .filter(|p| matches!(p.command.as_str(), "Query" | "Execute"))
            .filter(|p| p.seconds as f64 > limit_seconds)
            .count()
    }

    pub fn replication_lag_seconds(&self) -> Option<f64> {
        self.replica.as_ref()?.lag_seconds
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RedisDetail {
    pub role: String,
    pub blocked_clients: u64,
    pub rejected_connections: u64,
    pub used_memory: f64,
    /// 0 when no limit is set.
    pub maxmemory: f64,
    pub fragmentation_ratio: f64,
    pub keyspace_hit_percent: Option<f64>,
    pub evicted_per_minute: Option<f64>,
    pub expired_per_minute: Option<f64>,
    pub ops_per_second: f64,
    pub keys: u64,
    /// On a primary, each replica's offset behind; on a replica, `None`.
    pub replica_offset_lag: Vec<(String, i64)>,
}

impl RedisDetail {
    pub fn memory_percent(&self) -> Option<f64> {
        (self.maxmemory > 0.0).then(|| self.used_memory * 100.0 / self.maxmemory)
    }
}

/// What the big-keys scan found: the biggest keys by memory, and how many keys it looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigKeysReport {
    pub keys: Vec<(String, u64)>,
    pub scanned: usize,
}
