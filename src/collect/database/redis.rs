//! Redis: one `INFO` a poll (and `CONFIG GET maxclients` once a connection), and the on-demand
//! big-keys scan of the out-of-memory procedure.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::resp::{Reply, RespConnection, parse_url};
use super::tls::client_config;
use super::{Rate, shown_error};
use crate::collect::CollectError;
use crate::config::DatabaseConfig;
use crate::model::databases::{DatabaseDetail, DatabaseSnapshot, RedisDetail};

pub struct RedisSource {
    config: DatabaseConfig,
    connected: Option<(RespConnection, u64)>,
    evicted: Rate,
    expired: Rate,
}

impl RedisSource {
    pub fn new(config: DatabaseConfig) -> Self {
        Self {
            config,
            connected: None,
            evicted: Rate::default(),
            expired: Rate::default(),
        }
    }

    pub async fn poll(&mut self) -> Result<DatabaseSnapshot, CollectError> {
        if self.connected.is_none() {
            let mut connection = connect(&self.config).await?;
            let maxclients = connection
                .command(&[b"CONFIG", b"GET", b"maxclients"])
                .await
                .ok()
                .and_then(|reply| match reply {
                    Reply::Array(items) => items.into_iter().nth(1)?.into_text(),
                    _ => None,
                })
                .and_then(|text| text.parse().ok())
                .unwrap_or(0);
            self.connected = Some((connection, maxclients));
        }
        let Some((connection, maxclients)) = self.connected.as_mut() else {
            return Err(CollectError::new("not connected"));
        };
        let maxclients = *maxclients;
        let info = match connection.command(&[b"INFO", b"everything"]).await {
            Ok(reply) => reply.into_text().unwrap_or_default(),
            Err(error) => {
                self.connected = None;
                return Err(shown_error("INFO", error));
            }
        };
        Ok(self.snapshot(&parse_info(&info), maxclients))
    }

    fn snapshot(&mut self, info: &HashMap<&str, &str>, maxclients: u64) -> DatabaseSnapshot {
        let number = |key: &str| {
            info.get(key)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let now = Instant::now();
        let (hits, misses) = (number("keyspace_hits"), number("keyspace_misses"));
        let keys = info
            .iter()
            .filter(|(k, _)| k.starts_with("db"))
            .filter_map(|(_, v)| {
                v.split(',')
                    .next()?
                    .strip_prefix("keys=")?
                    .parse::<u64>()
                    .ok()
            })
            .sum();
        let replica_offset_lag = if info.get("role") == Some(&"master") {
            let offset = number("master_repl_offset") as i64;
            info.iter()
                .filter(|(k, _)| k.starts_with("slave") && k[5..].parse::<u32>().is_ok())
                .filter_map(|(_, v)| {
                    let fields: HashMap<&str, &str> =
                        v.split(',').filter_map(|f| f.split_once('=')).collect();
                    let address = format!("{}:{}", fields.get("ip")?, fields.get("port")?);
                    Some((address, offset - fields.get("offset")?.parse::<i64>().ok()?))
                })
                .collect()
        } else {
            Vec::new()
        };
        DatabaseSnapshot {
            version: info
                .get("redis_version")
                .copied()
                .unwrap_or("?")
                .to_string(),
            uptime_seconds: number("uptime_in_seconds") as u64,
            connections: number("connected_clients") as u64,
            max_connections: maxclients,
            detail: DatabaseDetail::Redis(RedisDetail {
                role: info.get("role").copied().unwrap_or("?").to_string(),
                blocked_clients: number("blocked_clients") as u64,
                rejected_connections: number("rejected_connections") as u64,
                used_memory: number("used_memory"),
                maxmemory: number("maxmemory"),
                fragmentation_ratio: number("mem_fragmentation_ratio"),
                keyspace_hit_percent: (hits + misses > 0.0).then(|| hits * 100.0 / (hits + misses)),
                evicted_per_minute: self.evicted.per_minute(now, number("evicted_keys")),
                expired_per_minute: self.expired.per_minute(now, number("expired_keys")),
                ops_per_second: number("instantaneous_ops_per_sec"),
                keys,
                replica_offset_lag,
            }),
        }
    }
}

/// Opens a connection, authenticates and selects the database, within the configured timeout.
pub(crate) async fn connect(config: &DatabaseConfig) -> Result<RespConnection, CollectError> {
    let connection = config.connection().map_err(CollectError::new)?;
    let address = parse_url(&connection.url).map_err(|e| shown_error(&connection.shown, e))?;
    let tls = address
        .tls
        .then(|| client_config(config, config.tls_mode(&connection.url)))
        .transpose()
        .map_err(|e| shown_error(&connection.shown, e))?;
    let opened = async {
        let mut redis = RespConnection::connect(&address, tls)
            .await
            .map_err(|e| e.to_string())?;
        let password = connection.password.clone().or(address.password.clone());
        if let Some(password) = password {
            match &address.user {
                Some(user) => {
                    redis
                        .command(&[b"AUTH", user.as_bytes(), password.as_bytes()])
                        .await?
                }
                None => redis.command(&[b"AUTH", password.as_bytes()]).await?,
            };
        }
        if let Some(db) = &address.db {
            redis.command(&[b"SELECT", db.as_bytes()]).await?;
        }
        redis
            .command(&[b"CLIENT", b"SETNAME", b"watchdeck"])
            .await?;
        Ok::<_, String>(redis)
    };
    match tokio::time::timeout(config.timeout(), opened).await {
        Ok(Ok(redis)) => Ok(redis),
        Ok(Err(error)) => Err(shown_error(&connection.shown, error)),
        Err(_) => Err(CollectError::new(format!(
            "{}: no answer within {}",
            connection.shown,
            humantime::format_duration(config.timeout())
        ))),
    }
}

/// `INFO`'s `key:value` lines.
fn parse_info(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .collect()
}

/// One key of the big-keys scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigKey {
    pub key: String,
    pub bytes: u64,
}

/// How far the big-keys scan may go.
#[derive(Debug, Clone, Copy)]
pub struct ScanBounds {
    pub max_keys: usize,
    pub max_time: Duration,
    pub top: usize,
}

/// What `redis-cli --bigkeys` finds, by memory: `SCAN` in batches and `MEMORY USAGE` of each key,
/// stopping at the bounds; returns the biggest and how many keys were looked at.
pub async fn scan_big_keys(
    config: &DatabaseConfig,
    bounds: ScanBounds,
) -> Result<(Vec<BigKey>, usize), CollectError> {
    let mut redis = connect(config).await?;
    let started = Instant::now();
    let mut cursor = b"0".to_vec();
    let mut seen = 0;
    let mut biggest: Vec<BigKey> = Vec::new();
    loop {
        let reply = redis
            .command(&[b"SCAN", &cursor, b"COUNT", b"200"])
            .await
            .map_err(|e| shown_error("SCAN", e))?;
        let Reply::Array(mut parts) = reply else {
            return Err(CollectError::new("SCAN: unexpected reply"));
        };
        let keys = match parts.pop() {
            Some(Reply::Array(keys)) => keys,
            _ => Vec::new(),
        };
        cursor = match parts.pop().and_then(Reply::into_text) {
            Some(next) => next.into_bytes(),
            None => return Err(CollectError::new("SCAN: unexpected reply")),
        };
        for key in keys {
            let Reply::Bulk(Some(key)) = key else {
                continue;
            };
            seen += 1;
            let usage = redis
                .command(&[b"MEMORY", b"USAGE", &key, b"SAMPLES", b"0"])
                .await
                .map_err(|e| shown_error("MEMORY USAGE", e))?;
            if let Reply::Integer(bytes) = usage {
                biggest.push(BigKey {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    bytes: bytes.max(0) as u64,
                });
            }
            if biggest.len() > bounds.top * 4 {
                keep_top(&mut biggest, bounds.top);
            }
        }
        if cursor == b"0" || seen >= bounds.max_keys || started.elapsed() >= bounds.max_time {
            break;
        }
    }
    keep_top(&mut biggest, bounds.top);
    Ok((biggest, seen))
}

fn keep_top(keys: &mut Vec<BigKey>, top: usize) {
    keys.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
    keys.truncate(top);
}
