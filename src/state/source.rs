//! The health of one data source: a failure is a state shown to the user, never a crash.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::source::{SourceId, SourceKind};
use crate::sources::Source;
use crate::tab::Tab;

/// The health of every source, 1 when it answers and 0 when it is down or stale, labelled
/// `source`: the shell publishes it for the `SourceDown` rule.
pub const SOURCE_UP: &str = "source_up";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    /// Started, no answer yet.
    Connecting,
    Ok {
        at: DateTime<Utc>,
    },
    /// Answering no more, without an error: its last good sample is too old to trust.
    Stale {
        last_ok: DateTime<Utc>,
    },
    Down {
        error: String,
        since: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
        last_ok: Option<DateTime<Utc>>,
    },
}

/// A source the console watches, as the registry (`crate::sources`) lists it, and how it is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    pub name: String,
    pub kind: SourceKind,
    /// The tabs it feeds, never empty; a finding about the source itself leads to the first.
    pub tabs: Vec<Tab>,
    pub status: SourceStatus,
    /// How often it reports: stale after three of these (or of the refresh, if slower) without
    /// an answer.
    pub every: Duration,
}

impl SourceHealth {
    /// A configured source's health before its first report.
    pub fn of(source: &Source) -> Self {
        Self::new(
            source.id.clone(),
            source.tabs[0],
            &source.tabs[1..],
            source.every,
        )
    }

    /// A source not heard from yet. `first` is the tab a finding about the source leads to,
    /// `more` any other tabs it feeds.
    pub fn new(id: SourceId, first: Tab, more: &[Tab], every: Duration) -> Self {
        Self {
            name: id.name,
            kind: id.kind,
            tabs: std::iter::once(first).chain(more.iter().copied()).collect(),
            status: SourceStatus::Connecting,
            every,
        }
    }

    /// The tab a finding about the source itself (down, stale) leads to.
    pub fn tab(&self) -> Tab {
        self.tabs.first().copied().unwrap_or(Tab::Resources)
    }

    /// Records a successful poll.
    pub fn apply_ok(&mut self, at: DateTime<Utc>) {
        self.status = SourceStatus::Ok { at };
    }

    /// Records a failed poll, keeping when the trouble started and when it last worked.
    pub fn apply_error(
        &mut self,
        error: String,
        at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) {
        let (since, last_ok) = match &self.status {
            SourceStatus::Down { since, last_ok, .. } => (*since, *last_ok),
            SourceStatus::Ok { at: ok_at } | SourceStatus::Stale { last_ok: ok_at } => {
                (at, Some(*ok_at))
            }
            SourceStatus::Connecting => (at, None),
        };
        self.status = SourceStatus::Down {
            // Errors quote addresses, which may carry a password.
            error: crate::redact::redact_secrets(&error).into_owned(),
            since,
            retry_at,
            last_ok,
        };
    }

    /// Marks the source stale when its last good sample is older than `limit` at `now`; says
    /// whether that changed its status. Down and connecting sources have no fresh data to lose.
    pub fn apply_clock(&mut self, now: DateTime<Utc>, limit: chrono::Duration) -> bool {
        match self.status {
            SourceStatus::Ok { at } if now - at > limit => {
                self.status = SourceStatus::Stale { last_ok: at };
                true
            }
            _ => false,
        }
    }

    pub fn is_down(&self) -> bool {
        matches!(self.status, SourceStatus::Down { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECOND: Duration = Duration::from_secs(1);

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn an_error_shown_for_a_source_never_carries_a_password() {
        let mut health = SourceHealth::new(SourceId::docker("prod"), Tab::Containers, &[], SECOND);
        health.apply_error(
            "cannot reach Docker at tcp://ops:hunter2@prod-1:2375: refused".into(),
            at(0),
            None,
        );
        let SourceStatus::Down { error, .. } = &health.status else {
            panic!("{:?}", health.status);
        };
        assert_eq!(
            error,
            "cannot reach Docker at tcp://ops:***@prod-1:2375: refused"
        );
    }

    #[test]
    fn down_keeps_since_and_last_ok_across_retries() {
        let mut health = SourceHealth::new(SourceId::system(), Tab::Resources, &[], SECOND);
        health.apply_ok(at(0));
        health.apply_error("boom".into(), at(5), Some(at(6)));
        health.apply_error("still boom".into(), at(9), Some(at(13)));
        assert_eq!(
            health.status,
            SourceStatus::Down {
                error: "still boom".into(),
                since: at(5),
                retry_at: Some(at(13)),
                last_ok: Some(at(0))
            }
        );
        health.apply_ok(at(20));
        assert!(!health.is_down());
    }

    #[test]
    fn an_old_sample_makes_the_source_stale_until_the_next() {
        let limit = chrono::Duration::seconds(3);
        let mut health = SourceHealth::new(SourceId::system(), Tab::Resources, &[], SECOND);
        assert!(!health.apply_clock(at(100), limit), "no sample yet");
        health.apply_ok(at(0));
        assert!(
            !health.apply_clock(at(3), limit),
            "three intervals is not stale yet"
        );
        assert!(health.apply_clock(at(4), limit));
        assert_eq!(health.status, SourceStatus::Stale { last_ok: at(0) });
        assert!(!health.apply_clock(at(5), limit), "already stale");
        health.apply_error("boom".into(), at(6), None);
        assert!(
            matches!(health.status, SourceStatus::Down { since, last_ok: Some(last), .. } if since == at(6) && last == at(0)),
            "{:?}",
            health.status
        );
        assert!(!health.apply_clock(at(60), limit), "down stays down");
        health.apply_ok(at(61));
        assert_eq!(health.status, SourceStatus::Ok { at: at(61) });
    }
}
