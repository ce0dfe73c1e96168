//! The data sources report, shared by the sources that produce it and the state and views that
//! hold and show it. It depends on nothing else in the crate: `collect/` depends on it, never the
//! other way round.

pub mod alertmanager;
pub mod containers;
pub mod databases;
pub mod endpoints;
pub mod matcher;
pub mod prometheus;
pub mod resources;
pub mod source;
