//! Runs database commands on a connection of their own (never the monitoring one), and the
//! Redis big-keys scan.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::collect::database::postgres::{APPLICATION_NAME, connect_client};
use crate::collect::database::redis::{ScanBounds, scan_big_keys};
use crate::command::{CommandError, DatabaseAction, DatabaseCommand};
use crate::config::DatabaseConfig;
use crate::model::databases::BigKeysReport;

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
const TERMINATE_IDLE: &str = "select count(*) filter (where pg_terminate_backend(pid)) \
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
    let client = connect_client(config).await.map_err(|e| e.message)?;
    let failed = |e: tokio_postgres::Error| {
        let text = e
            .as_db_error()
            .map_or_else(|| e.to_string(), |db| db.message().to_string());
        crate::redact::redact_secrets(&text).into_owned()
    };
    let single = |function: &str| {
        format!(
            "select {function}(pid) from pg_stat_activity where pid = $1 \
             and pid <> pg_backend_pid() and application_name <> $2"
        )
    };
    match &command.action {
        DatabaseAction::CancelQuery { pid } | DatabaseAction::TerminateSession { pid } => {
            let (function, done) = match command.action {
                DatabaseAction::CancelQuery { .. } => ("pg_cancel_backend", "query cancelled"),
                _ => ("pg_terminate_backend", "session terminated"),
            };
            let rows = client
                .query(&single(function), &[pid, &APPLICATION_NAME])
                .await
                .map_err(failed)?;
            match rows.first().map(|row| row.get::<_, bool>(0)) {
                Some(true) => Ok(format!("{done}: session {pid} on {}", command.database)),
                Some(false) => Err(format!("the server refused to signal session {pid}")),
                None => Err(format!(
                    "session {pid} is gone, or is one of the console's own connections"
                )),
            }
        }
        DatabaseAction::TerminateIdle { minutes, pids } => {
            let minutes = i32::try_from(*minutes).unwrap_or(i32::MAX);
            let row = client
                .query_one(TERMINATE_IDLE, &[pids, &minutes, &APPLICATION_NAME])
                .await
                .map_err(failed)?;
            let ended: i64 = row.get(0);
            Ok(format!(
                "terminated {ended} of {} idle sessions on {}",
                pids.len(),
                command.database
            ))
        }
    }
}
