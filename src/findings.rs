//! Findings: what deserves attention, judged the same way for the tab markers, `--watch` and
//! `watchdeck check`.

use serde::Serialize;

use crate::tab::Tab;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Critical,
}

impl Severity {
    /// Text that tells the severity apart without colour.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Ok => "✔ OK",
            Severity::Warning => "▲ WARN",
            Severity::Critical => "✖ CRIT",
        }
    }

    /// The exit status of `watchdeck check`.
    /// The lowercase word scripts read (`critical`), as the JSON report spells it.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn exit_code(self) -> i32 {
        match self {
            Severity::Ok => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub tab: Tab,
    pub source: String,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
}

/// The worst severity among findings, `Ok` when there are none.
pub fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Ok)
}
