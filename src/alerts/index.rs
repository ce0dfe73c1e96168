//! What the rule engine derives from the rules alone ([`RuleSet`], made once per set of rules)
//! and from the rules and the store's set of series ([`RuleIndex`], kept across evaluations and
//! built again whenever either changed), so that an evaluation looks at each rule's own series
//! and nothing else. Neither changes what an evaluation gives.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::HashMap;
use promql_parser::label::MatchOp;

use super::rule::{Rule, SummaryTemplate};
use crate::metrics::{MetricStore, SeriesId, SeriesVersion};

/// The rules the engine evaluates, read as a slice; never changed in place: other rules make
/// another set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    version: RulesVersion,
    /// Every rule of a name, in order (a name is meant to be one rule).
    by_name: HashMap<String, Vec<usize>>,
    /// The rules that name one value of a label (`host="db-1"`, the usual rule of a fleet), by
    /// series name, label and value: they look at the series with that value alone.
    by_label: HashMap<String, HashMap<String, HashMap<String, Vec<usize>>>>,
    /// The other rules, which look at every series of their name.
    unindexed: Vec<usize>,
    /// Whether the label's value is all a rule asks: every series found by it is selected.
    by_label_alone: Vec<bool>,
    /// Each rule's summary, read once.
    summaries: Vec<SummaryTemplate>,
}

/// Names one set of rules: two sets share it only while one is a clone of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RulesVersion(u64);

impl RulesVersion {
    fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_label: HashMap<String, HashMap<String, HashMap<String, Vec<usize>>>> =
            HashMap::new();
        let mut unindexed = Vec::new();
        let mut by_label_alone = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            by_name.entry_ref(rule.name.as_str()).or_default().push(i);
            let condition = &rule.condition;
            let exact = condition
                .matchers
                .iter()
                .find(|m| matches!(m.op, MatchOp::Equal) && !m.value.is_empty());
            by_label_alone.push(exact.is_some() && condition.matchers.len() == 1);
            match exact {
                Some(m) => by_label
                    .entry_ref(condition.series.as_str())
                    .or_default()
                    .entry_ref(m.name.as_str())
                    .or_default()
                    .entry_ref(m.value.as_str())
                    .or_default()
                    .push(i),
                None => unindexed.push(i),
            }
        }
        Self {
            summaries: rules
                .iter()
                .map(|r| SummaryTemplate::parse(&r.summary))
                .collect(),
            rules,
            version: RulesVersion::fresh(),
            by_name,
            by_label,
            unindexed,
            by_label_alone,
        }
    }

    /// The summary of rule `i`.
    pub fn summary(&self, rule: usize) -> &SummaryTemplate {
        &self.summaries[rule]
    }

    /// The positions of the rules named `name`.
    pub fn named(&self, name: &str) -> &[usize] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Deref for RuleSet {
    type Target = [Rule];

    fn deref(&self) -> &[Rule] {
        &self.rules
    }
}

/// Two sets are equal when their rules are.
impl PartialEq for RuleSet {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules
    }
}

/// The series each rule selects, for one set of rules and one set of series.
#[derive(Debug, Clone, Default)]
pub struct RuleIndex {
    built_for: Option<(RulesVersion, SeriesVersion)>,
    /// The series rule `i` selects, oldest first, are `selected[bounds[i]..bounds[i + 1]]`.
    selected: Vec<SeriesId>,
    bounds: Vec<usize>,
    /// Room for the next build: every rule's candidates, by rule.
    candidates: Vec<(usize, SeriesId)>,
}

/// A cache: two states are the same whatever they have cached.
impl PartialEq for RuleIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl RuleIndex {
    /// Builds the index again unless it was built for these rules and this set of series.
    pub fn refresh(&mut self, rules: &RuleSet, store: &MetricStore) {
        let current = (rules.version, store.series_version());
        if self.built_for != Some(current) {
            self.build(rules, store);
            self.built_for = Some(current);
        }
    }

    fn build(&mut self, rules: &RuleSet, store: &MetricStore) {
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        for (name, by_key) in &rules.by_label {
            for id in store.select(name, &[]) {
                let mut last_key = None;
                for (key, value) in store.labels(id) {
                    // A label given more than once reads as its first value (the least: labels
                    // are sorted), as `Condition::selects` reads it.
                    if last_key.replace(key) == Some(key) {
                        continue;
                    }
                    if let Some(wanting) = by_key.get(key).and_then(|values| values.get(value)) {
                        candidates.extend(wanting.iter().map(|&rule| (rule, id)));
                    }
                }
            }
        }
        for &rule in &rules.unindexed {
            let series = &rules[rule].condition.series;
            candidates.extend(store.select(series, &[]).map(|id| (rule, id)));
        }
        // Stable: each rule's series stay in the store's order.
        candidates.sort_by_key(|&(rule, _)| rule);
        self.selected.clear();
        self.bounds.clear();
        self.bounds.push(0);
        let mut labels = Vec::new();
        let mut next = candidates.iter().peekable();
        for (i, rule) in rules.iter().enumerate() {
            while let Some(&(_, id)) = next.next_if(|(rule, _)| *rule == i) {
                if rules.by_label_alone[i] {
                    self.selected.push(id);
                    continue;
                }
                labels.clear();
                labels.extend(store.labels(id));
                if rule.condition.selects(&labels) {
                    self.selected.push(id);
                }
            }
            self.bounds.push(self.selected.len());
        }
        self.candidates = candidates;
    }

    /// The series rule `i` selects, oldest first.
    pub fn selected(&self, rule: usize) -> &[SeriesId] {
        &self.selected[self.bounds[rule]..self.bounds[rule + 1]]
    }
}
