//! Alerts: rules over the metric store, evaluated by a pure engine.

pub mod engine;
pub mod rule;
