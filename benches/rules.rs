//! One evaluation of the rule engine at fleet size: 10,000 rules over 10,000 series (1,000 hosts
//! × 10 series), each rule watching one host's series as a per-host rule file would, a tenth of
//! them true. Target: under 5 ms on the project's machine. Under `cargo test` it runs on 20 hosts.
//! As in the console, the rule index is kept from the evaluation before; the second bench builds
//! it again each time.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the benchmark failing

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use watchdeck::alerts::engine::{Alerts, RuleIndex, RuleSet, evaluate};
use watchdeck::alerts::rule::{Condition, Priority, Rule};
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

criterion_group!(benches, evaluate_fleet);
criterion_main!(benches);
