//! Runs database commands on a connection of their own (never the monitoring one), and the
//! Redis big-keys scan.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mysql_async::prelude::Queryable;

use crate::collect::database::mysql;
use crate::collect::database::postgres::{APPLICATION_NAME, connect_client};
use crate::collect::database::redis::{ScanBounds, scan_big_keys};
use crate::command::{CommandError, DatabaseAction, DatabaseCommand};
use crate::config::DatabaseConfig;
use crate::model::databases::{BigKeysReport, DatabaseKind};

/// How long a command may wait for its database.
const ACTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The big-keys scan's bounds: enough for the out-of-memory procedure, never a long load.
pub const BIG_KEYS_BOUNDS: ScanBounds = ScanBounds {
    max_keys: 100_000,
    max_time: Duration::from_secs(10),
    top: 10,
};

#[derive(Clone, Default)]
pub struct Databases {
    configs: Arc<HashMap<String, DatabaseConfig>>,
}

/// Ends the sessions among `$1` idle for `$2` minutes or more; never the console's own.
const TERMINATE_IDLE: &str = "select coalesce(array_agg(pid order by pid) \
    filter (where pg_terminate_backend(pid)), '{}') \
    from pg_stat_activity where pid = any($1) and pid <> pg_backend_pid() \
    and application_name <> $3 \
    and state in ('idle', 'idle in transaction', 'idle in transaction (aborted)') \
    and now() - state_change >= make_interval(mins => $2)";

impl Databases {
    pub fn new(configs: &[DatabaseConfig]) -> Self {
        Self {
            configs: Arc::new(
                configs
                    .iter()
                    .map(|c| (c.name.clone(), c.clone()))
                    .collect(),
            ),
        }
    }

    pub async fn execute(&self, command: &DatabaseCommand) -> Result<String, CommandError> {
        let config = self.config(&command.database)?;
        match tokio::time::timeout(ACTION_TIMEOUT, run(config, command)).await {
            Ok(result) => result.map_err(CommandError::Failed),
            Err(_) => Err(CommandError::NoAnswer {
                within: ACTION_TIMEOUT,
            }),
        }
    }

    pub async fn big_keys(&self, database: &str) -> Result<BigKeysReport, String> {
        let config = self.config(database).map_err(|e| e.to_string())?;
        let (keys, scanned) = scan_big_keys(config, BIG_KEYS_BOUNDS)
            .await
            .map_err(|e| e.message)?;
        Ok(BigKeysReport {
            keys: keys.into_iter().map(|k| (k.key, k.bytes)).collect(),
            scanned,
        })
    }

    fn config(&self, database: &str) -> Result<&DatabaseConfig, CommandError> {
        self.configs
            .get(database)
            .ok_or_else(|| CommandError::Failed(format!("no database named {database}")))
    }
}

async fn run(config: &DatabaseConfig, command: &DatabaseCommand) -> Result<String, String> {
    let database = &command.database;
    let kind = match &command.action {
        DatabaseAction::KillQuery { .. } | DatabaseAction::KillConnection { .. } => {
            DatabaseKind::Mysql
        }
        DatabaseAction::CancelQuery { .. }
        | DatabaseAction::TerminateSession { .. }
        | DatabaseAction::TerminateIdle { .. } => DatabaseKind::Postgres,
    };
    if config.kind != kind {
        return Err(format!(
            "{database} is {}, not {}",
            config.kind.label(),
            kind.label()
        ));
    }
    match &command.action {
        DatabaseAction::CancelQuery { pid } => {
            signal_postgres(config, "pg_cancel_backend", *pid).await?;
            Ok(format!("query cancelled: session {pid} on {database}"))
        }
        DatabaseAction::TerminateSession { pid } => {
            signal_postgres(config, "pg_terminate_backend", *pid).await?;
            Ok(format!("session terminated: session {pid} on {database}"))
        }
        DatabaseAction::TerminateIdle { minutes, pids } => {
            let client = connect_client(config).await.map_err(|e| e.message)?;
            let minutes = i32::try_from(*minutes).unwrap_or(i32::MAX);
            let row = client
                .query_one(TERMINATE_IDLE, &[pids, &minutes, &APPLICATION_NAME])
                .await
                .map_err(postgres_failure)?;
            let ended: Vec<i32> = row.get(0);
            Ok(terminated_idle(&ended, pids.len(), database))
        }
        DatabaseAction::KillQuery { id, monitor } => {
            kill_mysql(config, "KILL QUERY", *id, *monitor).await?;
            Ok(format!("query killed: connection {id} on {database}"))
        }
        DatabaseAction::KillConnection { id, monitor } => {
            kill_mysql(config, "KILL", *id, *monitor).await?;
            Ok(format!("connection killed: connection {id} on {database}"))
        }
    }
}

/// What a terminate-idle did, naming the sessions it ended, for the toast and the audit log.
fn terminated_idle(ended: &[i32], asked: usize, database: &str) -> String {
    let pids: Vec<String> = ended.iter().map(i32::to_string).collect();
    let which = if pids.is_empty() {
        String::new()
    } else {
        format!(": {}", pids.join(", "))
    };
    format!(
        "terminated {} of {asked} idle on {database}{which}",
        crate::words::count(ended.len(), "session")
    )
}

/// Calls `function(pid)` for a session that is not one of the console's own.
async fn signal_postgres(config: &DatabaseConfig, function: &str, pid: i32) -> Result<(), String> {
    let client = connect_client(config).await.map_err(|e| e.message)?;
    let sql = format!(
        "select {function}(pid) from pg_stat_activity where pid = $1 \
         and pid <> pg_backend_pid() and application_name <> $2"
    );
    let rows = client
        .query(&sql, &[&pid, &APPLICATION_NAME])
        .await
        .map_err(postgres_failure)?;
    match rows.first().map(|row| row.get::<_, bool>(0)) {
        Some(true) => Ok(()),
        Some(false) => Err(format!("the server refused to signal session {pid}")),
        None => Err(format!(
            "session {pid} is gone, or is one of the console's own connections"
        )),
    }
}

fn postgres_failure(error: tokio_postgres::Error) -> String {
    let text = error
        .as_db_error()
        .map_or_else(|| error.to_string(), |db| db.message().to_string());
    crate::redact::redact_secrets(&text).into_owned()
}

/// `KILL QUERY id` or `KILL id`, on a connection of its own; never the monitoring connection
/// (`monitor`) nor the one it kills from.
async fn kill_mysql(
    config: &DatabaseConfig,
    statement: &str,
    id: u64,
    monitor: u64,
) -> Result<(), String> {
    let own = "is the console's own monitoring connection";
    if id == monitor {
        return Err(format!("refused: connection {id} {own}"));
    }
    let mut conn = mysql::connect(config).await.map_err(|e| e.message)?;
    let killed = async {
        if mysql::connection_id(&mut conn).await? == id {
            return Ok(Err(format!("refused: connection {id} {own}")));
        }
        conn.query_drop(format!("{statement} {id}")).await.map(Ok)
    }
    .await;
    if let Err(error) = conn.disconnect().await {
        tracing::debug!(%error, "mysql action connection did not close cleanly");
    }
    match killed {
        Ok(result) => result,
        // ER_NO_SUCH_THREAD
        Err(mysql_async::Error::Server(error)) if error.code == 1094 => {
            Err(format!("connection {id} is gone"))
        }
        Err(mysql_async::Error::Server(error)) => Err(error.message),
        Err(error) => Err(crate::redact::redact_secrets(&error.to_string()).into_owned()),
    }
}
