//! The local host: CPU, load, memory, swap, disks and network rates through sysinfo, processes
//! through [`ProcessTable`].

use std::collections::HashSet;
use std::time::Instant;

use chrono::Utc;
use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, Networks, RefreshKind, System, Users};
use tokio::sync::watch;

use super::procfs::ProcessTable;
use super::{CollectError, Collector};
use crate::model::resources::{DiskUsage, NetRate, ResourcesSnapshot, Usage};

/// File systems that hold no host data an operator can run out of: memory-backed, kernel, image
/// layers and container root file systems.
const PSEUDO_FILE_SYSTEMS: &[&str] = &[
    "overlay",
    "aufs",
    "tmpfs",
    "devtmpfs",
    "ramfs",
    "squashfs",
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "nsfs",
    "tracefs",
    "debugfs",
    "securityfs",
    "fusectl",
    "fuse.lxcfs",
    "autofs",
    "mqueue",
    "hugetlbfs",
    "pstore",
    "bpf",
    "configfs",
    "devpts",
    "shm",
];

/// Where container runtimes mount their layers, volumes' bind mounts and namespaces: a busy
/// host has one per container, and each repeats the disk that holds it.
const RUNTIME_MOUNT_PARTS: &[&str] = &[
    "/overlay2/",
    "/var/lib/docker/",
    "/var/lib/containers/",
    "/var/lib/containerd/",
    "/run/containerd/",
    "/run/docker/",
    "/var/lib/kubelet/pods/",
    "/run/netns/",
];

/// Whether a mount is a disk of the host itself, judged by its file system and path.
pub fn is_host_disk(mount: &str, file_system: &str) -> bool {
    let mount_with_slash = format!("{}/", mount.trim_end_matches('/'));
    !PSEUDO_FILE_SYSTEMS.contains(&file_system)
        && !RUNTIME_MOUNT_PARTS
            .iter()
            .any(|part| mount_with_slash.contains(part))
}

/// What a process's CPU is measured over when its table comes back on screen.
const FRESH_CPU_WINDOW: std::time::Duration = std::time::Duration::from_millis(200);

/// Owns the sysinfo handles between polls so CPU and network deltas are measured between them.
pub struct SystemCollector {
    system: System,
    disks: Disks,
    networks: Networks,
    processes: ProcessTable,
    last_network_refresh: Instant,
    /// A sample skipped the processes since they were last refreshed: one refresh now would give
    /// each process's average CPU over all that time, not its CPU now.
    processes_behind: bool,
}

impl SystemCollector {
    pub fn new() -> Result<Self, CollectError> {
        let kind = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing().with_usage())
            .with_memory(MemoryRefreshKind::everything());
        let system = System::new_with_specifics(kind)
            .map_err(|e| CollectError::new(format!("sysinfo: {e}")))?;
        let disks = Disks::new_with_refreshed_list()
            .map_err(|e| CollectError::new(format!("disks: {e}")))?;
        let networks = Networks::new_with_refreshed_list()
            .map_err(|e| CollectError::new(format!("networks: {e}")))?;
        let users = Users::new_with_refreshed_list()
            .map_err(|e| CollectError::new(format!("users: {e}")))?;
        let user_names = users
            .iter()
            .map(|u| (**u.id(), u.name().to_string()))
            .collect();
        Ok(Self {
            system,
            disks,
            networks,
            processes: ProcessTable::new(user_names),
            last_network_refresh: Instant::now(),
            processes_behind: false,
        })
    }

    /// Refreshes everything and returns a snapshot. Blocking (reads /proc): run it off the runtime.
    pub fn sample(&mut self, ignore_mounts: &[String]) -> ResourcesSnapshot {
        self.sample_host(ignore_mounts, true)
    }

    /// Everything but the processes, the dearest part of a sample, for when nobody looks at them.
    /// The snapshot's process list is empty and says it was not sampled.
    pub fn sample_without_processes(&mut self, ignore_mounts: &[String]) -> ResourcesSnapshot {
        self.sample_host(ignore_mounts, false)
    }

    fn sample_host(&mut self, ignore_mounts: &[String], with_processes: bool) -> ResourcesSnapshot {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        if with_processes {
            if self.processes_behind {
                // Bring the processes' CPU times up to now, then measure over a short window.
                self.processes.refresh();
                std::thread::sleep(FRESH_CPU_WINDOW);
            }
            self.processes.refresh();
        }
        self.processes_behind = !with_processes;
        self.disks.refresh(true);
        self.networks.refresh(true);
        let elapsed = self.last_network_refresh.elapsed().as_secs_f64().max(0.001);
        self.last_network_refresh = Instant::now();

        let processes = if with_processes {
            self.processes.rows()
        } else {
            Vec::new()
        };

        let mut seen_devices = HashSet::new();
        let mut disks: Vec<DiskUsage> = self
            .disks
            .iter()
            .filter(|d| d.total_space() > 0)
            .map(|d| DiskUsage {
                mount: d.mount_point().display().to_string(),
                device: d.name().to_string_lossy().into_owned(),
                file_system: d.file_system().to_string_lossy().into_owned(),
                space: Usage {
                    used: d.total_space().saturating_sub(d.available_space()),
                    total: d.total_space(),
                },
            })
            .filter(|d| is_host_disk(&d.mount, &d.file_system) && !ignore_mounts.contains(&d.mount))
            // The same device bind-mounted many times is one disk; keep its shortest mount.
            .collect();
        disks.sort_by(|a, b| {
            a.mount
                .len()
                .cmp(&b.mount.len())
                .then_with(|| a.mount.cmp(&b.mount))
        });
        disks.retain(|d| seen_devices.insert(d.device.clone()));
        disks.sort_by(|a, b| a.mount.cmp(&b.mount));

        let mut networks: Vec<NetRate> = self
            .networks
            .iter()
            .map(|(name, data)| NetRate {
                iface: name.to_string_lossy().into_owned(),
                rx_bytes_per_second: data.received() as f64 / elapsed,
                tx_bytes_per_second: data.transmitted() as f64 / elapsed,
            })
            .collect();
        // Loopback last: operators look for the real interfaces first.
        networks.sort_by(|a, b| {
            (a.iface == "lo")
                .cmp(&(b.iface == "lo"))
                .then_with(|| a.iface.cmp(&b.iface))
        });

        let load = System::load_average()
            .map(|l| [l.one, l.five, l.fifteen])
            .unwrap_or_default();
        ResourcesSnapshot {
            at: Utc::now(),
            cpu_percent: f64::from(self.system.global_cpu_usage()),
            cores: self
                .system
                .cpus()
                .iter()
                .map(|c| f64::from(c.usage()))
                .collect(),
            load,
            memory: Usage {
                used: self.system.used_memory(),
                total: self.system.total_memory(),
            },
            swap: Usage {
                used: self.system.used_swap(),
                total: self.system.total_swap(),
            },
            disks,
            networks,
            processes,
            processes_sampled: with_processes,
            uptime_seconds: System::uptime().unwrap_or(0),
        }
    }
}

/// The host name shown in the header.
pub fn host_name() -> String {
    System::host_name().unwrap_or_else(|_| "localhost".into())
}

/// The local host as a supervised source; sysinfo blocks, so each sample runs on the blocking pool.
pub struct SystemSource {
    collector: Option<SystemCollector>,
    ignore_mounts: std::sync::Arc<[String]>,
    processes_wanted: Option<watch::Receiver<bool>>,
}

impl SystemSource {
    /// A source that samples processes every time.
    pub fn new(ignore_mounts: &[String]) -> Self {
        Self {
            collector: None,
            ignore_mounts: ignore_mounts.into(),
            processes_wanted: None,
        }
    }

    /// Samples processes only while `wanted` holds true (the console sets it while they are on
    /// screen): refreshing every process is most of what a sample costs.
    pub fn sampling_processes_while(mut self, wanted: watch::Receiver<bool>) -> Self {
        self.processes_wanted = Some(wanted);
        self
    }
}

impl Collector for SystemSource {
    type Snapshot = ResourcesSnapshot;

    async fn poll(&mut self) -> Result<Self::Snapshot, CollectError> {
        let collector = match self.collector.take() {
            Some(collector) => collector,
            None => tokio::task::spawn_blocking(SystemCollector::new)
                .await
                .map_err(|e| CollectError::new(format!("sampler task failed: {e}")))??,
        };
        let ignore = self.ignore_mounts.clone();
        let with_processes = self.processes_wanted.as_ref().is_none_or(|w| *w.borrow());
        let (collector, snapshot) = tokio::task::spawn_blocking(move || {
            let mut collector = collector;
            let snapshot = if with_processes {
                collector.sample(&ignore)
            } else {
                collector.sample_without_processes(&ignore)
            };
            (collector, snapshot)
        })
        .await
        .map_err(|e| CollectError::new(format!("sampler task failed: {e}")))?;
        self.collector = Some(collector);
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_layers_and_memory_file_systems_are_not_host_disks() {
        for (mount, fs) in [
            ("/", "ext4"),
            ("/boot/efi", "vfat"),
            ("/var/lib/postgresql", "xfs"),
            ("/srv/nfs", "nfs4"),
            ("/var/lib/dockerish", "ext4"),
        ] {
            assert!(is_host_disk(mount, fs), "{mount} ({fs}) is a host disk");
        }
        for (mount, fs) in [
            ("/var/lib/docker/overlay2/3f0c9e/merged", "overlay"),
            ("/tmp/t/docker/root/overlay2/ab12/merged", "overlay"),
            ("/dev/shm", "tmpfs"),
            ("/run", "tmpfs"),
            ("/snap/core/123", "squashfs"),
            ("/var/lib/docker/containers/ab12/mounts/shm", "ext4"),
            ("/var/lib/kubelet/pods/uid/volumes/x", "ext4"),
            ("/run/docker/netns/1a2b", "nsfs"),
        ] {
            assert!(
                !is_host_disk(mount, fs),
                "{mount} ({fs}) is not a host disk"
            );
        }
    }
}
