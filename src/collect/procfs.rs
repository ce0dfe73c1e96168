//! The process table read from /proc directly: one `stat` file per process and refresh, owner and
//! command line once per process. sysinfo also reads `status` and `statm` of every process on
//! every refresh, and the kernel formatting `status` was the largest part of a sample's CPU.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::time::Instant;

use crate::model::resources::ProcessRow;

/// `flags` bit of a kernel thread (include/linux/sched.h): not a process an operator runs.
const PF_KTHREAD: u64 = 0x0020_0000;

/// What one read of `/proc/PID/stat` says.
#[derive(Debug, Clone, PartialEq)]
struct Stat {
    name: String,
    kernel_thread: bool,
    /// utime + stime, in clock ticks.
    cpu_ticks: u64,
    /// Start time after boot, in clock ticks: with the PID, it names the process.
    start_ticks: u64,
    resident_pages: u64,
}

/// Parses `/proc/PID/stat` (proc_pid_stat(5)). The name may hold spaces and parentheses, so the
/// fields after it are counted from its last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    // Field 3 (state) onwards.
    let fields: Vec<&str> = text.get(close + 1..)?.split_ascii_whitespace().collect();
    let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
    Some(Stat {
        name,
        kernel_thread: field(9)? & PF_KTHREAD != 0,
        cpu_ticks: field(14)? + field(15)?,
        start_ticks: field(22)?,
        resident_pages: field(24)?,
    })
}

struct Tracked {
    start_ticks: u64,
    cpu_ticks: u64,
    row: ProcessRow,
    seen_in: u64,
}

/// Every process of the machine, kept between refreshes so CPU is a delta over the time between
/// two reads.
pub struct ProcessTable {
    processes: HashMap<u32, Tracked>,
    user_names: HashMap<u32, String>,
    last_refresh: Option<Instant>,
    refreshes: u64,
    ticks_per_second: f64,
    page_size: u64,
    buffer: Vec<u8>,
}

impl ProcessTable {
    /// `user_names` maps a uid to the name shown; an unknown uid shows as `?`.
    pub fn new(user_names: HashMap<u32, String>) -> Self {
        let sysconf = |var, default: i64| {
            nix::unistd::sysconf(var)
                .ok()
                .flatten()
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        Self {
            processes: HashMap::new(),
            user_names,
            last_refresh: None,
            refreshes: 0,
            ticks_per_second: sysconf(nix::unistd::SysconfVar::CLK_TCK, 100) as f64,
            page_size: sysconf(nix::unistd::SysconfVar::PAGE_SIZE, 4096) as u64,
            buffer: Vec::with_capacity(512),
        }
    }

    /// Reads every process. A process seen for the first time shows 0 % CPU until the next one.
    pub fn refresh(&mut self) {
        let now = Instant::now();
        let seconds = self
            .last_refresh
            .map(|last| now.duration_since(last).as_secs_f64())
            .filter(|s| *s > 0.0);
        self.last_refresh = Some(now);
        self.refreshes += 1;
        let Ok(entries) = std::fs::read_dir("/proc") else {
            self.processes.clear();
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Some(stat) = self.read_stat(pid) else {
                continue;
            };
            if stat.kernel_thread {
                continue;
            }
            match self.processes.get_mut(&pid) {
                Some(known) if known.start_ticks == stat.start_ticks => {
                    let ticks = stat.cpu_ticks.saturating_sub(known.cpu_ticks) as f64;
                    known.row.cpu_percent =
                        seconds.map_or(0.0, |s| (ticks / self.ticks_per_second / s * 100.0) as f32);
                    known.row.memory_bytes = stat.resident_pages * self.page_size;
                    known.row.name = stat.name;
                    known.cpu_ticks = stat.cpu_ticks;
                    known.seen_in = self.refreshes;
                }
                _ => {
                    let row = self.describe(pid, &stat);
                    self.processes.insert(
                        pid,
                        Tracked {
                            start_ticks: stat.start_ticks,
                            cpu_ticks: stat.cpu_ticks,
                            row,
                            seen_in: self.refreshes,
                        },
                    );
                }
            }
        }
        let current = self.refreshes;
        self.processes.retain(|_, p| p.seen_in == current);
    }

    pub fn rows(&self) -> Vec<ProcessRow> {
        self.processes.values().map(|p| p.row.clone()).collect()
    }

    fn read_stat(&mut self, pid: u32) -> Option<Stat> {
        self.buffer.clear();
        std::fs::File::open(format!("/proc/{pid}/stat"))
            .and_then(|mut file| file.read_to_end(&mut self.buffer))
            .ok()?;
        parse_stat(&String::from_utf8_lossy(&self.buffer))
    }

    /// Owner and command line of a new process: they do not change while it runs.
    fn describe(&self, pid: u32, stat: &Stat) -> ProcessRow {
        // The owner of /proc/PID is the process's effective user, as ps and top show it.
        let user = std::fs::metadata(format!("/proc/{pid}"))
            .ok()
            .and_then(|m| self.user_names.get(&m.uid()).cloned())
            .unwrap_or_else(|| "?".into());
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|bytes| {
                bytes
                    .split(|b| *b == 0)
                    .filter(|arg| !arg.is_empty())
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        ProcessRow {
            pid,
            name: stat.name.clone(),
            user,
            cpu_percent: 0.0,
            memory_bytes: stat.resident_pages * self.page_size,
            command,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 300 0 0 0 \
                    170 30 0 0 20 0 3 0 987654 123456789 2500 18446744073709551615 1 1 0 0 0 0 \
                    0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                name: "my (odd) name".into(),
                kernel_thread: false,
                cpu_ticks: 200,
                start_ticks: 987654,
                resident_pages: 2500,
            })
        );
    }

    #[test]
    fn kernel_threads_are_told_by_their_flags() {
        let line = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 2 0 0 \
                    18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 1 0 0 0 0 0\n";
        assert!(parse_stat(line).is_some_and(|s| s.kernel_thread));
        assert_eq!(parse_stat("12 (cut short"), None);
    }
}
