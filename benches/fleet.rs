//! What 1,000 hosts behind a Prometheus cost the console's one thread, which also reads keys:
//! this host's sample each second, a Prometheus answer every poll, and a frame of the host list.
//! `scripts/perf-fleet.sh` measures the same with a real Prometheus (keys p99 while polls run).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::{Duration, FixedOffset};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use watchdeck::config::{Keymap, Theme};
use watchdeck::fixtures;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::screen;
use watchdeck::ui::RenderCtx;
use watchdeck::update::update;

const HOSTS: usize = 1000;

/// Each iteration is the next second: the state goes on as the console's does.
fn local_sample_beside_the_fleet(c: &mut Criterion) {
    let mut state = fixtures::large_fleet_state(HOSTS, 60);
    let mut second = 0;
    c.bench_function("update with this host's sample beside 1,000 hosts", |b| {
        b.iter(|| {
            second += 1;
            let mut snapshot = fixtures::resources_snapshot();
            snapshot.at = fixtures::now() + Duration::seconds(second);
            let at = snapshot.at;
            let report = SourceReport {
                at,
                result: Ok(snapshot),
            };
            update(&mut state, Msg::Source(SourceUpdate::System(report)), at);
        });
    });
}

/// Each iteration is the next poll, 15 s on.
fn prometheus_answer(c: &mut Criterion) {
    let mut state = fixtures::large_fleet_state(HOSTS, 60);
    let answers: Vec<_> = (0..4)
        .map(|i| fixtures::large_fleet_snapshot(HOSTS, i * 15))
        .collect();
    let mut poll = 0;
    c.bench_function("update with a Prometheus answer of 1,000 hosts", |b| {
        b.iter_batched(
            || {
                poll += 1;
                (answers[poll % answers.len()].clone(), poll)
            },
            |(snapshot, poll)| {
                let at = fixtures::now() + Duration::seconds(15 * poll as i64);
                fixtures::fleet_answered(&mut state, snapshot, at);
            },
            criterion::BatchSize::LargeInput,
        );
    });
}

fn render_host_list(c: &mut Criterion) {
    let state = fixtures::large_fleet_state(HOSTS, 60);
    let theme = Theme::load("default", None).expect("theme");
    let keymap = Keymap::load("default", None).expect("keymap");
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: fixtures::now(),
        offset: FixedOffset::east_opt(0).expect("utc"),
    };
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    c.bench_function("render resources with 1,000 hosts 200x50", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| {
                    screen::draw(frame, black_box(&state), &ctx);
                })
                .expect("draw");
        });
    });
}

criterion_group!(
    benches,
    local_sample_beside_the_fleet,
    prometheus_answer,
    render_host_list
);
criterion_main!(benches);
