//! The Endpoints tab: HTTP(S) and TCP probes, their latency, availability and certificates.

pub mod record;
pub mod state;
pub mod update;
pub mod view;
