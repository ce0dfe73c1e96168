//! The Resources tab's state: the newest sample of each host, the local host first, and the
//! local host's process table (sort, filter and selection). History lives in the metric store.

use std::collections::HashMap;

use crate::model::resources::{HostKey, ProcessRow, ResourcesSnapshot};
use crate::state::list::{ListState, Listed, SortLabel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Cpu,
    Memory,
    Pid,
    Name,
}

impl SortLabel for SortKey {
    fn label(&self) -> &'static str {
        match self {
            SortKey::Cpu => "cpu",
            SortKey::Memory => "mem",
            SortKey::Pid => "pid",
            SortKey::Name => "name",
        }
    }
}

impl SortKey {
    /// CPU and memory read best largest first; PID and name smallest first.
    fn natural_descending(self) -> bool {
        matches!(self, SortKey::Cpu | SortKey::Memory)
    }
}

/// One host the tab watches.
#[derive(Debug, Clone, PartialEq)]
pub struct HostState {
    pub key: HostKey,
    pub latest: Option<ResourcesSnapshot>,
}

impl HostState {
    fn new(key: HostKey) -> Self {
        Self { key, latest: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourcesState {
    /// The machine the console runs on: the only host with a process table.
    local: HostState,
    /// Hosts other sources report, by name, each added by its first sample.
    remote: Vec<HostState>,
    /// The local host's process table: rows are PIDs.
    pub list: ListState<SortKey, u32>,
    /// Where each PID is in the local host's `latest.processes`.
    by_pid: HashMap<u32, usize>,
}

impl Listed for ResourcesState {
    type Sort = SortKey;
    type Key = u32;

    fn list_mut(&mut self) -> &mut ListState<SortKey, u32> {
        &mut self.list
    }

    fn refresh_rows(&mut self) {
        ResourcesState::refresh_rows(self);
    }
}

impl ResourcesState {
    /// The state of a console on the host named `local`.
    pub fn new(local: HostKey) -> Self {
        Self {
            local: HostState::new(local),
            remote: Vec::new(),
            list: ListState::new(SortKey::Cpu, true),
            by_pid: HashMap::new(),
        }
    }

    pub fn local(&self) -> &HostState {
        &self.local
    }

    /// Every host, the local host first, then the others by name.
    pub fn hosts(&self) -> impl Iterator<Item = &HostState> {
        std::iter::once(&self.local).chain(&self.remote)
    }

    /// The host every series and alert is about while it is the only one watched: its name
    /// need not be shown.
    pub fn implicit_host(&self) -> Option<&HostKey> {
        self.remote.is_empty().then_some(&self.local.key)
    }

    /// A sample of `host`; a host not seen before joins the others. The local host's sample
    /// refreshes the process table; one taken without processes keeps the rows there were.
    pub fn apply_snapshot(&mut self, host: &HostKey, mut snapshot: ResourcesSnapshot) {
        if *host != self.local.key {
            let at = self.remote.binary_search_by(|h| h.key.cmp(host));
            let index = at.unwrap_or_else(|i| {
                self.remote.insert(i, HostState::new(host.clone()));
                i
            });
            self.remote[index].latest = Some(snapshot);
            return;
        }
        let previous: Vec<(u32, f32)> = self
            .visible_rows()
            .map(|p| (p.pid, p.cpu_percent))
            .collect();
        if !snapshot.processes_sampled {
            // The table was not on screen: its rows are kept, with their selection, for when it is.
            if let Some(last) = self.local.latest.take() {
                snapshot.processes = last.processes;
            }
        }
        self.by_pid = snapshot
            .processes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.pid, i))
            .collect();
        self.local.latest = Some(snapshot);
        self.refresh_rows();
        // A sample with no CPU figure (the sampler's first: CPU needs two readings) has no
        // order worth holding; the first with figures sorts plainly.
        let measured = previous.iter().any(|(_, cpu)| *cpu > 0.0);
        if self.list.sort == SortKey::Cpu && measured {
            let mut rows = std::mem::take(&mut self.list.rows);
            let cpu_now = |pid: u32| self.process(pid).map_or(0.0, |p| p.cpu_percent);
            rank_by_cpu_from(&previous, cpu_now, &mut rows, self.list.descending);
            self.list.rows = rows;
        }
    }

    /// A host another source found (a Prometheus's target) joins the others, with no sample
    /// of its own here: its source keeps what it said.
    pub fn apply_remote(&mut self, host: &HostKey) {
        if *host == self.local.key {
            return;
        }
        if let Err(at) = self.remote.binary_search_by(|h| h.key.cmp(host)) {
            self.remote.insert(at, HostState::new(host.clone()));
        }
    }

    /// Sorts by `key`; choosing the current key again flips the order.
    pub fn apply_sort(&mut self, key: SortKey) {
        if self.list.sort == key {
            self.list.descending = !self.list.descending;
        } else {
            self.list.sort = key;
            self.list.descending = key.natural_descending();
        }
        self.refresh_rows();
    }

    pub fn process(&self, pid: u32) -> Option<&ProcessRow> {
        self.local
            .latest
            .as_ref()?
            .processes
            .get(*self.by_pid.get(&pid)?)
    }

    pub fn selected_process(&self) -> Option<&ProcessRow> {
        self.process(self.list.selected?)
    }

    /// The processes shown, in order.
    pub fn visible_rows(&self) -> impl Iterator<Item = &ProcessRow> {
        self.list.rows.iter().filter_map(|pid| self.process(*pid))
    }

    pub fn total(&self) -> usize {
        self.local.latest.as_ref().map_or(0, |s| s.processes.len())
    }

    fn refresh_rows(&mut self) {
        let Some(snapshot) = &self.local.latest else {
            self.list.set_rows(Vec::new());
            return;
        };
        let needle = self.list.filter.to_lowercase();
        let mut rows: Vec<&ProcessRow> = snapshot
            .processes
            .iter()
            .filter(|p| needle.is_empty() || matches_filter(p, &needle))
            .collect();
        let (sort, descending) = (self.list.sort, self.list.descending);
        rows.sort_by(|a, b| {
            let order = match sort {
                // On the shown tenth, so idle processes keep their places between refreshes.
                SortKey::Cpu => shown_cpu(a).cmp(&shown_cpu(b)),
                SortKey::Memory => a.memory_bytes.cmp(&b.memory_bytes),
                SortKey::Pid => a.pid.cmp(&b.pid),
                SortKey::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            }
            .then_with(|| a.pid.cmp(&b.pid));
            if descending { order.reverse() } else { order }
        });
        let rows = rows.into_iter().map(|p| p.pid).collect();
        self.list.set_rows(rows);
    }
}

/// Orders `rows` (PIDs) by CPU starting from the `previous` order (PID and
/// CPU of the last sample): a process passes the one above it only when its CPU has been higher in
/// both samples by more than a point plus a tenth of the larger. Rows stay put while CPU wobbles or
/// spikes for one sample (a moved row rewrites its whole command line), and a new process starts
/// below the ones already listed.
fn rank_by_cpu_from(
    previous: &[(u32, f32)],
    cpu_now: impl Fn(u32) -> f32,
    rows: &mut [u32],
    descending: bool,
) {
    let before: std::collections::HashMap<u32, (usize, f32)> = previous
        .iter()
        .enumerate()
        .map(|(rank, &(pid, cpu))| (pid, (rank, cpu)))
        .collect();
    // Stable: new processes keep their sorted order among themselves, after the known ones.
    rows.sort_by_key(|pid| before.get(pid).map_or(usize::MAX, |b| b.0));
    // The lower and the higher of a process's CPU now and in the last sample.
    let span = |pid: u32| {
        let now = cpu_now(pid);
        let then = before.get(&pid).map_or(now, |b| b.1);
        (now.min(then), now.max(then))
    };
    let passes = |below: u32, above: u32| {
        let ((below_low, below_high), (above_low, above_high)) = (span(below), span(above));
        let margin = 1.0 + 0.1 * below_high.max(above_high);
        if descending {
            below_low > above_high + margin
        } else {
            below_high < above_low - margin
        }
    };
    for i in 1..rows.len() {
        let mut j = i;
        while j > 0 && passes(rows[j], rows[j - 1]) {
            rows.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// CPU as the table shows it, in tenths of a percent.
fn shown_cpu(process: &ProcessRow) -> i64 {
    (f64::from(process.cpu_percent) * 10.0).round() as i64
}

fn matches_filter(process: &ProcessRow, needle: &str) -> bool {
    process.name.to_lowercase().contains(needle)
        || process.user.to_lowercase().contains(needle)
        || process.command.to_lowercase().contains(needle)
        || process.pid.to_string() == needle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn local() -> HostKey {
        HostKey::new("db-01")
    }

    fn state() -> ResourcesState {
        let mut state = ResourcesState::new(local());
        state.apply_snapshot(&local(), fixtures::resources_snapshot());
        state
    }

    fn names(state: &ResourcesState) -> Vec<String> {
        state.visible_rows().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn sorts_by_cpu_descending_by_default_and_flips() {
        let mut state = state();
        let cpus: Vec<f32> = state.visible_rows().map(|p| p.cpu_percent).collect();
        assert!(cpus.windows(2).all(|w| w[0] >= w[1]), "{cpus:?}");
        state.apply_sort(SortKey::Cpu);
        let cpus: Vec<f32> = state.visible_rows().map(|p| p.cpu_percent).collect();
        assert!(cpus.windows(2).all(|w| w[0] <= w[1]), "{cpus:?}");
    }

    #[test]
    fn equal_shown_cpu_keeps_pid_order() {
        let mut snapshot = fixtures::resources_snapshot();
        snapshot
            .processes
            .iter_mut()
            .for_each(|p| p.cpu_percent = 0.01 * (p.pid % 3) as f32);
        let mut state = ResourcesState::new(local());
        state.apply_snapshot(&local(), snapshot);
        let pids: Vec<u32> = state.visible_rows().map(|p| p.pid).collect();
        assert!(
            pids.windows(2).all(|w| w[0] > w[1]),
            "ties fall back to PID: {pids:?}"
        );
    }

    fn with_cpu(cpus: &[(u32, f32)]) -> ResourcesSnapshot {
        let mut snapshot = fixtures::resources_snapshot();
        let template = snapshot.processes[0].clone();
        snapshot.processes = cpus
            .iter()
            .map(|&(pid, cpu_percent)| ProcessRow {
                pid,
                cpu_percent,
                ..template.clone()
            })
            .collect();
        snapshot
    }

    fn pids(state: &ResourcesState) -> Vec<u32> {
        state.visible_rows().map(|p| p.pid).collect()
    }

    #[test]
    fn ranks_hold_while_cpu_wobbles_and_move_when_it_really_changes() {
        let mut state = ResourcesState::new(local());
        state.apply_snapshot(
            &local(),
            with_cpu(&[(1, 5.0), (2, 4.5), (3, 0.3), (4, 0.2), (5, 0.0)]),
        );
        assert_eq!(pids(&state), [1, 2, 3, 4, 5]);
        state.apply_snapshot(
            &local(),
            with_cpu(&[(1, 4.6), (2, 5.0), (3, 0.2), (4, 0.9), (5, 0.4)]),
        );
        assert_eq!(
            pids(&state),
            [1, 2, 3, 4, 5],
            "within the margin nothing moves"
        );
        state.apply_snapshot(
            &local(),
            with_cpu(&[(1, 4.6), (2, 5.0), (3, 0.2), (4, 30.0), (5, 0.4)]),
        );
        assert_eq!(
            pids(&state),
            [1, 2, 3, 4, 5],
            "a spike of one sample moves nothing"
        );
        state.apply_snapshot(
            &local(),
            with_cpu(&[(1, 4.6), (2, 5.0), (3, 0.2), (4, 30.0), (5, 0.4)]),
        );
        assert_eq!(
            pids(&state),
            [4, 1, 2, 3, 5],
            "a lasting rise moves to its place"
        );
        state.apply_sort(SortKey::Cpu);
        state.apply_snapshot(
            &local(),
            with_cpu(&[(1, 4.6), (2, 5.0), (3, 0.2), (4, 30.0), (5, 0.4)]),
        );
        assert_eq!(
            pids(&state),
            [3, 5, 1, 2, 4],
            "ascending holds the same way"
        );
    }

    #[test]
    fn a_new_idle_process_starts_below_the_listed_ones() {
        let mut state = ResourcesState::new(local());
        state.apply_snapshot(&local(), with_cpu(&[(10, 2.0), (20, 0.0), (30, 0.0)]));
        assert_eq!(pids(&state), [10, 30, 20], "ties by PID, newest first");
        state.apply_snapshot(
            &local(),
            with_cpu(&[(10, 2.0), (20, 0.0), (30, 0.0), (99, 0.0), (98, 9.0)]),
        );
        assert_eq!(
            pids(&state),
            [98, 10, 30, 20, 99],
            "a new busy one goes to its place"
        );
    }

    #[test]
    fn steady_neighbours_are_never_out_of_order_by_more_than_the_margin() {
        let mut state = ResourcesState::new(local());
        let mut cpus: Vec<(u32, f32)> = (1..=60).map(|pid| (pid, (pid % 7) as f32)).collect();
        state.apply_snapshot(&local(), with_cpu(&cpus));
        for round in 1..20u32 {
            for (pid, cpu) in &mut cpus {
                *cpu = ((*pid * 31 + round * 17) % 23) as f32 * 0.7;
            }
            // The same figures twice: the second sample settles what the first started.
            state.apply_snapshot(&local(), with_cpu(&cpus));
            state.apply_snapshot(&local(), with_cpu(&cpus));
            let shown: Vec<f32> = state.visible_rows().map(|p| p.cpu_percent).collect();
            assert!(
                shown
                    .windows(2)
                    .all(|w| w[1] <= w[0] + 1.0 + 0.1 * w[0].max(w[1])),
                "{shown:?}"
            );
        }
    }

    #[test]
    fn sorts_by_name_and_pid_ascending() {
        let mut state = state();
        state.apply_sort(SortKey::Name);
        let sorted = names(&state);
        let mut expected = sorted.clone();
        expected.sort_by_key(|n| n.to_lowercase());
        assert_eq!(sorted, expected);
        state.apply_sort(SortKey::Pid);
        let pids: Vec<u32> = state.visible_rows().map(|p| p.pid).collect();
        assert!(pids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn filter_matches_name_user_command_or_exact_pid() {
        let mut state = state();
        state.apply_filter("postgres".into());
        assert!(!state.list.is_empty());
        assert!(state.visible_rows().all(|p| p.name.contains("postgres")
            || p.user == "postgres"
            || p.command.contains("postgres")));
        state.apply_filter("4001".into());
        assert_eq!(
            state.visible_rows().map(|p| p.pid).collect::<Vec<_>>(),
            [4001]
        );
        state.apply_filter("no-such-thing".into());
        assert!(state.list.is_empty());
        assert_eq!(state.selected_process(), None);
    }

    #[test]
    fn selection_follows_the_process_across_refreshes() {
        let mut state = state();
        state.list.apply_move(2);
        let chosen = state.selected_process().map(|p| p.pid);
        let mut next = fixtures::resources_snapshot();
        next.processes.reverse();
        for p in &mut next.processes {
            p.cpu_percent = 0.0;
        }
        state.apply_snapshot(&local(), next);
        assert_eq!(state.selected_process().map(|p| p.pid), chosen);
    }

    #[test]
    fn moves_are_clamped() {
        let mut state = state();
        state.list.apply_move(-5);
        assert_eq!(state.list.selected_index(), Some(0));
        state.list.apply_move(1000);
        assert_eq!(state.list.selected_index(), Some(state.list.len() - 1));
        state.list.apply_select_edge(false);
        assert_eq!(state.list.selected_index(), Some(0));
    }

    #[test]
    fn hosts_join_as_they_report_after_the_local_host_by_name() {
        let mut state = state();
        assert_eq!(state.implicit_host(), Some(&local()));
        let mut remote = fixtures::resources_snapshot();
        remote.processes.clear();
        for name in ["web-2", "cache-1", "web-2"] {
            state.apply_snapshot(&HostKey::new(name), remote.clone());
        }
        let hosts: Vec<&str> = state.hosts().map(|h| h.key.as_str()).collect();
        assert_eq!(hosts, ["db-01", "cache-1", "web-2"]);
        assert_eq!(
            state.implicit_host(),
            None,
            "with several hosts each is named"
        );
        assert_eq!(
            state.total(),
            fixtures::resources_snapshot().processes.len(),
            "the process table stays the local host's"
        );
    }
}
