//! What the endpoint prober reports: the outcome of each poll, batched once per refresh.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The polls that finished since the last batch; an empty batch says the prober is alive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeBatch {
    pub results: Vec<ProbeResult>,
}

/// One poll of one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub endpoint: String,
    pub started: DateTime<Utc>,
    /// How late the poll started after its schedule (waiting for a concurrency slot included).
    pub lag: Duration,
    /// From the start of the connection (or of the request on a reused one) to the last byte.
    pub latency: Duration,
    /// The final HTTP status, when there was an answer.
    pub status: Option<u16>,
    pub failure: Option<ProbeFailure>,
    /// The response headers of the last answer, bounded.
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body, as text.
    pub body_head: String,
    /// The server certificate, on the connections that were made for this poll.
    pub cert: Option<CertInfo>,
    /// The request went out on a connection kept from an earlier poll, so the latency has no
    /// connect or TLS handshake in it.
    pub kept_connection: bool,
}

impl ProbeResult {
    pub fn is_up(&self) -> bool {
        self.failure.is_none()
    }
}

/// Why a poll failed, in the operator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeFailure {
    Refused,
    TimedOut,
    Dns(String),
    Tls(String),
    Status(u16),
    Assertion(String),
    /// The server answered with something that is not HTTP, as the parser says.
    Malformed(String),
    /// Any other connection or protocol error.
    Other(String),
}

impl ProbeFailure {
    /// A word or two for the list.
    pub fn short(&self) -> String {
        match self {
            ProbeFailure::Refused => "refused".into(),
            ProbeFailure::TimedOut => "timed out".into(),
            ProbeFailure::Dns(_) => "DNS".into(),
            ProbeFailure::Tls(_) => "TLS".into(),
            ProbeFailure::Status(code) => format!("status {code}"),
            ProbeFailure::Assertion(_) => "assertion failed".into(),
            ProbeFailure::Malformed(_) => "malformed answer".into(),
            ProbeFailure::Other(_) => "error".into(),
        }
    }

    /// The whole story, for the detail pane and the findings.
    pub fn full(&self) -> String {
        match self {
            ProbeFailure::Refused => "connection refused".into(),
            ProbeFailure::TimedOut => "no answer within the timeout".into(),
            ProbeFailure::Dns(error) => format!("DNS lookup failed: {error}"),
            ProbeFailure::Tls(error) => format!("TLS: {error}"),
            ProbeFailure::Status(code) => format!("unexpected status {code}"),
            ProbeFailure::Assertion(error) => format!("assertion failed: {error}"),
            ProbeFailure::Malformed(error) => format!("the answer is not valid HTTP: {error}"),
            ProbeFailure::Other(error) => error.clone(),
        }
    }
}

/// The leaf certificate a TLS endpoint presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_after: DateTime<Utc>,
}

impl CertInfo {
    /// Whole days left at `now`; negative once expired.
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_seconds().div_euclid(86_400)
    }
}
