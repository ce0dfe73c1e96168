//! PostgreSQL: three prepared statements a poll (the server, its sessions, its replicas), and
//! the weekly check's sizes at most once a minute.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::{Duration, Instant};

use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Row, Statement};

use super::tls::{PostgresTls, client_config};
use super::{Rate, shown_error as shown};
use crate::collect::CollectError;
use crate::config::DatabaseConfig;
use crate::config::database::TlsMode;
use crate::model::databases::{
    DatabaseDetail, DatabaseSnapshot, PostgresDetail, Replica, Session, SessionState, SizeRow,
    Sizes,
};

/// The application name of the console's own connections, which its actions never touch.
pub const APPLICATION_NAME: &str = "watchdeck";

/// The sizes are the expensive part of the weekly check: read them this often at most.
const SIZES_EVERY: Duration = Duration::from_secs(60);
const TOP_SIZES: i64 = 10;

const SERVER: &str = "select version(), \
    extract(epoch from now() - pg_postmaster_start_time())::float8, \
    current_setting('max_connections')::int8, pg_is_in_recovery(), \
    extract(epoch from now() - pg_last_xact_replay_timestamp())::float8, \
    sum(blks_hit)::float8, sum(blks_read)::float8, \
    sum(xact_commit + xact_rollback)::float8, sum(deadlocks)::float8, pg_backend_pid() \
    from pg_stat_database";

const SESSIONS: &str = "select pid, coalesce(usename::text, ''), coalesce(datname::text, ''), \
    coalesce(application_name, ''), coalesce(host(client_addr), 'local'), coalesce(state, ''), \
    wait_event_type, wait_event, coalesce(query, ''), \
    coalesce(extract(epoch from now() - query_start), 0)::float8, \
    coalesce(extract(epoch from now() - state_change), 0)::float8, \
    case when wait_event_type = 'Lock' then array_to_string(pg_blocking_pids(pid), ',') else '' end, \
    coalesce((extract(epoch from query_start) * 1000000)::int8, 0) \
    from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()";

const REPLICAS: &str = "select coalesce(application_name, ''), coalesce(host(client_addr), 'local'), \
    coalesce(state, ''), coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8, \
    extract(epoch from replay_lag)::float8 from pg_stat_replication";

const DATABASE_SIZES: &str = "select datname::text, pg_database_size(oid)::float8 from pg_database \
    where datallowconn order by 2 desc limit $1";

const TABLE_SIZES: &str = "select schemaname || '.' || relname, pg_total_relation_size(relid)::float8 \
    from pg_statio_user_tables order by 2 desc limit $1";

struct Connected {
    client: Client,
    server: Statement,
    sessions: Statement,
    replicas: Statement,
}

pub struct PostgresSource {
    config: DatabaseConfig,
    connected: Option<Connected>,
    transactions: Rate,
    deadlocks: Rate,
    slow: Rate,
    /// Queries seen running past the slow limit, by pid and start, so each counts once.
    slow_seen: HashSet<(i32, i64)>,
    slow_total: f64,
    sizes_at: Option<Instant>,
}

impl PostgresSource {
    pub fn new(config: DatabaseConfig) -> Self {
        Self {
            config,
            connected: None,
            transactions: Rate::default(),
            deadlocks: Rate::default(),
            slow: Rate::default(),
            slow_seen: HashSet::new(),
            slow_total: 0.0,
            sizes_at: None,
        }
    }

    pub async fn poll(&mut self) -> Result<DatabaseSnapshot, CollectError> {
        if self.connected.as_ref().is_none_or(|c| c.client.is_closed()) {
            self.connected = None;
            self.connected = Some(connect(&self.config).await?);
        }
        let result = self.read().await;
        if result.is_err() {
            self.connected = None;
        }
        result
    }

    async fn read(&mut self) -> Result<DatabaseSnapshot, CollectError> {
        let Some(connected) = &self.connected else {
            return Err(CollectError::new("not connected"));
        };
        let client = &connected.client;
        let server = client
            .query_one(&connected.server, &[])
            .await
            .map_err(|e| pg_error("query", e))?;
        let rows = client
            .query(&connected.sessions, &[])
            .await
            .map_err(|e| pg_error("query", e))?;
        let is_standby: bool = server.get(3);
        let replicas = if is_standby {
            Vec::new()
        } else {
            client
                .query(&connected.replicas, &[])
                .await
                .map_err(|e| pg_error("query", e))?
        };
        let sizes = if self.sizes_at.is_none_or(|at| at.elapsed() >= SIZES_EVERY) {
            self.sizes_at = Some(Instant::now());
            // A locked table makes the sizes fail (lock_timeout): the poll goes on without them.
            let read = async {
                let databases = client.query(DATABASE_SIZES, &[&TOP_SIZES]).await?;
                let tables = client.query(TABLE_SIZES, &[&TOP_SIZES]).await?;
                Ok::<_, tokio_postgres::Error>(Sizes {
                    databases: databases.iter().map(size_row).collect(),
                    tables: tables.iter().map(size_row).collect(),
                })
            };
            match read.await {
                Ok(sizes) => Some(sizes),
                Err(error) => {
                    tracing::debug!(%error, "table sizes skipped this minute");
                    None
                }
            }
        } else {
            None
        };
        let now = Instant::now();
        let sessions: Vec<Session> = rows.iter().map(session).collect();
        self.count_slow(&rows);
        let hits: Option<f64> = server.get(5);
        let reads: Option<f64> = server.get(6);
        let cache_hit_percent = match (hits, reads) {
            (Some(hits), Some(reads)) if hits + reads > 0.0 => Some(hits * 100.0 / (hits + reads)),
            _ => None,
        };
        let version: String = server.get(0);
        let detail = PostgresDetail {
            own_pid: server.get(9),
            cache_hit_percent,
            transactions_per_minute: self
                .transactions
                .per_minute(now, server.get::<_, Option<f64>>(7).unwrap_or_default()),
            deadlocks_per_minute: self
                .deadlocks
                .per_minute(now, server.get::<_, Option<f64>>(8).unwrap_or_default()),
            slow_queries_per_minute: self.slow.per_minute(now, self.slow_total),
            is_standby,
            replicas: replicas
                .iter()
                .map(|r| Replica {
                    name: r.get(0),
                    client: r.get(1),
                    state: r.get(2),
                    lag_bytes: r.get(3),
                    lag_seconds: r.get(4),
                })
                .collect(),
            replay_delay_seconds: server.get(4),
            sizes,
            sessions,
        };
        Ok(DatabaseSnapshot {
            version: short_version(&version),
            uptime_seconds: server.get::<_, f64>(1).max(0.0) as u64,
            connections: detail.sessions.len() as u64 + 1,
            max_connections: server.get::<_, i64>(2).max(0) as u64,
            detail: DatabaseDetail::Postgres(detail),
        })
    }

    fn count_slow(&mut self, rows: &[Row]) {
        let limit = self.config.slow_query.as_secs_f64();
        let slow: HashSet<(i32, i64)> = rows
            .iter()
            .filter(|r| matches!(r.get::<_, &str>(5), "active") && r.get::<_, f64>(9) > limit)
            .map(|r| (r.get(0), r.get(12)))
            .collect();
        self.slow_total += slow.difference(&self.slow_seen).count() as f64;
        self.slow_seen = slow;
    }
}

/// Opens the monitoring connection, named so the console's actions can leave it alone.
pub async fn connect_client(config: &DatabaseConfig) -> Result<Client, CollectError> {
    let connection = config.connection().map_err(CollectError::new)?;
    let mut pg = tokio_postgres::Config::from_str(&connection.url)
        .map_err(|e| pg_error(&connection.shown, e))?;
    if let Some(password) = &connection.password {
        pg.password(password);
    }
    pg.application_name(APPLICATION_NAME);
    // A table held under an exclusive lock must not hang the poll (the sizes need a share lock).
    pg.options(format!(
        "-c lock_timeout=500 -c statement_timeout={}",
        config.timeout().as_millis()
    ));
    pg.connect_timeout(config.timeout());
    let mode = match (config.tls, pg.get_ssl_mode()) {
        (Some(mode), _) => mode,
        (None, SslMode::Disable) => TlsMode::Disable,
        (None, SslMode::Require) => TlsMode::Require,
        (None, _) => TlsMode::Prefer,
    };
    pg.ssl_mode(match mode {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyFull => SslMode::Require,
    });
    let tls = PostgresTls(client_config(config, mode).map_err(|e| shown(&connection.shown, e))?);
    let (client, driver) = tokio::time::timeout(config.timeout(), pg.connect(tls))
        .await
        .map_err(|_| {
            CollectError::new(format!(
                "{}: no answer within {}",
                connection.shown,
                humantime::format_duration(config.timeout())
            ))
        })?
        .map_err(|e| pg_error(&connection.shown, e))?;
    tokio::spawn(async move {
        if let Err(error) = driver.await {
            tracing::debug!(error = %crate::redact::redact_secrets(&error.to_string()), "postgres connection ended");
        }
    });
    Ok(client)
}

async fn connect(config: &DatabaseConfig) -> Result<Connected, CollectError> {
    let client = connect_client(config).await?;
    let prepare = |sql| client.prepare(sql);
    let server = prepare(SERVER).await.map_err(|e| pg_error("prepare", e))?;
    let sessions = prepare(SESSIONS)
        .await
        .map_err(|e| pg_error("prepare", e))?;
    let replicas = prepare(REPLICAS)
        .await
        .map_err(|e| pg_error("prepare", e))?;
    Ok(Connected {
        client,
        server,
        sessions,
        replicas,
    })
}

fn session(row: &Row) -> Session {
    let state: &str = row.get(5);
    let wait_type: Option<String> = row.get(6);
    let wait_event: Option<String> = row.get(7);
    let blocked_by: String = row.get(11);
    let state = match state {
        "active" if wait_type.as_deref() == Some("Lock") => SessionState::Waiting,
        "active" => SessionState::Active,
        "idle" => SessionState::Idle,
        "idle in transaction" | "idle in transaction (aborted)" => SessionState::IdleInTransaction,
        _ => SessionState::Other,
    };
    Session {
        pid: row.get(0),
        user: row.get(1),
        database: row.get(2),
        application: row.get(3),
        client: row.get(4),
        state,
        wait_event: match (wait_type, wait_event) {
            (Some(kind), Some(event)) => Some(format!("{kind}:{event}")),
            _ => None,
        },
        query: row.get(8),
        query_seconds: row.get(9),
        state_seconds: row.get(10),
        blocked_by: blocked_by
            .split(',')
            .filter_map(|pid| pid.parse().ok())
            .collect(),
    }
}

fn size_row(row: &Row) -> SizeRow {
    SizeRow {
        name: row.get(0),
        bytes: row.get(1),
    }
}

/// `PostgreSQL 16.2 (Debian …) on x86_64…` shown as `16.2`.
fn short_version(version: &str) -> String {
    version
        .strip_prefix("PostgreSQL ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or(version)
        .to_string()
}

/// A PostgreSQL error with the server's own message ("db error" alone says nothing), or with its
/// cause ("error connecting to server: Connection refused").
fn pg_error(context: &str, error: tokio_postgres::Error) -> CollectError {
    match (error.as_db_error(), std::error::Error::source(&error)) {
        (Some(db), _) => shown(context, db.message()),
        (None, Some(cause)) => shown(context, format!("{error}: {cause}")),
        (None, None) => shown(context, &error),
    }
}
