//! Database sources: one connection per database, opened with a timeout, reused across polls and
//! opened again (the supervisor backing off) when it drops.

pub mod mysql;
pub mod postgres;
pub mod redis;
mod resp;
pub mod tls;

use std::time::Instant;

use crate::collect::{CollectError, Collector};
use crate::config::DatabaseConfig;
use crate::model::databases::{DatabaseKind, DatabaseSnapshot};

/// The source of one `[[database]]`, whatever its kind (PostgreSQL's, the largest, boxed).
pub enum DatabaseSource {
    Postgres(Box<postgres::PostgresSource>),
    Mysql(mysql::MysqlSource),
    Redis(redis::RedisSource),
}

impl DatabaseSource {
    pub fn new(config: &DatabaseConfig) -> Self {
        match config.kind {
            DatabaseKind::Postgres => {
                Self::Postgres(Box::new(postgres::PostgresSource::new(config.clone())))
            }
            DatabaseKind::Redis => Self::Redis(redis::RedisSource::new(config.clone())),
            DatabaseKind::Mysql => Self::Mysql(mysql::MysqlSource::new(config.clone())),
        }
    }
}

impl Collector for DatabaseSource {
    type Snapshot = DatabaseSnapshot;

    async fn poll(&mut self) -> Result<DatabaseSnapshot, CollectError> {
        match self {
            Self::Postgres(source) => source.poll().await,
            Self::Mysql(source) => source.poll().await,
            Self::Redis(source) => source.poll().await,
        }
    }
}

/// A counter's rate per minute between two polls; `None` on the first or after a reset.
#[derive(Debug, Default)]
struct Rate {
    previous: Option<(Instant, f64)>,
}

impl Rate {
    fn per_minute(&mut self, now: Instant, counter: f64) -> Option<f64> {
        let rate = self.previous.and_then(|(at, before)| {
            let minutes = now.duration_since(at).as_secs_f64() / 60.0;
            (minutes > 0.0 && counter >= before).then(|| (counter - before) / minutes)
        });
        self.previous = Some((now, counter));
        rate
    }
}

/// An error as the operator sees it: its message with any address in it masked.
fn shown_error(context: &str, error: impl std::fmt::Display) -> CollectError {
    CollectError::new(crate::redact::redact_secrets(&format!("{context}: {error}")).into_owned())
}
