//! The Alerts tab.

pub mod judge;
pub mod update;
pub mod view;
