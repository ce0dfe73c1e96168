//! The Containers tab's state: every engine's latest containers, the list's sort, filter, grouping
//! and selection, the detail pane, and the open log view.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::model::containers::{ContainerInfo, ContainerKey, EngineSnapshot, LogEvent, LogLine};
use crate::state::list::{CycledSort, ListState, Listed, SortLabel};

/// One configured engine and what it last reported.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineState {
    pub name: String,
    pub host: String,
    pub protected: Vec<String>,
    pub version: Option<String>,
    pub containers: Vec<ContainerInfo>,
}

impl EngineState {
    pub fn protects(&self, container: &ContainerInfo) -> bool {
        container.protected_by_label()
            || self
                .protected
                .iter()
                .any(|pattern| match pattern.strip_suffix('*') {
                    Some(prefix) => container.name.starts_with(prefix),
                    None => container.name == *pattern,
                })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumIter)]
pub enum ContainerColumn {
    #[default]
    Name,
    Engine,
    Image,
    State,
    Health,
    Uptime,
    Restarts,
    Cpu,
    Memory,
    Network,
}

impl SortLabel for ContainerColumn {
    fn label(&self) -> &'static str {
        match self {
            ContainerColumn::Name => "name",
            ContainerColumn::Engine => "engine",
            ContainerColumn::Image => "image",
            ContainerColumn::State => "state",
            ContainerColumn::Health => "health",
            ContainerColumn::Uptime => "uptime",
            ContainerColumn::Restarts => "restarts",
            ContainerColumn::Cpu => "cpu",
            ContainerColumn::Memory => "mem",
            ContainerColumn::Network => "net",
        }
    }
}

impl CycledSort for ContainerColumn {
    fn next(self) -> Self {
        use strum::IntoEnumIterator;
        ContainerColumn::iter()
            .cycle()
            .skip_while(|c| *c != self)
            .nth(1)
            .unwrap_or_default()
    }

    /// Numbers read best largest first; names smallest first.
    fn natural_descending(self) -> bool {
        matches!(
            self,
            ContainerColumn::Restarts
                | ContainerColumn::Cpu
                | ContainerColumn::Memory
                | ContainerColumn::Network
        )
    }
}

/// The detail pane shows this many facts (id, image, command, ports, mounts, networks, labels,
/// env), one row each before wrapping…
pub const DETAIL_FACT_ROWS: usize = 8;

/// …then the latest few health checks.
pub const DETAIL_HEALTH_CHECKS: usize = 3;

/// Rows of a container's detail pane before wrapping.
pub fn detail_rows(container: &ContainerInfo) -> usize {
    DETAIL_FACT_ROWS + container.health_log.len().min(DETAIL_HEALTH_CHECKS)
}

/// Where the follow of the log stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LogStatus {
    /// Lines come as the container writes them.
    #[default]
    Streaming,
    /// The log stopped; the follower waits for it to go on, for this reason.
    Waiting(String),
    /// No more lines will come, for this reason.
    Ended(String),
}

/// A note of watchdeck's between the lines of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogMarker {
    /// A new run of the container started then; its lines follow.
    Restarted(DateTime<Utc>),
    /// The follow attached again then, after the engine did not answer for a while.
    Reattached(DateTime<Utc>),
    /// The follow ended, for this reason.
    Ended(String),
}

/// One row of the log view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRow {
    Line(ShownLine),
    Marker(LogMarker),
}

/// A line the container wrote and the form it is shown in, made once when it arrives rather
/// than on every frame; search looks at what is shown, so `n`/`N` stop where the highlight is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownLine {
    pub line: LogLine,
    pub shown: String,
    /// `shown` in lower case, which search compares with.
    folded: String,
}

impl ShownLine {
    pub fn new(line: LogLine) -> Self {
        let shown = readable(&line.text);
        let folded = shown.to_lowercase();
        Self {
            line,
            shown,
            folded,
        }
    }

    pub fn folded(&self) -> &str {
        &self.folded
    }
}

/// A JSON log line shown as `level message key=value …`; anything else as it is.
fn readable(text: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return text.to_string();
    };
    let take = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| fields.get(*n).map(|v| (n.to_string(), v.clone())))
    };
    let level = take(&["level", "lvl", "severity"]);
    let message = take(&["msg", "message"]);
    let mut parts: Vec<String> = Vec::new();
    for (_, value) in [&level, &message].into_iter().flatten() {
        parts.push(value.as_str().map_or(value.to_string(), str::to_string));
    }
    let shown: Vec<&String> = [&level, &message]
        .into_iter()
        .flatten()
        .map(|(n, _)| n)
        .collect();
    for (name, value) in &fields {
        if !shown.contains(&name) {
            parts.push(format!(
                "{name}={}",
                value.as_str().map_or(value.to_string(), str::to_string)
            ));
        }
    }
    parts.join(" ")
}

impl LogRow {
    /// The line the container wrote; `None` for a marker.
    pub fn line(&self) -> Option<&ShownLine> {
        match self {
            LogRow::Line(line) => Some(line),
            LogRow::Marker(_) => None,
        }
    }
}

/// A container's log, followed while the view is open.
#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub key: ContainerKey,
    pub name: String,
    pub lines: VecDeque<LogRow>,
    pub capacity: usize,
    /// Rows dropped from the front because the buffer was full.
    pub dropped: usize,
    pub status: LogStatus,
    /// When false, new lines are kept but the view stays where it is.
    pub following: bool,
    pub wrap: bool,
    pub timestamps: bool,
    pub search: String,
    pub editing_search: bool,
    /// Rows scrolled up from the bottom.
    pub scroll: usize,
}

impl LogView {
    pub fn new(key: ContainerKey, name: String, capacity: usize) -> Self {
        Self {
            key,
            name,
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            status: LogStatus::Streaming,
            following: true,
            wrap: false,
            timestamps: false,
            search: String::new(),
            editing_search: false,
            scroll: 0,
        }
    }

    pub fn apply_event(&mut self, event: LogEvent) {
        match event {
            LogEvent::Lines(lines) => {
                self.push_rows(lines.into_iter().map(|l| LogRow::Line(ShownLine::new(l))));
            }
            LogEvent::Waiting(reason) => self.status = LogStatus::Waiting(reason),
            LogEvent::Resumed { at, restarted } => {
                let marker = if restarted {
                    LogMarker::Restarted(at)
                } else {
                    LogMarker::Reattached(at)
                };
                self.push_rows([LogRow::Marker(marker)]);
                self.status = LogStatus::Streaming;
            }
            LogEvent::Ended(reason) => {
                self.push_rows([LogRow::Marker(LogMarker::Ended(reason.clone()))]);
                self.status = LogStatus::Ended(reason);
            }
        }
    }

    fn push_rows(&mut self, rows: impl IntoIterator<Item = LogRow>) {
        let mut added = 0;
        for row in rows {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
                self.dropped += 1;
            }
            self.lines.push_back(row);
            added += 1;
        }
        // A paused view keeps showing the same lines while new ones arrive below.
        if !self.following {
            self.scroll = (self.scroll + added).min(self.lines.len().saturating_sub(1));
        }
    }

    pub fn apply_scroll(&mut self, delta: isize) {
        let max = self.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize - delta).clamp(0, max) as usize;
        self.following = self.scroll == 0;
    }

    /// Indices of the lines whose shown form contains the search text (case-insensitive);
    /// markers never match.
    pub fn matches(&self) -> Vec<usize> {
        if self.search.is_empty() {
            return Vec::new();
        }
        let needle = self.search.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, row)| row.line().is_some_and(|l| l.folded.contains(&needle)))
            .map(|(i, _)| i)
            .collect()
    }

    /// Scrolls to the next match above (`older`) or below the line at the bottom of the view.
    pub fn apply_jump(&mut self, older: bool) {
        let bottom = self.lines.len().saturating_sub(1 + self.scroll);
        let matches = self.matches();
        let target = if older {
            matches.iter().rev().find(|&&i| i < bottom).copied()
        } else {
            matches.iter().find(|&&i| i > bottom).copied()
        };
        if let Some(index) = target {
            self.scroll = self.lines.len() - 1 - index;
            self.following = self.scroll == 0;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainersState {
    pub engines: Vec<EngineState>,
    /// The container list, grouped by Compose project: rows are containers.
    pub list: ListState<ContainerColumn, ContainerKey>,
    /// Where each container is: (engine index, container index).
    positions: HashMap<ContainerKey, (usize, usize)>,
    pub show_detail: bool,
    /// `v`: rows are grouped by engine rather than by Compose project.
    pub by_engine: bool,
    /// Rows of the detail pane scrolled past; back to 0 for another container.
    pub detail_scroll: usize,
    /// The container whose environment values are shown; everywhere else they are hidden.
    pub revealed_env: Option<ContainerKey>,
    pub logs: Option<LogView>,
}

impl Listed for ContainersState {
    type Sort = ContainerColumn;
    type Key = ContainerKey;

    fn list_mut(&mut self) -> &mut ListState<ContainerColumn, ContainerKey> {
        &mut self.list
    }

    fn refresh_rows(&mut self) {
        ContainersState::refresh_rows(self);
    }
}

impl ContainersState {
    pub fn new(engines: Vec<EngineState>) -> Self {
        Self {
            engines,
            ..Self::default()
        }
    }

    pub fn apply_snapshot(&mut self, snapshot: EngineSnapshot) {
        if let Some(engine) = self.engines.iter_mut().find(|e| e.name == snapshot.engine) {
            engine.version = Some(snapshot.version);
            engine.containers = snapshot.containers;
        }
        self.positions = self
            .engines
            .iter()
            .enumerate()
            .flat_map(|(e, engine)| {
                engine
                    .containers
                    .iter()
                    .enumerate()
                    .map(move |(c, container)| {
                        let key = ContainerKey {
                            engine: engine.name.clone(),
                            id: container.id.clone(),
                        };
                        (key, (e, c))
                    })
            })
            .collect();
        self.refresh_rows();
    }

    /// Sorts by the next column; `o` again moves on.
    pub fn apply_move(&mut self, delta: isize) {
        self.keeping_detail_scroll_per_container(|list| list.apply_move(delta));
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        self.keeping_detail_scroll_per_container(|list| list.apply_select_edge(last));
    }

    /// Runs a change of the list; the detail pane starts at the top for another container.
    fn keeping_detail_scroll_per_container(
        &mut self,
        change: impl FnOnce(&mut ListState<ContainerColumn, ContainerKey>),
    ) {
        let before = self.list.selected.clone();
        change(&mut self.list);
        if self.list.selected != before {
            self.detail_scroll = 0;
        }
    }

    pub fn apply_toggle_detail(&mut self) {
        self.show_detail = !self.show_detail;
        self.detail_scroll = 0;
    }

    pub fn apply_toggle_groups(&mut self) {
        self.by_engine = !self.by_engine;
        self.refresh_rows();
    }

    /// The group a container's row is in: its engine, or its Compose project (`None`: loose).
    pub fn group_of<'a>(
        &self,
        engine: &'a EngineState,
        container: &'a ContainerInfo,
    ) -> Option<&'a str> {
        if self.by_engine {
            Some(&engine.name)
        } else {
            container.compose_project()
        }
    }

    /// Scrolls the open detail pane by rows, at most until its last row is the top one; the view
    /// stops earlier, once the last row shows.
    pub fn apply_detail_scroll(&mut self, delta: isize) {
        if !self.show_detail {
            return;
        }
        let Some((_, container)) = self.selected_container() else {
            return;
        };
        let last = detail_rows(container).saturating_sub(1);
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(last);
    }

    /// The engine and the container a key names.
    pub fn container(&self, key: &ContainerKey) -> Option<(&EngineState, &ContainerInfo)> {
        let &(engine, index) = self.positions.get(key)?;
        let engine = self.engines.get(engine)?;
        Some((engine, engine.containers.get(index)?))
    }

    pub fn selected_container(&self) -> Option<(&EngineState, &ContainerInfo)> {
        self.container(self.list.selected.as_ref()?)
    }

    /// The containers shown, in order.
    pub fn visible_containers(&self) -> impl Iterator<Item = (&EngineState, &ContainerInfo)> {
        self.list.rows.iter().filter_map(|key| self.container(key))
    }

    pub fn total(&self) -> usize {
        self.engines.iter().map(|e| e.containers.len()).sum()
    }

    fn refresh_rows(&mut self) {
        let needle = self.list.filter.to_lowercase();
        let mut shown: Vec<(usize, &EngineState, &ContainerInfo)> = self
            .engines
            .iter()
            .enumerate()
            .flat_map(|(e, engine)| engine.containers.iter().map(move |c| (e, engine, c)))
            .filter(|(_, engine, c)| needle.is_empty() || matches_filter(engine, c, &needle))
            .collect();
        let (sort, descending) = (self.list.sort, self.list.descending);
        let by_engine = self.by_engine;
        shown.sort_by(|&(ea, engine_a, a), &(eb, engine_b, b)| {
            // Engines in the config's order, or Compose projects, stay together; containers
            // without a project come last.
            let group = if by_engine {
                ea.cmp(&eb)
            } else {
                (a.compose_project().is_none(), a.compose_project())
                    .cmp(&(b.compose_project().is_none(), b.compose_project()))
            };
            let order = compare(sort, (engine_a, a), (engine_b, b));
            let order = if descending { order.reverse() } else { order };
            group
                .then(order)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| ea.cmp(&eb))
        });
        let rows = shown
            .into_iter()
            .map(|(_, engine, c)| ContainerKey {
                engine: engine.name.clone(),
                id: c.id.clone(),
            })
            .collect();
        self.keeping_detail_scroll_per_container(|list| list.set_rows(rows));
    }
}

fn compare(
    column: ContainerColumn,
    (ea, a): (&EngineState, &ContainerInfo),
    (eb, b): (&EngineState, &ContainerInfo),
) -> std::cmp::Ordering {
    let stat = |c: &ContainerInfo, f: fn(&crate::model::containers::ContainerStats) -> f64| {
        c.stats.map_or(-1.0, |s| f(&s))
    };
    match column {
        ContainerColumn::Name => a.name.cmp(&b.name),
        ContainerColumn::Engine => ea.name.cmp(&eb.name),
        ContainerColumn::Image => a.image.cmp(&b.image),
        ContainerColumn::State => a.state.cmp(&b.state),
        ContainerColumn::Health => a.health.cmp(&b.health),
        ContainerColumn::Uptime => b.started_at.cmp(&a.started_at),
        ContainerColumn::Restarts => a.restart_count.cmp(&b.restart_count),
        ContainerColumn::Cpu => stat(a, |s| s.cpu_percent).total_cmp(&stat(b, |s| s.cpu_percent)),
        ContainerColumn::Memory => {
            stat(a, |s| s.memory_used as f64).total_cmp(&stat(b, |s| s.memory_used as f64))
        }
        ContainerColumn::Network => stat(a, |s| (s.net_rx_bytes + s.net_tx_bytes) as f64)
            .total_cmp(&stat(b, |s| (s.net_rx_bytes + s.net_tx_bytes) as f64)),
    }
}

fn matches_filter(engine: &EngineState, container: &ContainerInfo, needle: &str) -> bool {
    [
        container.name.as_str(),
        container.image.as_str(),
        engine.name.as_str(),
        &container.state.label(),
    ]
    .iter()
    .chain(container.compose_project().as_ref())
    .any(|field| field.to_lowercase().contains(needle))
        || container.health.is_some_and(|h| h.label() == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_read_as_level_message_then_fields() {
        let text = r#"{"level":"info","msg":"request done","status":200,"path":"/x"}"#;
        assert_eq!(readable(text), "info request done path=/x status=200");
        assert_eq!(readable("plain text"), "plain text");
        assert_eq!(readable("[1,2]"), "[1,2]");
    }
}
