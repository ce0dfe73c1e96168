//! Alerts: rules over the metric store, evaluated by a pure engine.

pub mod alertmanager;
pub mod engine;
mod index;
pub mod kept;
pub mod matcher;
pub mod notify;
pub mod rule;
pub mod series;
