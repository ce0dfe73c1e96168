//! MySQL and MariaDB: four text queries a poll (the server, its status counters, its client
//! threads, its replication), on one connection kept across polls.

use std::time::Instant;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Row, SslOpts, Value};

use super::{Rate, shown_error as shown};
use crate::collect::CollectError;
use crate::config::DatabaseConfig;
use crate::config::database::TlsMode;
use crate::model::databases::{
    DatabaseDetail, DatabaseSnapshot, MysqlDetail, MysqlProcess, MysqlReplica,
};

const SERVER: &str = "SELECT VERSION(), @@max_connections, CONNECTION_ID(), @@long_query_time";

const STATUS: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', \
    'Threads_connected', 'Threads_running', 'Questions', 'Slow_queries', \
    'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')";

/// Client threads only: not this connection, not the server's own (event scheduler, replication
/// threads). A statement is cut to 500 characters: the view cuts it again to the width.
const PROCESSLIST: &str = "SELECT ID, USER, COALESCE(HOST, ''), COALESCE(DB, ''), COMMAND, \
    TIME, COALESCE(STATE, ''), LEFT(COALESCE(INFO, ''), 500) \
    FROM information_schema.PROCESSLIST \
    WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon' AND USER <> 'system user'";

/// The statements above, sent each poll and counted out of the server's `Questions`.
const OWN_STATEMENTS_PER_POLL: f64 = 3.0;

/// `SHOW REPLICA STATUS` (MySQL 8.0.22+, MariaDB 10.5+), else the older spelling.
const REPLICA_STATEMENTS: [&str; 2] = ["SHOW REPLICA STATUS", "SHOW SLAVE STATUS"];

pub struct MysqlSource {
    config: DatabaseConfig,
    connected: Option<Conn>,
    /// Which of [`REPLICA_STATEMENTS`] this server answers; past the end once neither works
    /// (no privilege), and the replication is not asked again.
    replica_statement: usize,
    queries: Rate,
    slow: Rate,
    /// Statements this source has sent since it started, taken out of `Questions`.
    own_statements: f64,
}

impl MysqlSource {
    pub fn new(config: DatabaseConfig) -> Self {
        Self {
            config,
            connected: None,
            replica_statement: 0,
            queries: Rate::default(),
            slow: Rate::default(),
            own_statements: 0.0,
        }
    }

    pub async fn poll(&mut self) -> Result<DatabaseSnapshot, CollectError> {
        // Taken out while in use: a poll cut short by its timeout drops the connection, rather
        // than leaving a half-read result on it for the next poll.
        let mut conn = match self.connected.take() {
            Some(conn) => conn,
            None => connect(&self.config).await?,
        };
        let snapshot = self.read(&mut conn).await?;
        self.connected = Some(conn);
        Ok(snapshot)
    }

    async fn read(&mut self, conn: &mut Conn) -> Result<DatabaseSnapshot, CollectError> {
        let server: Vec<Row> = conn.query(SERVER).await.map_err(my_error)?;
        let status: Vec<Row> = conn.query(STATUS).await.map_err(my_error)?;
        let processes: Vec<Row> = conn.query(PROCESSLIST).await.map_err(my_error)?;
        self.own_statements += OWN_STATEMENTS_PER_POLL;
        let replica = self.replica(conn).await?;
        let now = Instant::now();
        let server = server
            .first()
            .ok_or_else(|| CollectError::new("the server sent no row"))?;
        let status = |name: &str| {
            status
                .iter()
                .find(|row| text(row, 0).eq_ignore_ascii_case(name))
                .and_then(|row| text(row, 1).parse::<f64>().ok())
        };
        let requests = status("Innodb_buffer_pool_read_requests").unwrap_or_default();
        let disk_reads = status("Innodb_buffer_pool_reads").unwrap_or_default();
        let version = text(server, 0);
        let detail = MysqlDetail {
            flavor: if version.contains("MariaDB") {
                "MariaDB".into()
            } else {
                "MySQL".into()
            },
            own_id: number(server, 2).unwrap_or_default() as u64,
            threads_running: status("Threads_running").unwrap_or_default() as u64,
            processes: processes.iter().map(process).collect(),
            queries_per_minute: status("Questions").and_then(|questions| {
                self.queries
                    .per_minute(now, questions - self.own_statements)
            }),
            slow_queries_per_minute: status("Slow_queries")
                .and_then(|slow| self.slow.per_minute(now, slow)),
            long_query_time: number(server, 3).unwrap_or_default(),
            buffer_pool_hit_percent: (requests > 0.0)
                .then(|| (requests - disk_reads).max(0.0) * 100.0 / requests),
            replica,
        };
        Ok(DatabaseSnapshot {
            version: short_version(&version),
            uptime_seconds: status("Uptime").unwrap_or_default() as u64,
            connections: status("Threads_connected").unwrap_or_default() as u64,
            max_connections: number(server, 1).unwrap_or_default() as u64,
            detail: DatabaseDetail::Mysql(detail),
        })
    }

    /// The replication of a replica; `None` on a primary, or when the monitoring user may not
    /// ask.
    async fn replica(&mut self, conn: &mut Conn) -> Result<Option<MysqlReplica>, CollectError> {
        while let Some(statement) = REPLICA_STATEMENTS.get(self.replica_statement) {
            self.own_statements += 1.0;
            match conn.query::<Row, _>(*statement).await {
                Ok(rows) => return Ok(rows.first().map(replica)),
                Err(mysql_async::Error::Server(error)) => {
                    tracing::debug!(code = error.code, message = %error.message, statement, "replication status not readable");
                    self.replica_statement += 1;
                }
                Err(error) => return Err(my_error(error)),
            }
        }
        Ok(None)
    }
}

/// Opens a connection to the configured server within its timeout, with the password from
/// where the config says.
pub async fn connect(config: &DatabaseConfig) -> Result<Conn, CollectError> {
    let connection = config.connection().map_err(CollectError::new)?;
    // mysql_async knows only the `mysql` scheme; `mariadb://` means the same.
    let url = match connection.url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => connection.url.clone(),
    };
    let opts = Opts::from_url(&url).map_err(|e| shown(&connection.shown, e))?;
    let mut builder = OptsBuilder::from_opts(opts)
        // Where the config says, not the unix socket the server names when it is local.
        .prefer_socket(false);
    if let Some(password) = &connection.password {
        builder = builder.pass(Some(password));
    }
    let mode = config.tls_mode(&connection.url);
    let ssl = match mode {
        TlsMode::Disable => None,
        _ => Some(ssl_opts(config, mode).map_err(|e| shown(&connection.shown, e))?),
    };
    let opened = async {
        match Conn::new(builder.clone().ssl_opts(ssl)).await {
            // `prefer`, as the MySQL client's PREFERRED: plain when the server has no TLS.
            Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            )) if mode == TlsMode::Prefer => Conn::new(builder.ssl_opts(None)).await,
            opened => opened,
        }
    };
    tokio::time::timeout(config.timeout(), opened)
        .await
        .map_err(|_| {
            CollectError::new(format!(
                "{}: no answer within {}",
                connection.shown,
                humantime::format_duration(config.timeout())
            ))
        })?
        .map_err(|e| shown(&connection.shown, server_message(e)))
}

/// mysql_async's TLS settings for `mode`: `verify-full` trusts `ca_file` alone, or the system's
/// CAs (not the Mozilla list compiled into mysql_async, so both kinds trust the same CAs).
fn ssl_opts(config: &DatabaseConfig, mode: TlsMode) -> Result<SslOpts, String> {
    if mode != TlsMode::VerifyFull {
        return Ok(SslOpts::default().with_danger_accept_invalid_certs(true));
    }
    let roots: Vec<Vec<u8>> = super::tls::trusted_certificates(config)?
        .iter()
        .map(|c| c.to_vec())
        .collect();
    if roots.is_empty() {
        return Err("TLS: no CA certificate to verify the server with".into());
    }
    Ok(SslOpts::default()
        .with_disable_built_in_roots(true)
        .with_root_certs(roots.into_iter().map(Into::into).collect()))
}

/// The id of `conn` on its server, as `KILL` takes it.
pub async fn connection_id(conn: &mut Conn) -> Result<u64, mysql_async::Error> {
    let rows: Vec<Row> = conn.query("SELECT CONNECTION_ID()").await?;
    Ok(rows
        .first()
        .and_then(|row| number(row, 0))
        .unwrap_or_default() as u64)
}

fn process(row: &Row) -> MysqlProcess {
    MysqlProcess {
        id: number(row, 0).unwrap_or_default() as u64,
        user: text(row, 1),
        host: text(row, 2),
        database: text(row, 3),
        command: text(row, 4),
        seconds: number(row, 5).unwrap_or_default().max(0.0) as u64,
        state: text(row, 6),
        info: text(row, 7),
    }
}

/// The columns of `SHOW SLAVE STATUS`, by their MariaDB and older MySQL names or MySQL 8's.
fn replica(row: &Row) -> MysqlReplica {
    let column = |names: [&str; 2]| {
        row.columns_ref()
            .iter()
            .position(|c| names.contains(&c.name_str().as_ref()))
    };
    let field = |names| column(names).map(|i| text(row, i)).unwrap_or_default();
    let host = field(["Master_Host", "Source_Host"]);
    let port = field(["Master_Port", "Source_Port"]);
    MysqlReplica {
        source: format!("{host}:{port}"),
        io_running: field(["Slave_IO_Running", "Replica_IO_Running"]),
        sql_running: field(["Slave_SQL_Running", "Replica_SQL_Running"]),
        lag_seconds: column(["Seconds_Behind_Master", "Seconds_Behind_Source"])
            .and_then(|i| number(row, i)),
    }
}

/// A column as text (the text protocol sends every value as bytes); empty for `NULL`.
fn text(row: &Row, index: usize) -> String {
    match row.as_ref(index) {
        Some(Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Value::Int(n)) => n.to_string(),
        Some(Value::UInt(n)) => n.to_string(),
        Some(Value::Double(n)) => n.to_string(),
        Some(Value::Float(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn number(row: &Row, index: usize) -> Option<f64> {
    text(row, index).parse().ok()
}

/// `10.11.19-MariaDB-0+deb12u1` shown as `10.11.19`; the flavour is in the detail.
fn short_version(version: &str) -> String {
    version.split('-').next().unwrap_or(version).to_string()
}

/// The server's own message, without the driver's wrapping.
fn server_message(error: mysql_async::Error) -> String {
    match error {
        mysql_async::Error::Server(server) => server.message,
        other => other.to_string(),
    }
}

fn my_error(error: mysql_async::Error) -> CollectError {
    shown("query", server_message(error))
}
