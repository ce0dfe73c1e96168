//! Alerts: rules over the metric store, evaluated by a pure engine.

mod alert;
pub mod alertmanager;
pub mod engine;
mod index;
pub mod kept;
mod key;
pub mod notify;
pub mod rule;
pub mod series;
