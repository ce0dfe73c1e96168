//! The Databases tab.

pub mod judge;
pub mod record;
pub mod state;
pub mod update;
pub mod view;
