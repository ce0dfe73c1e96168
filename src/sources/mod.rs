//! The source registry: every source the console watches, built once from the config. Each
//! entry says who the source is (kind and name), the tabs it feeds, how often it polls and with
//! what bound, and what it is started from. The console's start-up and `watchdeck check`
//! (`start.rs`), the state's source list (`AppState::sources`) and `main.rs` iterate it; nothing
//! else lists the kinds of source. This part is plain data, so the state may build from it.

pub mod start;

use std::time::Duration;

use crate::config::{
    AlertmanagerConfig, Config, DatabaseConfig, DockerConfig, EndpointConfig, PrometheusConfig,
};
use crate::model::source::SourceId;
use strum::IntoEnumIterator;

use crate::tab::Tab;

/// The least time a source's poll is given, however short the refresh.
const MIN_TIMEOUT: Duration = Duration::from_secs(5);
/// An engine's first poll inspects every container: with hundreds on a busy host that takes
/// seconds, and cutting it short would leave the tab empty forever.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a source is started from: the part of the config it reads.
#[derive(Clone)]
pub enum SourceSpec {
    System {
        ignore_mounts: Vec<String>,
    },
    Docker(DockerConfig),
    Database(DatabaseConfig),
    /// One prober for every `[[endpoint]]`, each on its own schedule.
    Endpoints(Vec<EndpointConfig>),
    Alertmanager(AlertmanagerConfig),
    Prometheus(PrometheusConfig),
}

/// One source of the registry.
#[derive(Clone)]
pub struct Source {
    pub id: SourceId,
    /// The tabs it feeds, never empty: a finding about the source itself leads to the first.
    pub tabs: Vec<Tab>,
    /// How often it reports.
    pub every: Duration,
    /// How long one poll may take before it counts as failed.
    pub timeout: Duration,
    pub spec: SourceSpec,
}

impl Source {
    fn new(id: SourceId, tab: Tab, every: Duration, timeout: Duration, spec: SourceSpec) -> Self {
        Self {
            id,
            tabs: vec![tab],
            every,
            timeout,
            spec,
        }
    }
}

/// Every configured source, in the order the header, the findings and `check` list them.
#[derive(Clone, Default)]
pub struct SourceRegistry {
    sources: Vec<Source>,
}

impl SourceRegistry {
    /// `engines` are the Docker engines watched (see [`Config::docker_engines`]).
    pub fn from_config(config: &Config, engines: &[DockerConfig]) -> Self {
        let refresh = config.refresh;
        let timeout = (refresh * 5).max(MIN_TIMEOUT);
        let mut sources = vec![Source::new(
            SourceId::system(),
            Tab::Resources,
            refresh,
            timeout,
            SourceSpec::System {
                ignore_mounts: config.resources.ignore_mounts.clone(),
            },
        )];
        sources.extend(engines.iter().map(|engine| {
            Source::new(
                SourceId::docker(&engine.name),
                Tab::Containers,
                refresh,
                timeout.max(ENGINE_TIMEOUT),
                SourceSpec::Docker(engine.clone()),
            )
        }));
        sources.extend(config.database.iter().map(|database| {
            Source::new(
                SourceId::database(&database.name),
                Tab::Databases,
                database.interval,
                database.timeout(),
                SourceSpec::Database(database.clone()),
            )
        }));
        if !config.endpoint.is_empty() {
            // Each endpoint has its own timeout; the prober reports a batch every refresh.
            sources.push(Source::new(
                SourceId::endpoints(),
                Tab::Endpoints,
                refresh,
                timeout,
                SourceSpec::Endpoints(config.endpoint.clone()),
            ));
        }
        sources.extend(config.alertmanager.iter().map(|alertmanager| {
            Source::new(
                SourceId::alertmanager(&alertmanager.name),
                Tab::Alerts,
                alertmanager.interval,
                // A poll is at most three requests (push, alerts, silences), each bounded.
                alertmanager.timeout() * 3,
                SourceSpec::Alertmanager(alertmanager.clone()),
            )
        }));
        sources.extend(config.prometheus.iter().map(|prometheus| {
            let mut source = Source::new(
                SourceId::prometheus(&prometheus.name),
                Tab::Resources,
                prometheus.interval,
                // Its requests go out together, each bounded by the timeout; the answers are
                // read after.
                prometheus.timeout() * 2,
                SourceSpec::Prometheus(prometheus.clone()),
            );
            // Its hosts are the Resources tab's, its own alerts the Alerts tab's.
            source.tabs.push(Tab::Alerts);
            source
        }));
        Self { sources }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter()
    }

    /// Only the sources that feed one of `tabs`; all of them when `tabs` is empty.
    pub fn only(mut self, tabs: &[Tab]) -> Self {
        if !tabs.is_empty() {
            self.sources
                .retain(|source| source.tabs.iter().any(|tab| tabs.contains(tab)));
        }
        self
    }

    /// The tabs with something to show, in tab order: those the sources feed, and Alerts when
    /// the config has rules of its own.
    pub fn tabs(&self, own_rules: bool) -> Vec<Tab> {
        Tab::iter()
            .filter(|tab| {
                (own_rules && *tab == Tab::Alerts)
                    || self.iter().any(|source| source.tabs.contains(tab))
            })
            .collect()
    }

    /// The Docker engines among the sources.
    pub fn engines(&self) -> impl Iterator<Item = &DockerConfig> {
        self.iter().filter_map(|source| match &source.spec {
            SourceSpec::Docker(engine) => Some(engine),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Mode;
    use crate::fixtures;
    use crate::model::source::{SourceDeath, SourceFailure, SourceKind, SourceReport};
    use crate::msg::{Msg, SourceUpdate};
    use crate::state::AppState;
    use crate::state::source::{SourceHealth, SourceStatus};
    use crate::update::update;

    fn config(text: &str) -> Config {
        Config::parse("c.toml", text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn listed(sources: &SourceRegistry) -> Vec<(SourceKind, &str, &[Tab], Duration)> {
        sources
            .iter()
            .map(|s| (s.id.kind, s.id.name.as_str(), s.tabs.as_slice(), s.every))
            .collect()
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn without_docker_or_other_sources_only_the_local_host_is_watched() {
        let sources = SourceRegistry::from_config(&Config::default(), &[]);
        assert_eq!(
            listed(&sources),
            [(SourceKind::System, "system", &[Tab::Resources][..], SECOND)]
        );
        assert_eq!(sources.engines().count(), 0);
        assert_eq!(sources.tabs(false), [Tab::Resources]);
        assert_eq!(sources.tabs(true), [Tab::Resources, Tab::Alerts]);
    }

    #[test]
    fn every_configured_source_is_listed_with_its_tab_and_schedule() {
        let config = config(
            "[[database]]\nname = \"main\"\nkind = \"postgres\"\nurl = \"postgres://w@db/app\"\n\
             interval = \"10s\"\n\
             [[endpoint]]\nname = \"api\"\nurl = \"http://api\"\n\
             [[endpoint]]\nname = \"web\"\nurl = \"http://web\"\n\
             [[alertmanager]]\nname = \"prod\"\nurl = \"http://am:9093\"\ninterval = \"15s\"\n",
        );
        let engines = &fixtures::docker_engines()[..1];
        let sources = SourceRegistry::from_config(&config, engines);
        assert_eq!(
            listed(&sources),
            [
                (SourceKind::System, "system", &[Tab::Resources][..], SECOND),
                (
                    SourceKind::Docker,
                    "docker:local",
                    &[Tab::Containers][..],
                    SECOND
                ),
                (
                    SourceKind::Database,
                    "db:main",
                    &[Tab::Databases][..],
                    Duration::from_secs(10)
                ),
                // One prober for every endpoint.
                (
                    SourceKind::Endpoints,
                    "endpoints",
                    &[Tab::Endpoints][..],
                    SECOND
                ),
                (
                    SourceKind::Alertmanager,
                    "am:prod",
                    &[Tab::Alerts][..],
                    Duration::from_secs(15)
                ),
            ]
        );
        assert_eq!(
            sources
                .engines()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            ["local"]
        );
        assert_eq!(
            sources.tabs(false),
            [
                Tab::Resources,
                Tab::Containers,
                Tab::Alerts,
                Tab::Databases,
                Tab::Endpoints
            ]
        );
        // The state watches exactly these, each stale after three of its own polls.
        let state = AppState::with_sources(
            &config,
            &sources,
            Mode::Interactive,
            "h".into(),
            fixtures::now(),
        );
        let watched: Vec<_> = state
            .sources
            .iter()
            .map(|s| (s.kind, s.name.as_str(), s.tabs.as_slice(), s.every))
            .collect();
        assert_eq!(watched, listed(&sources));
        assert_eq!(state.containers.engines.len(), 1);
    }

    #[test]
    fn an_engine_gets_longer_than_the_refresh_for_its_first_poll() {
        let sources = SourceRegistry::from_config(&Config::default(), &fixtures::docker_engines());
        let timeouts: Vec<_> = sources.iter().map(|s| s.timeout).collect();
        assert_eq!(timeouts[0], Duration::from_secs(5));
        assert!(
            timeouts[1..].iter().all(|t| *t == Duration::from_secs(30)),
            "{timeouts:?}"
        );
    }

    #[test]
    fn a_message_from_a_source_not_listed_is_logged_as_an_error_and_not_kept() {
        let at = fixtures::now();
        let mut state = AppState::new(&Config::default(), &[], Mode::Interactive, "h".into(), at);
        let before = state.sources.clone();
        let text = crate::logging::tests::logged("info", || {
            let report = SourceReport {
                at,
                result: Ok(fixtures::engine_snapshot(0)),
            };
            let engine = "ghost".to_string();
            update(
                &mut state,
                Msg::Source(SourceUpdate::Docker { engine, report }),
                at,
            );
            let death = SourceDeath {
                source: SourceId::database("gone"),
                failure: SourceFailure {
                    error: "panicked".into(),
                    retry_at: at,
                },
            };
            update(&mut state, Msg::SourceDied(death), at);
        });
        assert!(
            text.contains("ERROR")
                && text.contains("a report from a source the registry does not list")
                && text.contains("source=\"docker:ghost\""),
            "{text}"
        );
        assert!(
            text.contains("a death from a source the registry does not list")
                && text.contains("source=\"db:gone\""),
            "{text}"
        );
        assert_eq!(state.sources, before);
    }

    #[test]
    fn a_source_found_at_run_time_is_watched_on_every_tab_it_feeds() {
        let at = fixtures::now();
        let mut state = AppState::new(&Config::default(), &[], Mode::Interactive, "h".into(), at);
        // As a host a Prometheus reports will join: of a kind that exists (any will do here),
        // feeding two tabs.
        let host = SourceId {
            kind: SourceKind::System,
            name: "host:web-3".into(),
        };
        let found = SourceHealth::new(host.clone(), Tab::Resources, &[Tab::Alerts], SECOND);
        assert!(state.add_source(found.clone()));
        assert!(!state.add_source(found), "added once");
        let text = crate::logging::tests::logged("info", || {
            let death = SourceDeath {
                source: host,
                failure: SourceFailure {
                    error: "connection refused".into(),
                    retry_at: at,
                },
            };
            update(&mut state, Msg::SourceDied(death), at);
        });
        assert!(!text.contains("ERROR"), "{text}");
        let health = state.source("host:web-3");
        assert_eq!(
            health.map(|h| h.tabs.as_slice()),
            Some(&[Tab::Resources, Tab::Alerts][..])
        );
        assert!(
            health.is_some_and(|h| matches!(h.status, SourceStatus::Down { .. })),
            "{health:?}"
        );
    }
}
