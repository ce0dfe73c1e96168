//! The Containers tab.

pub mod record;
pub mod update;
pub mod view;
