//! Files watchdeck writes: state files replaced atomically (and moved aside, not overwritten,
//! when they cannot be read), and the append-only audit log, all readable by their owner only.

pub mod alerts;
pub mod atomic;
pub mod audit;
pub mod private;
pub mod state_file;
