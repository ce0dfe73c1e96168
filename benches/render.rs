//! Rendering cost of the Resources and Endpoints tabs, and of folding one host sample into the
//! state.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::FixedOffset;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use watchdeck::config::{Keymap, Theme};
use watchdeck::fixtures;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::state::Mode;
use watchdeck::ui::{self, RenderCtx};
use watchdeck::update::update;

fn render_tabs(c: &mut Criterion) {
    let tabs = [
        ("resources", fixtures::app_state(Mode::Interactive)),
        (
            "endpoints",
            fixtures::endpoints_app_state(Mode::Interactive),
        ),
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
                        .draw(|frame| ui::draw(frame, black_box(state), &ctx))
                        .expect("draw");
                });
            });
        }
    }
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

criterion_group!(benches, render_tabs, apply_sample);
criterion_main!(benches);
