//! The Databases tab.

pub mod record;
pub mod update;
pub mod view;
