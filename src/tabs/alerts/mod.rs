//! The Alerts tab.

pub mod judge;
pub mod state;
pub mod update;
pub mod view;
