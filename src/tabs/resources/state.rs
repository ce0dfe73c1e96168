//! The Resources tab's state: the latest host snapshot and the process table's sort, filter
//! and selection. History lives in the metric store.

use std::collections::{BTreeMap, HashMap};

use crate::findings::Severity;
use crate::model::resources::{ProcessRow, ResourcesSnapshot};
use crate::state::list::{ListState, SortLabel};

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

#[derive(Debug, Clone, PartialEq)]
pub struct ResourcesState {
    pub latest: Option<ResourcesSnapshot>,
    /// The process table: rows are PIDs.
    pub list: ListState<SortKey, u32>,
    /// Where each PID is in `latest.processes`.
    by_pid: HashMap<u32, usize>,
    /// The gauges past their `[resources]` thresholds (see `judge::levels`).
    pub levels: BTreeMap<String, Severity>,
}

impl Default for ResourcesState {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourcesState {
    pub fn new() -> Self {
        Self {
            latest: None,
            list: ListState::new(SortKey::Cpu, true),
            by_pid: HashMap::new(),
            levels: BTreeMap::new(),
        }
    }

    pub fn apply_snapshot(&mut self, snapshot: ResourcesSnapshot) {
        self.by_pid = snapshot
            .processes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.pid, i))
            .collect();
        self.latest = Some(snapshot);
        self.refresh_rows();
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

    pub fn apply_reverse(&mut self) {
        self.list.descending = !self.list.descending;
        self.refresh_rows();
    }

    pub fn apply_filter(&mut self, filter: String) {
        self.list.filter = filter;
        self.refresh_rows();
    }

    pub fn process(&self, pid: u32) -> Option<&ProcessRow> {
        self.latest.as_ref()?.processes.get(*self.by_pid.get(&pid)?)
    }

    pub fn selected_process(&self) -> Option<&ProcessRow> {
        self.process(self.list.selected?)
    }

    /// The processes shown, in order.
    pub fn visible_rows(&self) -> impl Iterator<Item = &ProcessRow> {
        self.list.rows.iter().filter_map(|pid| self.process(*pid))
    }

    /// The level of a gauge: `cpu`, `memory`, `disk /var` …
    pub fn level(&self, gauge: &str) -> Severity {
        self.levels.get(gauge).copied().unwrap_or(Severity::Ok)
    }

    pub fn total(&self) -> usize {
        self.latest.as_ref().map_or(0, |s| s.processes.len())
    }

    fn refresh_rows(&mut self) {
        let Some(snapshot) = &self.latest else {
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

    fn state() -> ResourcesState {
        let mut state = ResourcesState::new();
        state.apply_snapshot(fixtures::resources_snapshot());
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
        let mut state = ResourcesState::new();
        state.apply_snapshot(snapshot);
        let pids: Vec<u32> = state.visible_rows().map(|p| p.pid).collect();
        assert!(
            pids.windows(2).all(|w| w[0] > w[1]),
            "ties fall back to PID: {pids:?}"
        );
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
        state.apply_snapshot(next);
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
}
