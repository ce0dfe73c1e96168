//! Rendering cost of the Resources and Endpoints tabs (the Endpoints tab also with the 500
//! endpoints of `scripts/perf-endpoints.sh`) and of a container's log view with a full buffer
//! (with and without a search), and of folding one host sample, or one second of those
//! endpoints' polls, into the state.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::FixedOffset;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::config::{Keymap, Theme};
use watchdeck::fixtures;
use watchdeck::model::containers::LogEvent;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::screen;
use watchdeck::state::AppState;
use watchdeck::ui::RenderCtx;
use watchdeck::update::update;

fn render_tabs(c: &mut Criterion) {
    let tabs = [
        ("resources", fixtures::app_state(Mode::Interactive)),
        (
            "endpoints",
            fixtures::endpoints_app_state(Mode::Interactive),
        ),
        ("endpoints 500", fixtures::endpoint_fleet_app_state(500)),
        ("logs full", full_log_view("")),
        ("logs full searched", full_log_view("timed")),
    ];
    let theme = Theme::load("default", None).expect("theme");
    let keymap = Keymap::load("default", None).expect("keymap");
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: fixtures::now(),
        offset: FixedOffset::east_opt(0).expect("utc"),
    };
    for (tab, state) in &tabs {
        for (width, height) in [(200, 50), (80, 24)] {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
            c.bench_function(&format!("render {tab} {width}x{height}"), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| {
                            screen::draw(frame, black_box(state), &ctx);
                        })
                        .expect("draw");
                });
            });
        }
    }
}

/// The containers tab with a log view whose buffer is full of the fixture's lines (a fifth of
/// them JSON), searched for `search` if not empty.
fn full_log_view(search: &str) -> AppState {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    update(&mut state, Msg::Action(Action::OpenLogs), fixtures::now());
    let key = state.containers.logs.as_ref().expect("open").key.clone();
    let event = LogEvent::Lines(fixtures::log_lines(state.log_buffer));
    update(&mut state, Msg::LogEvent { key, event }, fixtures::now());
    if !search.is_empty() {
        update(&mut state, Msg::Action(Action::Filter), fixtures::now());
        for c in search.chars() {
            update(
                &mut state,
                Msg::FilterEdit(FilterEdit::Insert(c)),
                fixtures::now(),
            );
        }
        update(
            &mut state,
            Msg::FilterEdit(FilterEdit::Apply),
            fixtures::now(),
        );
    }
    state
}

fn apply_sample(c: &mut Criterion) {
    let state = fixtures::app_state(Mode::Interactive);
    let snapshot = fixtures::resources_snapshot();
    c.bench_function("update with one host sample", |b| {
        b.iter_batched(
            || (state.clone(), snapshot.clone()),
            |(mut state, snapshot)| {
                let report = SourceReport {
                    at: snapshot.at,
                    result: Ok(snapshot),
                };
                update(
                    &mut state,
                    Msg::Source(SourceUpdate::System(report)),
                    fixtures::now(),
                );
                state
            },
            criterion::BatchSize::LargeInput,
        );
    });
}

/// One second of `scripts/perf-endpoints.sh` in the app: a batch of 50 polls of 500 endpoints
/// folded in, their series recorded and the rules evaluated. The state goes on from batch to
/// batch, as the console's does.
fn apply_endpoint_batch(c: &mut Criterion) {
    let config = fixtures::endpoint_fleet_config(500);
    let mut state = fixtures::endpoint_fleet_app_state(500);
    let batches: Vec<_> = (0..10)
        .map(|second| fixtures::endpoint_fleet_batch(&config, second))
        .collect();
    let mut second = 0;
    c.bench_function("update with one batch of 50 of 500 endpoints", |b| {
        b.iter(|| {
            second += 1;
            let at = fixtures::now() + chrono::Duration::seconds(second);
            let mut batch = batches[(second % 10) as usize].clone();
            for result in &mut batch.results {
                result.started = at;
            }
            let report = SourceReport {
                at,
                result: Ok(batch),
            };
            update(&mut state, Msg::Source(SourceUpdate::Endpoints(report)), at);
        });
    });
}

criterion_group!(benches, render_tabs, apply_sample, apply_endpoint_batch);
criterion_main!(benches);
