//! The Endpoints tab: HTTP(S) and TCP probes, their latency, availability and certificates.

pub mod record;
pub mod update;
pub mod view;
