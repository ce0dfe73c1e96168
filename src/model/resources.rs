//! What the local host reports each sample: CPU, load, memory, swap, disks, network rates,
//! processes.

use std::fmt;

use chrono::{DateTime, Utc};

/// The label naming the host of every series of this tab, the local host's too.
pub const HOST_LABEL: &str = "host";

/// A host the Resources tab watches, by name: the local host as the machine names itself, a
/// remote one as its source names it. Every series of a host carries it as its `host` label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostKey(String);

impl HostKey {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub used: u64,
    pub total: u64,
}

impl Usage {
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.used as f64 * 100.0 / self.total as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiskUsage {
    pub mount: String,
    pub device: String,
    pub file_system: String,
    pub space: Usage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetRate {
    pub iface: String,
    pub rx_bytes_per_second: f64,
    pub tx_bytes_per_second: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRow {
    pub pid: u32,
    pub name: String,
    pub user: String,
    /// Percent of one core, as top shows it (can exceed 100).
    pub cpu_percent: f32,
    pub memory_bytes: u64,
    pub command: String,
}

/// One poll of a host.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcesSnapshot {
    pub at: DateTime<Utc>,
    pub cpu_percent: f64,
    pub cores: Vec<f64>,
    pub load: [f64; 3],
    pub memory: Usage,
    pub swap: Usage,
    pub disks: Vec<DiskUsage>,
    pub networks: Vec<NetRate>,
    pub processes: Vec<ProcessRow>,
    /// False when the sampler skipped the processes because nobody looked at them: `processes`
    /// is then empty, and the console keeps the rows it had.
    pub processes_sampled: bool,
    pub uptime_seconds: u64,
}
