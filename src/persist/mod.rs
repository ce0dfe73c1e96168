//! Files watchdeck writes: state files replaced atomically, and the append-only audit log.

pub mod atomic;
pub mod audit;
