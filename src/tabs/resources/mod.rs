//! The Resources tab.

pub mod record;
pub mod state;
pub mod update;
pub mod view;
