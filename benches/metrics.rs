//! The metric store at fleet scale: 1,000 hosts × 10 series with 10 minutes of 1 s history.
//! Times recording, lookups, selection and history, and measures the heap the store holds with a
//! counting allocator, for a realistic mix and for the worst case.
//!
//! The mix, per host (each host reports on its own clock, a few milliseconds of jitter a report):
//! - `up`: 1, never changes (a flag);
//! - `restarts_total`: a counter that changes once in the window;
//! - `errors_total`: a counter that grows by 1 to 3 about once a minute;
//! - five gauges scraped every 15 s, so a new value every 15th sample: CPU and disk percentages
//!   at f32 precision, memory in whole 4 KiB pages, load with two decimals, a byte rate at full
//!   f64 precision;
//! - two per-core CPU percentages sampled every second at f32 precision (what sysinfo reports).
//!
//! The worst case: the same series and timestamps, every value a fresh random f64 every second.
//!
//! `cargo bench --bench metrics` prints the memory figures; under `cargo test` the fleet is
//! 20 hosts, so the run is quick, and the figures are only checked for consistency.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::alloc::System;
use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use watchdeck::metrics::{Matcher, MetricStore, SeriesId};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// 10 minutes at 1 s, as `history / refresh + 1`.
const WINDOW: usize = 601;

fn live_heap_bytes() -> usize {
    let stats = HEAP.stats();
    stats.bytes_allocated - stats.bytes_deallocated
}

/// `cargo bench` passes `--bench`; `cargo test` runs each benchmark once without it.
fn hosts() -> usize {
    if std::env::args().any(|arg| arg == "--bench") {
        1_000
    } else {
        20
    }
}

/// SplitMix64, seeded, so every run stores the same values.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// Uniform in [-1, 1).
    fn signed_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

const SERIES: [(&str, &[(&str, &str)]); 10] = [
    ("host.up", &[]),
    ("host.restarts_total", &[]),
    ("host.errors_total", &[]),
    ("host.cpu.percent", &[]),
    ("host.disk.used_percent", &[("mount", "/")]),
    ("host.memory.used_bytes", &[]),
    ("host.load.1m", &[]),
    ("host.net.rx_bytes_per_second", &[("iface", "eth0")]),
    ("host.cpu.core_percent", &[("core", "0")]),
    ("host.cpu.core_percent", &[("core", "1")]),
];

/// One host's series and the state its values walk from.
struct Host {
    ids: Vec<SeriesId>,
    phase: Duration,
    restart_at: u64,
    values: [f64; 10],
}

#[derive(Clone, Copy, PartialEq)]
enum Values {
    Mix,
    Random,
}

struct Fleet {
    store: MetricStore,
    hosts: Vec<Host>,
    rng: Rng,
    second: i64,
    values: Values,
}

fn start() -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().expect("valid")
}

impl Fleet {
    fn new(hosts: usize, values: Values) -> Self {
        let mut store = MetricStore::new(WINDOW);
        let mut rng = Rng(42);
        let hosts = (0..hosts)
            .map(|host| {
                let name = format!("host-{host:04}");
                let ids = SERIES
                    .iter()
                    .map(|(series, extra)| {
                        let mut labels = vec![("host", name.as_str())];
                        labels.extend_from_slice(extra);
                        store.intern(series, &labels)
                    })
                    .collect();
                Host {
                    ids,
                    phase: Duration::milliseconds(rng.below(1000) as i64),
                    restart_at: rng.below(WINDOW as u64),
                    values: [
                        1.0,
                        rng.below(5) as f64,
                        rng.below(10_000) as f64,
                        f64::from((rng.below(100) as f32) + 0.5),
                        f64::from(40.0 + rng.below(50) as f32 / 3.0),
                        (rng.below(1 << 20) * 4096) as f64,
                        1.0 + rng.below(300) as f64 / 100.0,
                        rng.below(1 << 24) as f64 / 15.0,
                        f64::from(rng.below(100) as f32 / 7.0),
                        f64::from(rng.below(100) as f32 / 7.0),
                    ],
                }
            })
            .collect();
        Self {
            store,
            hosts,
            rng,
            second: 0,
            values,
        }
    }

    /// One report from every host.
    fn report(&mut self) {
        let second = self.second;
        self.second += 1;
        for host in &mut self.hosts {
            let jitter = Duration::nanoseconds(self.rng.below(4_000_000) as i64);
            let at = start() + Duration::seconds(second) + host.phase + jitter;
            let rng = &mut self.rng;
            if self.values == Values::Random {
                for id in &host.ids {
                    self.store
                        .record_id(*id, at, f64::from_bits(rng.next_u64()));
                }
                continue;
            }
            let v = &mut host.values;
            if second as u64 % WINDOW as u64 == host.restart_at {
                v[1] += 1.0;
            }
            if rng.below(60) == 0 {
                v[2] += (1 + rng.below(3)) as f64;
            }
            let scrape = (second + host.phase.num_milliseconds()) % 15 == 0;
            if scrape {
                let percent = |value: f64, step: f64, rng: &mut Rng| {
                    f64::from((value + step * rng.signed_unit()).clamp(0.0, 100.0) as f32)
                };
                v[3] = percent(v[3], 5.0, rng);
                v[4] = percent(v[4], 0.01, rng);
                v[5] = (v[5] + (rng.below(2001) as f64 - 1000.0) * 4096.0).max(0.0);
                v[6] = ((v[6] + 0.2 * rng.signed_unit()).max(0.0) * 100.0).round() / 100.0;
                v[7] = rng.below(1 << 24) as f64 / 15.0;
            }
            v[8] = f64::from((v[8] + 8.0 * rng.signed_unit()).clamp(0.0, 100.0) as f32);
            v[9] = f64::from((v[9] + 8.0 * rng.signed_unit()).clamp(0.0, 100.0) as f32);
            for (id, value) in host.ids.iter().zip(host.values) {
                self.store.record_id(*id, at, value);
            }
        }
    }

    fn fill(&mut self) {
        for _ in 0..WINDOW {
            self.report();
        }
    }
}

fn memory(values: Values, label: &str) {
    let hosts = hosts();
    let before = live_heap_bytes();
    let mut fleet = Fleet::new(hosts, values);
    fleet.fill();
    let Fleet {
        store,
        hosts: host_state,
        ..
    } = fleet;
    drop(host_state);
    let live = live_heap_bytes() - before;
    let accounted = store.memory_bytes();
    let samples = hosts * SERIES.len() * WINDOW;
    println!(
        "memory {label}: {} series × {WINDOW} samples: live heap {:.2} MiB ({:.2} bytes a sample), \
         memory_bytes() {:.2} MiB",
        store.len(),
        live as f64 / (1 << 20) as f64,
        live as f64 / samples as f64,
        accounted as f64 / (1 << 20) as f64,
    );
    assert_eq!(store.len(), hosts * SERIES.len());
    let ratio = accounted as f64 / live as f64;
    assert!(
        (0.9..=1.05).contains(&ratio),
        "memory_bytes() {accounted} against a live heap of {live}"
    );
    drop(store);
}

fn memory_figures(_: &mut Criterion) {
    memory(Values::Mix, "fleet mix");
    memory(Values::Random, "worst case (random f64)");
}

fn record(c: &mut Criterion) {
    let mut fleet = Fleet::new(hosts(), Values::Mix);
    fleet.fill();
    let series = fleet.hosts.len() * SERIES.len();
    c.bench_function(
        &format!("record one report of {series} series by id"),
        |b| {
            b.iter(|| fleet.report());
        },
    );

    let names: Vec<String> = (0..fleet.hosts.len())
        .map(|h| format!("host-{h:04}"))
        .collect();
    let mut second = fleet.second;
    c.bench_function(
        &format!("record one report of {series} series by name and labels"),
        |b| {
            b.iter(|| {
                let at = start() + Duration::seconds(second);
                second += 1;
                for name in &names {
                    for (series, extra) in SERIES {
                        let mut labels = [("host", name.as_str()), ("", "")];
                        let labels = match extra.first() {
                            Some(pair) => {
                                labels[1] = *pair;
                                &labels[..]
                            }
                            None => &labels[..1],
                        };
                        fleet.store.record_series(series, labels, at, 1.0);
                    }
                }
            });
        },
    );
}

fn queries(c: &mut Criterion) {
    let mut fleet = Fleet::new(hosts(), Values::Mix);
    fleet.fill();
    let store = &fleet.store;
    let last = format!("host-{:04}", fleet.hosts.len() - 1);
    let allocations = HEAP.stats().allocations;
    let id = store.series_id(
        "host.net.rx_bytes_per_second",
        &[("iface", "eth0"), ("host", last.as_str())],
    );
    let selected = store
        .select("host.up", &[Matcher::Glob("host", "host-*")])
        .count();
    assert_eq!(
        HEAP.stats().allocations,
        allocations,
        "lookups and selection allocate nothing"
    );
    assert!(id.is_some());
    assert_eq!(selected, fleet.hosts.len());
    c.bench_function("lookup by name and labels", |b| {
        b.iter(|| {
            store.series_id(
                black_box("host.net.rx_bytes_per_second"),
                black_box(&[("iface", "eth0"), ("host", last.as_str())]),
            )
        });
    });
    let hosts = fleet.hosts.len();
    c.bench_function(&format!("select one name across {hosts} hosts"), |b| {
        b.iter(|| {
            store
                .select(black_box("host.cpu.percent"), &[])
                .filter_map(|id| store.latest_id(id))
                .sum::<f64>()
        });
    });
    c.bench_function(
        &format!("select one name across {hosts} hosts by glob"),
        |b| {
            b.iter(|| {
                store
                    .select(
                        black_box("host.cpu.core_percent"),
                        &[Matcher::Glob("host", "host-00*"), Matcher::Eq("core", "1")],
                    )
                    .count()
            });
        },
    );
    let id = store
        .series_id(
            "host.cpu.core_percent",
            &[("host", "host-0000"), ("core", "0")],
        )
        .expect("the series");
    c.bench_function(&format!("history of one series ({WINDOW} samples)"), |b| {
        b.iter(|| {
            store
                .history_id(black_box(id))
                .map(|s| s.value)
                .sum::<f64>()
        });
    });
}

criterion_group!(benches, memory_figures, record, queries);
criterion_main!(benches);
