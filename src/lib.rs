//! watchdeck: a terminal ops console. See `docs/architecture.md` for how the parts fit.

pub mod action;
pub mod alert_timeline;
pub mod alerts;
pub mod app;
pub mod check;
pub mod cli;
pub mod collect;
pub mod command;
pub mod config;
pub mod duration;
pub mod effect;
pub mod findings;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod http;
pub mod input;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod msg;
pub mod persist;
pub mod redact;
pub mod reduce;
pub mod runbook;
pub mod screen;
pub mod secret;
pub mod sources;
pub mod state;
pub mod tab;
pub mod tabs;
pub mod tls;
pub mod tui;
pub mod ui;
pub mod update;
pub mod words;
