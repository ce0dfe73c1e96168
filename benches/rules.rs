//! One evaluation of the rule engine at fleet size: 10,000 rules over 10,000 series (1,000 hosts
//! × 10 series), each rule watching one host's series as a per-host rule file would, a tenth of
//! them true. Target: under 5 ms on the project's machine. Under `cargo test` it runs on 20 hosts.
//! As in the console, the rule index is kept from the evaluation before; the second bench builds
//! it again each time. The third is the console's own size: the shipped rules over a host, 20
//! containers and 10 endpoints, evaluated after every report.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the benchmark failing

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use watchdeck::alerts::engine::{Alerts, RuleIndex, RuleSet, evaluate};
use watchdeck::alerts::rule::{Condition, Priority, Rule};
use watchdeck::config::Config;
use watchdeck::metrics::MetricStore;

const SERIES: [&str; 10] = [
    "system_cpu_percent",
    "system_memory_used_percent",
    "system_swap_used_percent",
    "system_disk_used_percent",
    "system_load_1m",
    "system_load_5m",
    "system_load_15m",
    "system_net_rx_bytes_per_second",
    "system_net_tx_bytes_per_second",
    "source_up",
];

fn at(second: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + second, 0)
        .single()
        .unwrap()
}

fn fleet(hosts: usize) -> (MetricStore, RuleSet) {
    let mut store = MetricStore::new(601);
    let mut rules = Vec::new();
    for host in 0..hosts {
        let name = format!("host-{host:04}");
        for (i, series) in SERIES.iter().enumerate() {
            // Every tenth host runs hot on every series.
            let value = if host % 10 == 0 {
                99.0
            } else {
                10.0 + i as f64
            };
            store.record_series(series, &[("host", &name)], at(0), value);
            rules.push(Rule {
                name: format!("{series}_high_{name}"),
                condition: Condition::parse(&format!("{series}{{host=\"{name}\"}} > 90"))
                    .expect("rule"),
                hold: Duration::from_secs(60),
                keep_firing_for: Duration::ZERO,
                priority: Priority::P2,
                summary: "{{ $labels.host }} at {{ $value }}".into(),
                runbook: None,
                escalate_after: Priority::P2.escalate_after(),
            });
        }
    }
    (store, RuleSet::new(rules))
}

fn evaluate_fleet(c: &mut Criterion) {
    // `cargo bench` passes `--bench`; `cargo test` runs each benchmark once without it.
    let hosts = if std::env::args().any(|arg| arg == "--bench") {
        1_000
    } else {
        20
    };
    let (store, rules) = fleet(hosts);
    let mut index = RuleIndex::default();
    let (previous, transitions) = evaluate(&rules, &mut index, &store, &Alerts::new(), at(0));
    assert_eq!(previous.len(), hosts.div_ceil(10) * SERIES.len());
    assert_eq!(
        transitions.len(),
        previous.len(),
        "each hot series is pending"
    );
    let name = format!(
        "evaluate {} rules over {} series",
        rules.len(),
        hosts * SERIES.len()
    );
    c.bench_function(&name, |b| {
        b.iter(|| {
            evaluate(
                black_box(&rules),
                &mut index,
                black_box(&store),
                &previous,
                at(30),
            )
        })
    });
    // One series more: evaluating this store and the other in turn builds the index each time,
    // as the first evaluation after a series comes or goes does.
    let mut grown = store.clone();
    grown.record_series(SERIES[0], &[("host", "host-new")], at(0), 1.0);
    let stores = [&store, &grown];
    let mut turn = 0;
    c.bench_function(&format!("{name}, a series came or went"), |b| {
        b.iter(|| {
            turn = 1 - turn;
            evaluate(
                black_box(&rules),
                &mut index,
                black_box(stores[turn]),
                &previous,
                at(30),
            )
        })
    });
}

/// The series of a host, its containers and endpoints, one container restarting.
fn console() -> MetricStore {
    let mut store = MetricStore::new(601);
    let mut record = |name: &str, labels: &[(&str, &str)], value| {
        store.record_series(name, labels, at(0), value);
    };
    for name in [
        "system_cpu_percent",
        "system_memory_used_percent",
        "system_swap_used_percent",
        "system_load_1m",
        "system_load_5m",
        "system_load_15m",
    ] {
        record(name, &[], 12.5);
    }
    for core in ["0", "1"] {
        record("system_cpu_core_percent", &[("core", core)], 12.5);
    }
    for mount in ["/", "/boot", "/var"] {
        record("system_disk_used_percent", &[("mount", mount)], 41.0);
    }
    for source in ["system", "docker:local", "endpoints"] {
        record("source_up", &[("source", source)], 1.0);
    }
    for i in 0..20 {
        let container = format!("app-{i}");
        let labels = [("engine", "local"), ("container", container.as_str())];
        let restarts = if i == 0 { 5.0 } else { 0.0 };
        for (name, value) in [
            ("container_up", 1.0),
            ("container_unhealthy", 0.0),
            ("container_restart_count", restarts),
            ("container_restarts_10m", restarts),
            ("container_exit_code", 0.0),
            ("container_cpu_percent", 3.5),
            ("container_memory_used_percent", 20.0),
        ] {
            record(name, &labels, value);
        }
    }
    for i in 0..10 {
        let endpoint = format!("api-{i}");
        let labels = [("endpoint", endpoint.as_str()), ("group", "web")];
        for (name, value) in [
            ("endpoint_up", 1.0),
            ("endpoint_availability_percent", 100.0),
            ("endpoint_error_rate_percent", 0.0),
            ("endpoint_consecutive_failures", 0.0),
            ("endpoint_cert_days_left", 60.0),
        ] {
            record(name, &labels, value);
        }
        for quantile in ["0.5", "0.9", "0.99", "last"] {
            let labels = [labels[0], labels[1], ("quantile", quantile)];
            record("endpoint_latency_seconds", &labels, 0.02);
        }
    }
    store
}

fn evaluate_console(c: &mut Criterion) {
    let rules = RuleSet::new(Config::default().alert_rules());
    let store = console();
    let mut index = RuleIndex::default();
    let (previous, _) = evaluate(&rules, &mut index, &store, &Alerts::new(), at(0));
    assert_eq!(previous.len(), 1, "the restarting container");
    let name = format!(
        "evaluate the {} shipped rules over {} series",
        rules.len(),
        store.len()
    );
    c.bench_function(&name, |b| {
        b.iter(|| {
            evaluate(
                black_box(&rules),
                &mut index,
                black_box(&store),
                &previous,
                at(30),
            )
        })
    });
}

criterion_group!(benches, evaluate_fleet, evaluate_console);
criterion_main!(benches);
