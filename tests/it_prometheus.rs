//! The Prometheus source against the real Prometheus of the test services
//! (`WATCHDECK_TEST_PROMETHEUS_URL`: it scrapes the test node_exporter as job `node` and itself,
//! and its always-firing rule `AlwaysFiring` reaches the test Alertmanager), and against an
//! address where nothing answers.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // this file reads screens, not footers
mod render_support;
mod support;

use chrono::{DateTime, Utc};
use watchdeck::alerts::engine::{AlertState, Origin};
use watchdeck::collect::Collector;
use watchdeck::collect::alertmanager::AlertmanagerSource;
use watchdeck::collect::prometheus::PrometheusSource;
use watchdeck::command::Mode;
use watchdeck::config::Config;
use watchdeck::metrics::SeriesKey;
use watchdeck::model::prometheus::PrometheusSnapshot;
use watchdeck::model::resources::HostKey;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::state::source::SourceStatus;
use watchdeck::tabs::resources::record::HostSeries;
use watchdeck::update::update;

/// The configured name of the test Prometheus in these tests.
const NAME: &str = "it";
/// The test node_exporter's instance is `127.0.0.1:PORT`: its host is the address alone.
const NODE_HOST: &str = "127.0.0.1";

fn prometheus_url() -> Option<String> {
    support::services::service("WATCHDECK_TEST_PROMETHEUS_URL")
}

fn config(url: &str, extra: &str) -> Config {
    let text = format!("[[prometheus]]\nname = \"{NAME}\"\nurl = \"{url}\"\n{extra}\n");
    Config::parse("test.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

async fn poll(config: &Config) -> Result<PrometheusSnapshot, String> {
    PrometheusSource::new(&config.prometheus[0])
        .poll()
        .await
        .map_err(|e| e.message)
}

fn state_of(config: &Config, at: DateTime<Utc>) -> AppState {
    AppState::new(config, &[], Mode::Interactive, "console".into(), at)
}

fn report(state: &mut AppState, snapshot: PrometheusSnapshot, at: DateTime<Utc>) {
    let report = SourceReport {
        at,
        result: Ok(snapshot),
    };
    let name = NAME.to_string();
    update(
        state,
        Msg::Source(SourceUpdate::Prometheus { name, report }),
        at,
    );
}

#[tokio::test]
async fn every_node_exporter_target_is_a_host_with_the_local_host_s_measures() {
    let Some(url) = prometheus_url() else { return };
    let config = config(&url, "");
    let snapshot = poll(&config).await.unwrap();
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    // The default selector finds job `node`, not Prometheus scraping itself.
    let [host] = snapshot.hosts.as_slice() else {
        panic!("{:?}", snapshot.hosts);
    };
    assert_eq!(host.host.as_str(), NODE_HOST);
    assert!(host.instance.starts_with("127.0.0.1:"), "{}", host.instance);
    assert_eq!(host.up, Some(true));
    let cpu = host.cpu_percent.expect("cpu");
    assert!((0.0..=100.0).contains(&cpu), "{cpu}");
    assert!(host.cores.is_some_and(|c| c >= 1), "{:?}", host.cores);
    assert!(host.load.is_some() && host.load_per_core().is_some());
    let memory = host.memory.expect("memory");
    assert!(
        memory.total > 0 && memory.used <= memory.total,
        "{memory:?}"
    );
    assert!(host.swap.is_some());
    assert!(
        host.disks
            .iter()
            .any(|d| d.mount == "/" && d.space.total > 0),
        "{:?}",
        host.disks
    );
    assert!(host.fullest_disk_percent().is_some());
    assert!(host.uptime_seconds.is_some_and(|s| s > 0));
    assert!(host.networks.iter().all(|n| n.iface != "lo"));

    // Its series are the local host's, labelled with its name.
    let at = Utc::now();
    let mut state = state_of(&config, at);
    report(&mut state, snapshot, at);
    let key = HostKey::new(NODE_HOST);
    let latest = |series: SeriesKey| state.metrics.latest(&series);
    assert_eq!(latest(HostSeries::up(&key)), Some(1.0));
    assert_eq!(latest(HostSeries::cpu_percent(&key)), Some(cpu));
    assert_eq!(
        latest(HostSeries::memory_used_percent(&key)),
        Some(memory.percent())
    );
    assert!(latest(HostSeries::disk_used_percent(&key, "/")).is_some());
    // The local host is one host among others now: alerts name theirs.
    assert!(state.resources.implicit_host().is_none());
    // The host list: this host and the target, one row each.
    let row = state.fleet.row(&key).expect("a row for the target");
    assert_eq!(
        (row.local, row.up, row.cpu_percent, row.memory_percent),
        (false, Some(true), Some(cpu), Some(memory.percent()))
    );
    assert!(row.disk_percent.is_some() && row.load_per_core.is_some() && row.net.is_some());
    let listed: Vec<&str> = state.fleet.list.rows.iter().map(HostKey::as_str).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&"console") && listed.contains(&NODE_HOST));
    assert_eq!(
        state
            .source("prom:it")
            .map(|s| matches!(s.status, SourceStatus::Ok { .. })),
        Some(true)
    );
}

#[tokio::test]
async fn a_shipped_rule_judges_a_remote_host_under_its_own_name() {
    let Some(url) = prometheus_url() else { return };
    // The shipped CPU rule, replaced by one every host breaks at once.
    let config = config(
        &url,
        "[[rule]]\nname = \"HighCPUUsage\"\nexpr = \"system_cpu_percent > -1\"\nseverity = \"P2\"\n",
    );
    let snapshot = poll(&config).await.unwrap();
    let at = Utc::now();
    let mut state = state_of(&config, at);
    report(&mut state, snapshot, at);
    let firing: Vec<_> = state
        .alerts
        .alerts
        .values()
        .filter(|a| a.key.rule == "HighCPUUsage" && a.state == AlertState::Firing)
        .map(|a| a.key.label("host").unwrap_or_default().to_string())
        .collect();
    assert_eq!(firing, [NODE_HOST], "{:?}", state.alerts.alerts);
}

#[tokio::test]
async fn an_imported_series_is_stored_with_its_labels_and_drives_a_user_rule() {
    let Some(url) = prometheus_url() else { return };
    let config = config(
        &url,
        "[[prometheus.import]]\nname = \"scraped_samples\"\n\
         query = 'sum by (job) (scrape_samples_scraped)'\n\
         [[rule]]\nname = \"ManySamples\"\nexpr = 'scraped_samples{job=\"node\"} > 0'\n\
         severity = \"P3\"\nsummary = \"{{ $labels.job }} scraped {{ $value }} samples\"\n",
    );
    // The rule names a series only the import publishes: the config check knows it.
    let published = watchdeck::tabs::published_series();
    config
        .check_series("test.toml", "", &published)
        .unwrap_or_else(|e| panic!("{e}"));
    let snapshot = poll(&config).await.unwrap();
    let jobs: Vec<&str> = snapshot
        .imported
        .iter()
        .filter(|s| s.name == "scraped_samples")
        .flat_map(|s| s.labels.iter().filter(|(k, _)| k == "job"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(
        jobs.contains(&"node") && jobs.contains(&"prometheus"),
        "{jobs:?}"
    );
    let at = Utc::now();
    let mut state = state_of(&config, at);
    report(&mut state, snapshot, at);
    let node = SeriesKey::new("scraped_samples").with_label("job", "node");
    assert!(state.metrics.latest(&node).is_some_and(|v| v > 0.0));
    let alert = state
        .alerts
        .alerts
        .values()
        .find(|a| a.key.rule == "ManySamples")
        .expect("ManySamples fires");
    assert_eq!(alert.state, AlertState::Firing);
    assert_eq!(alert.key.labels, [("job".to_string(), "node".to_string())]);
}

#[tokio::test]
async fn prometheus_s_alert_is_listed_once_beside_the_same_alert_from_alertmanager() {
    let Some(url) = prometheus_url() else { return };
    let Some(alertmanager) = support::services::service("WATCHDECK_TEST_ALERTMANAGER_URL") else {
        return;
    };
    let config = config(
        &url,
        &format!("[[alertmanager]]\nname = \"am\"\nurl = \"{alertmanager}\"\n"),
    );
    let prometheus = poll(&config).await.unwrap();
    assert!(
        prometheus
            .alerts
            .iter()
            .any(|a| a.labels.get("alertname").map(String::as_str) == Some("AlwaysFiring")),
        "{:?}",
        prometheus.alerts
    );
    let managed = AlertmanagerSource::new(&config.alertmanager[0])
        .poll()
        .await
        .unwrap();
    let listed = |state: &AppState| -> Vec<Origin> {
        state
            .alerts
            .external
            .keys()
            .filter(|k| k.rule == "AlwaysFiring")
            .map(|k| k.origin.clone())
            .collect()
    };
    let at = Utc::now();
    // Alone, Prometheus's alert is listed as its own.
    let mut state = state_of(&config, at);
    report(&mut state, prometheus.clone(), at);
    assert_eq!(listed(&state), [Origin::Prometheus(NAME.into())]);
    // With the Alertmanager's, in either order, once: the Alertmanager's.
    let alertmanager_report = |state: &mut AppState| {
        let report = SourceReport {
            at,
            result: Ok(managed.clone()),
        };
        let name = "am".to_string();
        update(
            state,
            Msg::Source(SourceUpdate::Alertmanager { name, report }),
            at,
        );
    };
    alertmanager_report(&mut state);
    assert_eq!(listed(&state), [Origin::Alertmanager("am".into())]);
    let mut state = state_of(&config, at);
    alertmanager_report(&mut state);
    report(&mut state, prometheus, at);
    assert_eq!(listed(&state), [Origin::Alertmanager("am".into())]);
}

#[tokio::test]
async fn an_unreachable_prometheus_is_a_down_source_within_its_timeout() {
    // Nothing listens on port 1 of loopback.
    let config = config("http://127.0.0.1:1", "timeout = \"2s\"");
    let started = std::time::Instant::now();
    let error = poll(&config).await.expect_err("nothing answers");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(error.contains("127.0.0.1:1"), "{error}");
    let at = Utc::now();
    let mut state = state_of(&config, at);
    let report = SourceReport {
        at,
        result: Err(watchdeck::model::source::SourceFailure {
            error: error.clone(),
            retry_at: at,
        }),
    };
    let name = NAME.to_string();
    update(
        &mut state,
        Msg::Source(SourceUpdate::Prometheus { name, report }),
        at,
    );
    let health = state.source("prom:it").expect("listed");
    assert!(
        matches!(&health.status, SourceStatus::Down { error: e, .. } if *e == error),
        "{health:?}"
    );
}

#[test]
fn check_reports_every_host_the_imported_series_rules_and_prometheus_s_alerts() {
    let Some(url) = prometheus_url() else { return };
    let env = support::TestEnv::new();
    let config = env.write(
        "fleet.toml",
        &format!(
            "[containers]\nlocal = false\n\
             [[prometheus]]\nname = \"{NAME}\"\nurl = \"{url}\"\n\
             [[prometheus.import]]\nname = \"scraped_samples\"\n\
             query = 'sum by (job) (scrape_samples_scraped)'\n\
             [[rule]]\nname = \"ManySamples\"\nexpr = 'scraped_samples{{job=\"node\"}} > 0'\n\
             severity = \"P3\"\nsummary = \"{{{{ $labels.job }}}} scraped {{{{ $value }}}} samples\"\n\
             [[rule]]\nname = \"HighCPUUsage\"\nexpr = \"system_cpu_percent > -1\"\n\
             severity = \"P2\"\nsummary = \"CPU {{{{ $value }}}}% busy\"\n"
        ),
    );
    let run = env.run([
        "--config".as_ref(),
        config.as_os_str(),
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\n{}", run.stdout, run.stderr));
    let hosts = value["hosts"].as_array().expect("hosts");
    assert!(
        hosts.iter().any(|h| h["name"] == NODE_HOST
            && h["source"] == "prom:it"
            && h["up"] == true
            && h["cpu_percent"].is_number()),
        "{value:#}"
    );
    let alerts = value["alerts"].as_array().expect("alerts");
    assert!(
        alerts
            .iter()
            .any(|a| a["rule"] == "ManySamples" && a["labels"]["job"] == "node"),
        "{value:#}"
    );
    assert!(
        alerts
            .iter()
            .any(|a| a["rule"] == "AlwaysFiring" && a["prometheus"] == NAME),
        "{value:#}"
    );
    let sources = value["sources"].as_array().expect("sources");
    assert!(
        sources
            .iter()
            .any(|s| s["name"] == "prom:it" && s["ok"] == true),
        "{value:#}"
    );
    // Among several hosts, a host's finding names it, and the Prometheus it comes from.
    let findings = value["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["source"] == "prom:it"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("P2 HighCPUUsage on 127.0.0.1: CPU "))),
        "{value:#}"
    );
    // The text report has a line per host.
    let text = env.run([
        "--config".as_ref(),
        config.as_os_str(),
        "check".as_ref(),
        "--format".as_ref(),
        "text".as_ref(),
    ]);
    assert!(
        text.stdout.lines().any(|l| l.contains("prom:it")
            && l.contains("host 127.0.0.1 (127.0.0.1:")
            && l.contains(": up, cpu ")),
        "{}",
        text.stdout
    );
    // A monitoring plugin graphs every host's figures under its name, with the thresholds of the
    // rules in force: the user's HighCPUUsage above, the shipped CriticalCPUUsage.
    let plugin = env.run([
        "--config".as_ref(),
        config.as_os_str(),
        "check".as_ref(),
        "--format".as_ref(),
        "plugin".as_ref(),
    ]);
    assert!(
        plugin
            .stdout
            .lines()
            .any(|l| l.starts_with("'cpu 127.0.0.1'=") && l.ends_with("%;-1;95;0;100")),
        "{}",
        plugin.stdout
    );
}

#[tokio::test]
async fn a_selected_host_s_history_comes_from_range_queries_for_it_alone() {
    let Some(url) = prometheus_url() else { return };
    let config = config(&url, "");
    let snapshot = poll(&config).await.unwrap();
    let host = &snapshot.hosts[0];
    let history = watchdeck::collect::prometheus::host_history(
        &config.prometheus[0],
        &host.instance,
        host.host.clone(),
        Utc::now(),
        std::time::Duration::from_secs(600),
    )
    .await
    .unwrap();
    use watchdeck::model::prometheus::HostMeasure;
    let points = |measure: &HostMeasure| {
        history
            .series
            .iter()
            .filter(|(m, _)| m == measure)
            .map(|(_, p)| p.len())
            .sum::<usize>()
    };
    assert!(points(&HostMeasure::Cpu) > 1, "{history:?}");
    assert!(points(&HostMeasure::Memory) > 1, "{history:?}");
    assert!(points(&HostMeasure::Disk("/".into())) > 1, "{history:?}");
    assert!(
        history
            .series
            .iter()
            .any(|(m, p)| matches!(m, HostMeasure::NetRx(_)) && !p.is_empty()),
        "{history:?}"
    );
    // Each core of the target, as the host list counts them, with its busy percent.
    let cores = host.cores.expect("cores") as usize;
    let per_core: Vec<&str> = history
        .series
        .iter()
        .filter_map(|(m, p)| match m {
            HostMeasure::CpuCore(cpu) if p.len() > 1 => Some(cpu.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(per_core.len(), cores, "{history:?}");
    let (busy, newest) = history.newest_per_core();
    assert_eq!(busy.len(), cores);
    assert!(busy.iter().all(|b| (0.0..=100.0).contains(b)), "{busy:?}");
    assert!(newest.is_some());
    // The same through the console: selected, fetched, kept for its panels.
    let at = Utc::now();
    let mut state = state_of(&config, at);
    report(&mut state, snapshot, at);
    // This host has no sample here, so the target ranks above it.
    let effects = update(
        &mut state,
        Msg::Action(watchdeck::action::Action::PrevHost),
        at,
    );
    assert!(
        matches!(effects.as_slice(), [watchdeck::effect::Effect::FetchHostHistory { instance, .. }] if instance.starts_with("127.0.0.1:")),
        "{effects:?}"
    );
    let key = HostKey::new(NODE_HOST);
    update(
        &mut state,
        Msg::HostHistory {
            host: key.clone(),
            result: Ok(history),
        },
        at,
    );
    assert!(
        state
            .fleet
            .fetched(&HostSeries::cpu_percent(&key))
            .is_some_and(|s| s.len() > 1)
    );
    // Its panels show a bar per core.
    let shown = state.fleet.history.as_ref().map(|h| h.cores.len());
    assert_eq!(shown, Some(cores));
}

/// A Prometheus of the test's own, scraping the test node_exporter, that the test stops and starts.
struct OwnPrometheus {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnPrometheus {
    fn new(node_exporter: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let target = node_exporter.trim_start_matches("http://");
        std::fs::write(
            dir.path().join("prometheus.yml"),
            format!(
                "global: {{scrape_interval: 1s}}\nscrape_configs:\n  \
                 - {{job_name: node, static_configs: [{{targets: ['{target}']}}]}}\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut own = Self {
            dir,
            port,
            child: None,
        };
        own.start();
        own
    }

    fn start(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::File::create(dir.join("log")).unwrap();
        self.child = Some(
            std::process::Command::new("prometheus")
                .arg(format!(
                    "--config.file={}",
                    dir.join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("prometheus, from Debian's package (scripts/services-up.sh)"),
        );
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = std::process::Command::new("kill")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnPrometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls until the answer has the node_exporter's host, or fails after 60 s.
async fn until_host_listed(source: &mut PrometheusSource) -> PrometheusSnapshot {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match source.poll().await {
            Ok(snapshot) if snapshot.hosts.iter().any(|h| h.up == Some(true)) => return snapshot,
            other => assert!(
                std::time::Instant::now() < deadline,
                "Prometheus never listed the host: {:?}",
                other.map(|s| s.hosts).map_err(|e| e.message)
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_prometheus_stopped_and_started_again_is_down_then_read_again() {
    let Some(node) = support::services::service("WATCHDECK_TEST_NODE_EXPORTER_URL") else {
        return;
    };
    let mut own = OwnPrometheus::new(&node);
    let config = config(&own.url(), "timeout = \"2s\"");
    // One source for the whole test, as the console keeps one: its kept connection must not
    // outlive the server it was made to.
    let mut source = PrometheusSource::new(&config.prometheus[0]);
    let at = Utc::now();
    let mut state = state_of(&config, at);
    let status = |state: &AppState| state.source("prom:it").expect("listed").status.clone();

    let first = until_host_listed(&mut source).await;
    report(&mut state, first, at);
    assert!(
        matches!(status(&state), SourceStatus::Ok { .. }),
        "{:?}",
        status(&state)
    );

    own.stop();
    let failure = source.poll().await.expect_err("the server is stopped");
    let later = at + chrono::Duration::seconds(15);
    update(
        &mut state,
        Msg::Source(SourceUpdate::Prometheus {
            name: NAME.into(),
            report: SourceReport {
                at: later,
                result: Err(watchdeck::model::source::SourceFailure {
                    error: failure.message,
                    retry_at: later,
                }),
            },
        }),
        later,
    );
    assert!(
        matches!(status(&state), SourceStatus::Down { .. }),
        "{:?}",
        status(&state)
    );
    // The hosts it reported stay listed, marked by the source's state rather than dropped.
    assert!(
        state
            .fleet
            .hosts()
            .any(|(_, host)| host.host.as_str() == NODE_HOST)
    );
    // The Alerts tab says its alerts are as it last listed them (it has no rules: none).
    update(
        &mut state,
        Msg::ClickTab(watchdeck::tab::Tab::Alerts),
        later,
    );
    let alerts_tab = |state: &AppState| render_support::text(&render_support::draw(state, 200, 50));
    let screen = alerts_tab(&state);
    let banner = screen
        .lines()
        .find(|l| l.contains("✖ Prometheus it unavailable"))
        .unwrap_or_else(|| panic!("no banner: {screen}"));
    assert!(
        banner.contains(&format!("127.0.0.1:{}", own.port))
            && banner.contains("showing its 0 alerts from")
            && banner.contains("retry in"),
        "{banner}"
    );

    own.start();
    let again = until_host_listed(&mut source).await;
    let last = later + chrono::Duration::seconds(15);
    report(&mut state, again, last);
    assert!(
        matches!(status(&state), SourceStatus::Ok { .. }),
        "{:?}",
        status(&state)
    );
    let screen = alerts_tab(&state);
    assert!(!screen.contains("Prometheus it unavailable"), "{screen}");
}
