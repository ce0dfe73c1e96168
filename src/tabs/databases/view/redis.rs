//! A Redis database's detail: role, clients, memory, keys and rates, replicas' offset lag, and
//! the big-keys scan.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::per_minute;
use crate::model::databases::RedisDetail;
use crate::state::databases::{BigKeysView, DatabaseState};
use crate::ui::RenderCtx;
use crate::ui::format::{bytes, truncate};

pub(super) fn headline(redis: &RedisDetail) -> Vec<String> {
    let memory = match redis.memory_percent() {
        Some(percent) => format!("mem {percent:.0}%"),
        None => format!("mem {}", bytes(redis.used_memory)),
    };
    vec![
        memory,
        format!(
            "evicted {}/m",
            redis
                .evicted_per_minute
                .map_or("-".into(), |e| format!("{e:.0}"))
        ),
        format!("{} ops/s", redis.ops_per_second),
    ]
}

pub(super) fn render(
    buffer: &mut Buffer,
    area: Rect,
    big_keys: Option<&BigKeysView>,
    database: &DatabaseState,
    redis: &RedisDetail,
    ctx: &RenderCtx,
) {
    let Some(snapshot) = &database.latest else {
        return;
    };
    let limit = if redis.maxmemory > 0.0 {
        format!(
            " of {} ({:.0}%)",
            bytes(redis.maxmemory),
            redis.memory_percent().unwrap_or_default()
        )
    } else {
        " (no maxmemory)".into()
    };
    let mut lines = vec![
        Line::raw(format!(
            "role {} · clients {} of {} · blocked {} · rejected {}",
            redis.role,
            snapshot.connections,
            snapshot.max_connections,
            redis.blocked_clients,
            redis.rejected_connections
        )),
        Line::raw(format!(
            "memory {}{limit} · fragmentation {:.2}",
            bytes(redis.used_memory),
            redis.fragmentation_ratio
        )),
        Line::raw(format!(
            "keys {} · hit ratio {} · evicted {} · expired {} · {} ops/s",
            redis.keys,
            redis
                .keyspace_hit_percent
                .map_or("-".into(), |p| format!("{p:.1}%")),
            per_minute(redis.evicted_per_minute),
            per_minute(redis.expired_per_minute),
            redis.ops_per_second
        )),
    ];
    for (replica, lag) in &redis.replica_offset_lag {
        lines.push(Line::raw(format!("replica {replica} offset lag {lag}")));
    }
    lines.push(Line::raw(""));
    match big_keys.filter(|v| v.database == database.name) {
        None => lines.push(Line::styled(
            "b scans for big keys (SCAN + MEMORY USAGE, bounded)",
            ctx.theme.muted,
        )),
        Some(BigKeysView { result: None, .. }) => {
            lines.push(Line::styled(
                "scanning for big keys… (esc stops)",
                ctx.theme.muted,
            ));
        }
        Some(BigKeysView {
            result: Some(Err(error)),
            ..
        }) => lines.push(Line::styled(
            format!("big-keys scan failed: {error}"),
            ctx.theme.crit,
        )),
        Some(BigKeysView {
            result: Some(Ok(report)),
            ..
        }) => {
            lines.push(Line::styled(
                format!("biggest keys of {} scanned", report.scanned),
                ctx.theme.title,
            ));
            let width = (area.width as usize).saturating_sub(12);
            lines.extend(report.keys.iter().map(|(key, size)| {
                Line::raw(format!(
                    "{:>10}  {}",
                    bytes(*size as f64),
                    truncate(key, width)
                ))
            }));
        }
    }
    Paragraph::new(lines).render(area, buffer);
}
