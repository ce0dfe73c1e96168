//! The Alerts tab's state: the rules, every alert the engine keeps, the silences and the history,
//! and a list for each of its views. What the Alertmanagers report is in `fleet.rs`, what is kept
//! across restarts in `kept.rs`.

mod fleet;
mod kept;
mod prometheus;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::alerts::alertmanager::{ExternalAlert, PUSHED_BY};
use crate::alerts::engine::{
    Ack, Alert, AlertKey, AlertState, Alerts, Change, Origin, RuleIndex, RuleSet, Transition,
};
use crate::alerts::kept::{AckSilence, KeptAlerts, Silence, SilenceId};
use crate::alerts::notify::NotifyState;
use crate::alerts::rule::{RuleEntry, RuleOrigin};
use crate::command::{AlertAction, AlertCommand};
use crate::config::{AlertmanagerConfig, PrometheusConfig};
use crate::findings::Severity;
use crate::metrics::MetricStore;
use crate::model::alertmanager::AlertmanagerSnapshot;
use crate::state::list::{ListState, Listed, SortLabel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertSort {
    /// Most severe first, then oldest.
    #[default]
    Severity,
}

impl SortLabel for AlertSort {
    fn label(&self) -> &'static str {
        "severity"
    }
}

/// What the tab shows: the alerts, or the silences, the history or the rules behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertsView {
    #[default]
    Alerts,
    Silences,
    History,
    Rules,
}

impl AlertsView {
    pub const ALL: [AlertsView; 4] = [
        AlertsView::Alerts,
        AlertsView::Silences,
        AlertsView::History,
        AlertsView::Rules,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AlertsView::Alerts => "Alerts",
            AlertsView::Silences => "Silences",
            AlertsView::History => "History",
            AlertsView::Rules => "Rules",
        }
    }

    /// Whether a key of the tab does something in this view: the alert commands work on the
    /// alerts, ending a silence on the silences; moving and switching views work everywhere.
    pub fn offers(self, action: Action) -> bool {
        match action {
            Action::AckAlert
            | Action::UnackAlert
            | Action::SilenceAlert
            | Action::SilenceRule
            | Action::ToggleResolved
            | Action::GotoSubject
            | Action::OpenRunbook => self == AlertsView::Alerts,
            Action::ExpireSilence => self == AlertsView::Silences,
            _ => true,
        }
    }

    fn next(self) -> Self {
        let at = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }
}

/// The one order of the silences, the history and the rules lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FixedOrder {
    /// Silences by when they end, the history newest first, the rules as configured.
    #[default]
    Natural,
}

impl SortLabel for FixedOrder {
    fn label(&self) -> &'static str {
        "natural"
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertsState {
    /// The rules the engine evaluates.
    pub rules: RuleSet,
    /// What the engine derives from the rules and the series, kept between evaluations.
    pub index: RuleIndex,
    /// Every rule with its origin, the switched-off ones too.
    pub catalogue: Vec<RuleEntry>,
    pub alerts: Alerts,
    /// The pending and firing alerts a previous run kept, each waiting for its series to report
    /// again (see [`AlertsState::resume`]).
    pub restored: Alerts,
    /// When the first evaluation after the restore looked for them.
    pub restored_at: Option<DateTime<Utc>>,
    pub view: AlertsView,
    /// The console's silences and the Alertmanagers'; the list's filter is the alerts list's.
    pub silence_list: ListState<FixedOrder, SilenceRow>,
    /// The Alertmanagers' silences that hold back an alert listed here, other than the ones the
    /// console's own silences made there: an acknowledgement's, or one made there by anyone.
    pub fleet_silences: Vec<FleetSilence>,
    /// History entries by sequence number (see `history_seq`).
    pub history_list: ListState<FixedOrder, u64>,
    /// Rules by name.
    pub rule_list: ListState<FixedOrder, String>,
    /// The sequence number of the oldest history entry; each entry after it is one more.
    pub history_seq: u64,
    /// Firing and pending alerts, most severe then oldest first; resolved ones too with
    /// `show_resolved`.
    pub list: ListState<AlertSort, AlertKey>,
    pub show_resolved: bool,
    /// When the rules were last evaluated: the time the view measures ages against.
    pub evaluated_at: Option<DateTime<Utc>>,
    /// What happened to alerts, newest last, at most `HISTORY` entries.
    pub history: VecDeque<Transition>,
    /// Acknowledgements by alert; one lasts until its alert resolves.
    pub acks: BTreeMap<AlertKey, Ack>,
    pub silences: Vec<Silence>,
    /// The configured Alertmanagers, whose alerts join the list.
    pub alertmanagers: Vec<AlertmanagerSource>,
    /// The configured Prometheus servers, whose own alerts join the list.
    pub prometheus: Vec<PrometheusSource>,
    /// Every Alertmanager's alerts as its last answer listed them, by key (which names the
    /// Alertmanager); the rule engine never evaluates them.
    pub external: BTreeMap<AlertKey, ExternalAlert>,
    /// The silence each acknowledgement of an Alertmanager's alert made there: taking the
    /// acknowledgement back expires it, and the acknowledgement lasts no longer than it.
    pub ack_silences: BTreeMap<AlertKey, AckSilence>,
    /// Silences an Alertmanager made for a silence command whose result has not come back yet.
    pub made_silences: BTreeMap<AlertKey, String>,
    /// Counts changes to what is kept across restarts (acknowledgements, silences, history);
    /// `update` saves when it moved past `saved`.
    pub generation: u64,
    pub saved: u64,
    /// The `[[notify]]` targets: what each was told, and which fail.
    pub notify: NotifyState,
    /// The file of what the last run kept, when it could not be read at start.
    pub unreadable: Option<UnreadableFile>,
}

/// The file of what the last run kept, unreadable at start: what became of it, as the tab says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableFile {
    pub message: String,
    /// False when it could not be moved aside either: nothing is saved over it.
    pub saves: bool,
}

/// How long a restored alert waits for its series to report again before it resolves.
pub const RESUME_WAIT: chrono::Duration = chrono::Duration::minutes(5);

/// The note of an alert that was firing when the console stopped and is false when it starts.
pub const WENT_FALSE_WHILE_DOWN: &str = "went false while watchdeck was not running";

/// The note of an alert that was firing when the console stopped and whose series never came
/// back within [`RESUME_WAIT`].
pub const GONE_WHILE_DOWN: &str = "its series did not come back after the restart";

/// An Alertmanager, as the tab names it: its name, its address as it may be shown, and how long
/// an acknowledgement's silence lasts there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerSource {
    pub name: String,
    pub address: String,
    pub ack_silence: std::time::Duration,
}

/// A Prometheus, as the tab names it: its name and its address as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusSource {
    pub name: String,
    pub address: String,
}

/// How long the history is kept.
pub const HISTORY_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// A row of the silences view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SilenceRow {
    /// One of the console's silences.
    Own(SilenceId),
    /// A silence in the Alertmanager `name`, by its id.
    Fleet { name: String, id: String },
}

/// A silence in an Alertmanager that holds back alerts listed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetSilence {
    pub alertmanager: String,
    pub id: String,
    pub by: String,
    pub comment: String,
    pub until: DateTime<Utc>,
    /// The alerts listed here that it holds back.
    pub covers: Vec<AlertKey>,
    /// The alert whose acknowledgement by this console made it.
    pub ack_of: Option<AlertKey>,
}

impl FleetSilence {
    pub fn row(&self) -> SilenceRow {
        SilenceRow::Fleet {
            name: self.alertmanager.clone(),
            id: self.id.clone(),
        }
    }
}

/// Transitions kept in memory.
pub const HISTORY: usize = 10_000;

impl Listed for AlertsState {
    type Sort = AlertSort;
    type Key = AlertKey;

    fn list_mut(&mut self) -> &mut ListState<AlertSort, AlertKey> {
        &mut self.list
    }

    fn refresh_rows(&mut self) {
        AlertsState::refresh_rows(self);
    }
}

impl AlertsState {
    /// The state for a catalogue of rules: the engine evaluates those not switched off.
    pub fn new(catalogue: Vec<RuleEntry>) -> Self {
        let mut state = Self {
            rules: RuleSet::new(
                catalogue
                    .iter()
                    .filter(|entry| entry.origin != RuleOrigin::Off)
                    .map(|entry| entry.rule.clone())
                    .collect(),
            ),
            catalogue,
            ..Self::default()
        };
        state.refresh_rows();
        state
    }

    pub fn apply_next_view(&mut self) {
        self.view = self.view.next();
    }

    pub fn with_notify(mut self, notify: NotifyState) -> Self {
        self.notify = notify;
        self
    }

    /// The Alertmanagers whose alerts join the list.
    pub fn with_alertmanagers(mut self, configs: &[AlertmanagerConfig]) -> Self {
        self.alertmanagers = configs
            .iter()
            .map(|c| AlertmanagerSource {
                name: c.name.clone(),
                address: c.shown_url(),
                ack_silence: c.ack_silence,
            })
            .collect();
        self
    }

    /// The Prometheus servers whose own alerts join the list.
    pub fn with_prometheus(mut self, configs: &[PrometheusConfig]) -> Self {
        self.prometheus = configs
            .iter()
            .map(|c| PrometheusSource {
                name: c.name.clone(),
                address: c.shown_url(),
            })
            .collect();
        self
    }

    /// Replaces the alerts after an evaluation at `now`, records what changed, and orders the
    /// list again.
    pub fn apply_evaluation(
        &mut self,
        alerts: Alerts,
        transitions: Vec<Transition>,
        now: DateTime<Utc>,
    ) {
        self.alerts = alerts;
        self.evaluated_at = Some(now);
        // An acknowledgement belongs to one incident: it goes when its alert resolves. One whose
        // alert is not back yet (the console just started) waits a day for it.
        let acks = self.acks.len();
        let alerts = &self.alerts;
        // An Alertmanager's alert is acknowledged while the silence that says so lasts.
        self.ack_silences.retain(|_, silence| silence.until > now);
        let ack_silences = &self.ack_silences;
        self.acks.retain(|key, ack| match alerts.get(key) {
            _ if key.alertmanager().is_some() => ack_silences.contains_key(key),
            Some(alert) => alert.state != AlertState::Resolved,
            None => now - ack.at < chrono::Duration::days(1),
        });
        for (key, ack) in &self.acks {
            if let Some(alert) = self.alerts.get_mut(key) {
                alert.ack = Some(ack.clone());
            }
        }
        for (key, external) in &mut self.external {
            external.alert.ack = self.acks.get(key).cloned();
        }
        let silences = self.silences.len();
        self.silences.retain(|s| s.until > now);
        if (acks, silences) != (self.acks.len(), self.silences.len()) {
            self.generation += 1;
        }
        if !transitions.is_empty() {
            self.generation += 1;
        }
        for transition in transitions {
            self.record(transition);
        }
        while self
            .history
            .front()
            .is_some_and(|t| now - t.at > HISTORY_RETENTION)
        {
            self.history.pop_front();
            self.history_seq += 1;
        }
        self.refresh_rows();
    }

    /// Adds to the history, forgetting the oldest entry past `HISTORY`.
    fn record(&mut self, transition: Transition) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
            self.history_seq += 1;
        }
        self.history.push_back(transition);
    }

    /// A history entry by its sequence number.
    pub fn history_entry(&self, seq: u64) -> Option<&Transition> {
        let at = usize::try_from(seq.checked_sub(self.history_seq)?).ok()?;
        self.history.get(at)
    }

    pub fn apply_toggle_resolved(&mut self) {
        self.show_resolved = !self.show_resolved;
        self.refresh_rows();
    }

    /// Firing alerts, the ones the header counts: the console's own, and the Alertmanagers'
    /// that Alertmanager does not hold back for someone else (see [`ExternalAlert::held_back`]).
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.alerts
            .values()
            .filter(|a| a.state == AlertState::Firing)
            .chain(
                self.external
                    .values()
                    .filter(|e| e.alert.state == AlertState::Firing)
                    .filter(|e| !e.held_back(self.ack_silence_id(&e.alert.key)))
                    .map(|e| &e.alert),
            )
    }

    /// The worst of the console's firing alerts, not silenced, whose label `label` is `value`:
    /// what a tab's row about that thing shows.
    pub fn worst_about(&self, label: &str, value: &str) -> Severity {
        self.alerts
            .values()
            .filter(|a| a.state == AlertState::Firing)
            .filter(|a| a.key.label(label) == Some(value) && self.silence_of(&a.key).is_none())
            .map(|a| a.priority.severity())
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// The worst of the console's firing alerts, not silenced, of a rule over one of `series`,
    /// whose labels include `labels`: what a gauge of those series shows.
    pub fn worst_over(&self, series: &[&str], labels: &[(&str, &str)]) -> Severity {
        let over = |rule: &str| {
            self.rules
                .named(rule)
                .last()
                .is_some_and(|&i| series.contains(&self.rules[i].condition.series.as_str()))
        };
        self.alerts
            .values()
            .filter(|a| a.state == AlertState::Firing)
            .filter(|a| labels.iter().all(|(k, v)| a.key.label(k) == Some(v)))
            .filter(|a| over(&a.key.rule) && self.silence_of(&a.key).is_none())
            .map(|a| a.priority.severity())
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// The silence an alert is under, if any: the one that lasts longest.
    pub fn silence_of(&self, key: &AlertKey) -> Option<&Silence> {
        self.silences
            .iter()
            .filter(|s| s.covers(key))
            .max_by_key(|s| s.until)
    }

    /// How many alerts on screen, of any state, a silence covers: the console's and the
    /// Alertmanagers'.
    pub fn covered_by(&self, silence: &Silence) -> usize {
        let keys = self.alerts.keys().chain(self.external.keys());
        keys.filter(|k| silence.covers(k)).count()
    }

    pub fn selected(&self) -> Option<&Alert> {
        self.get(self.list.selected.as_ref()?)
    }

    /// The console's own alert or an Alertmanager's, by key.
    pub fn get(&self, key: &AlertKey) -> Option<&Alert> {
        self.alerts
            .get(key)
            .or_else(|| self.external.get(key).map(|e| &e.alert))
    }

    /// The id of the silence this console's acknowledgement made for an Alertmanager's alert.
    pub fn ack_silence_id(&self, key: &AlertKey) -> Option<&str> {
        self.ack_silences.get(key).map(|s| s.id.as_str())
    }

    /// Whether an alert is hidden behind the toggle and left out of the counts: silenced here,
    /// or held back by its Alertmanager.
    pub fn held_back(&self, key: &AlertKey) -> bool {
        self.silence_of(key).is_some()
            || self
                .external
                .get(key)
                .is_some_and(|e| e.held_back(self.ack_silence_id(key)))
    }

    /// Records a command on an alert that came back done, in the state and in the history.
    pub fn apply_done(&mut self, command: &AlertCommand, by: &str, now: DateTime<Utc>) {
        self.generation += 1;
        let change = match &command.action {
            AlertAction::Acknowledge => {
                let ack = Ack {
                    by: by.to_string(),
                    at: now,
                    note: command.note.clone(),
                };
                if let Some(alert) = self.alert_mut(&command.key) {
                    alert.ack = Some(ack.clone());
                }
                self.acks.insert(command.key.clone(), ack);
                Change::Acknowledged
            }
            AlertAction::Unacknowledge => {
                self.acks.remove(&command.key);
                self.ack_silences.remove(&command.key);
                if let Some(alert) = self.alert_mut(&command.key) {
                    alert.ack = None;
                }
                Change::Unacknowledged
            }
            AlertAction::Silence(for_) | AlertAction::SilenceRule(for_) => {
                self.silences
                    .retain(|s| !s.is(&command.key, &command.matchers));
                self.silences.push(Silence {
                    key: command.key.clone(),
                    matchers: command.matchers.clone(),
                    until: crate::duration::later(now, *for_),
                    by: by.to_string(),
                    comment: command.note.clone(),
                    alertmanager_id: self.made_silences.remove(&command.key),
                });
                Change::Silenced
            }
            AlertAction::ExpireSilence => {
                self.silences
                    .retain(|s| !s.is(&command.key, &command.matchers));
                Change::Unsilenced
            }
        };
        // The history's key holds the equal matchers; the others lead the note.
        let matchers: Vec<String> = command.matchers.iter().map(|m| m.to_string()).collect();
        let note = [matchers.join(" "), command.note.clone()];
        let note = note
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>();
        let value = self.alerts.get(&command.key).map(|a| a.value);
        self.record(Transition {
            key: command.key.clone(),
            change,
            at: now,
            value,
            by: Some(by.to_string()),
            note: note.join(" · "),
        });
        self.refresh_rows();
    }

    fn alert_mut(&mut self, key: &AlertKey) -> Option<&mut Alert> {
        match self.alerts.get_mut(key) {
            Some(alert) => Some(alert),
            None => self.external.get_mut(key).map(|e| &mut e.alert),
        }
    }

    fn refresh_rows(&mut self) {
        let needle = self.list.filter.to_lowercase();
        let mut shown: Vec<&Alert> = self
            .alerts
            .values()
            .chain(self.external.values().map(|e| &e.alert))
            .filter(|a| {
                self.show_resolved || (a.state != AlertState::Resolved && !self.held_back(&a.key))
            })
            .filter(|a| {
                needle.is_empty()
                    || key_matches(&a.key, &needle)
                    || a.summary.to_lowercase().contains(&needle)
            })
            .collect();
        // Firing, then pending, then resolved; within each, most severe then oldest.
        let rank = |state: AlertState| match state {
            AlertState::Firing => 0,
            AlertState::Pending => 1,
            AlertState::Resolved => 2,
        };
        shown.sort_by_key(|a| (rank(a.state), a.priority, a.active_since));
        let rows = shown.iter().map(|a| a.key.clone()).collect();
        self.list.set_rows(rows);

        self.fleet_silences = self.find_fleet_silences();
        let said = |by: &str, comment: &str| {
            comment.to_lowercase().contains(&needle) || by.to_lowercase().contains(&needle)
        };
        let own = self.silences.iter().filter(|s| {
            needle.is_empty() || key_matches(&s.key, &needle) || said(&s.by, &s.comment)
        });
        let fleet = self.fleet_silences.iter().filter(|s| {
            needle.is_empty()
                || s.alertmanager.to_lowercase().contains(&needle)
                || s.covers.iter().any(|k| key_matches(k, &needle))
                || said(&s.by, &s.comment)
        });
        let mut silences: Vec<(DateTime<Utc>, SilenceRow)> = own
            .map(|s| (s.until, SilenceRow::Own(s.id())))
            .chain(fleet.map(|s| (s.until, s.row())))
            .collect();
        silences.sort_by_key(|(until, _)| *until);
        let rows = silences.into_iter().map(|(_, row)| row).collect();
        self.silence_list.set_rows(rows);

        let first = self.history_seq;
        let rows = self
            .history
            .iter()
            .enumerate()
            .map(|(at, t)| (first + at as u64, t))
            .filter(|(_, t)| {
                needle.is_empty()
                    || key_matches(&t.key, &needle)
                    || t.change.label().contains(&needle)
                    || t.by
                        .as_ref()
                        .is_some_and(|by| by.to_lowercase().contains(&needle))
                    || t.note.to_lowercase().contains(&needle)
            })
            .map(|(seq, _)| seq)
            .rev()
            .collect();
        self.history_list.set_rows(rows);

        let rows = self
            .catalogue
            .iter()
            .filter(|entry| {
                needle.is_empty()
                    || entry.rule.name.to_lowercase().contains(&needle)
                    || entry
                        .rule
                        .condition
                        .to_string()
                        .to_lowercase()
                        .contains(&needle)
                    || entry.origin.label() == needle
            })
            .map(|entry| entry.rule.name.clone())
            .collect();
        self.rule_list.set_rows(rows);
    }

    /// The list of the view shown: what moving and paging move in.
    pub fn apply_move(&mut self, delta: isize) {
        match self.view {
            AlertsView::Alerts => self.list.apply_move(delta),
            AlertsView::Silences => self.silence_list.apply_move(delta),
            AlertsView::History => self.history_list.apply_move(delta),
            AlertsView::Rules => self.rule_list.apply_move(delta),
        }
    }

    pub fn apply_rows_in_view(&mut self, rows: usize) {
        match self.view {
            AlertsView::Alerts => self.list.apply_rows_in_view(rows),
            AlertsView::Silences => self.silence_list.apply_rows_in_view(rows),
            AlertsView::History => self.history_list.apply_rows_in_view(rows),
            AlertsView::Rules => self.rule_list.apply_rows_in_view(rows),
        }
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        match self.view {
            AlertsView::Alerts => self.list.apply_select_edge(last),
            AlertsView::Silences => self.silence_list.apply_select_edge(last),
            AlertsView::History => self.history_list.apply_select_edge(last),
            AlertsView::Rules => self.rule_list.apply_select_edge(last),
        }
    }

    /// The selected silence, when it is one of the console's.
    pub fn selected_silence(&self) -> Option<&Silence> {
        let SilenceRow::Own((key, matchers)) = self.silence_list.selected.as_ref()? else {
            return None;
        };
        self.silences.iter().find(|s| s.is(key, matchers))
    }

    /// How many silences the view lists.
    pub fn silence_count(&self) -> usize {
        self.silences.len() + self.fleet_silences.len()
    }

    pub fn selected_rule(&self) -> Option<&RuleEntry> {
        let name = self.rule_list.selected.as_ref()?;
        self.catalogue.iter().find(|entry| entry.rule.name == *name)
    }

    pub fn selected_history(&self) -> Option<&Transition> {
        self.history_entry(*self.history_list.selected.as_ref()?)
    }

    /// Firing or pending alerts of a rule, what the rules view counts.
    pub fn active_of(&self, rule: &str) -> usize {
        self.alerts
            .values()
            .filter(|a| a.key.rule == rule && a.state != AlertState::Resolved)
            .count()
    }
}

/// Whether a filter (lower case) is in a key's rule, its Alertmanager or one of its label values.
fn key_matches(key: &AlertKey, needle: &str) -> bool {
    key.rule.to_lowercase().contains(needle)
        || key
            .alertmanager()
            .is_some_and(|name| name.to_lowercase().contains(needle))
        || key
            .labels
            .iter()
            .any(|(_, v)| v.to_lowercase().contains(needle))
}
