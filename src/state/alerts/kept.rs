//! What the Alerts tab keeps across a restart: saved when it changes, restored at start, and
//! each kept alert resumed once its series reports again.

use super::*;

impl AlertsState {
    /// The restored alerts whose series reports again join the alerts, to be evaluated as they
    /// were (the same SINCE, RESPOND BY and escalation); gives their keys. A firing one whose
    /// series has not reported [`RESUME_WAIT`] after the first evaluation resolves, and a
    /// pending one goes, as the engine does with an alert whose series is gone.
    pub fn resume(&mut self, store: &MetricStore, now: DateTime<Utc>) -> BTreeSet<AlertKey> {
        if self.restored.is_empty() {
            return BTreeSet::new();
        }
        let since = *self.restored_at.get_or_insert(now);
        let reports = |key: &AlertKey| {
            let rule = self.rules.named(&key.rule).last().map(|&i| &self.rules[i]);
            let labels: Vec<(&str, &str)> = key
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            rule.and_then(|rule| store.series_id(&rule.condition.series, &labels))
                .and_then(|id| store.latest_id(id))
                .is_some()
        };
        let back: BTreeSet<AlertKey> = self
            .restored
            .keys()
            .filter(|key| reports(key))
            .cloned()
            .collect();
        for key in &back {
            if let Some(mut alert) = self.restored.remove(key) {
                alert.ack = self.acks.get(key).cloned();
                self.alerts.insert(key.clone(), alert);
            }
        }
        if now - since >= RESUME_WAIT {
            let gone = std::mem::take(&mut self.restored);
            let firing = gone.into_values().filter(|a| a.state == AlertState::Firing);
            for alert in firing {
                self.generation += 1;
                self.record(Transition {
                    key: alert.key,
                    change: Change::Resolved,
                    at: now,
                    value: None,
                    by: None,
                    note: GONE_WHILE_DOWN.into(),
                });
            }
        }
        back
    }

    /// What to save, when it changed since the last save.
    pub fn take_unsaved(&mut self) -> Option<KeptAlerts> {
        let refused = self.unreadable.as_ref().is_some_and(|u| !u.saves);
        if self.generation == self.saved || refused {
            return None;
        }
        self.saved = self.generation;
        Some(KeptAlerts {
            acks: self
                .acks
                .iter()
                .map(|(k, a)| (k.clone(), a.clone()))
                .collect(),
            silences: self.silences.clone(),
            history: self.history.iter().cloned().collect(),
            ack_silences: self
                .ack_silences
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect(),
            alerts: self
                .alerts
                .values()
                .chain(self.restored.values())
                .filter_map(Alert::kept)
                .collect(),
            told: self.notify.kept(),
        })
    }

    /// What a previous run kept: acknowledgements wait for their alerts to fire again, and the
    /// alerts for their series to report (see [`AlertsState::resume`]); an alert whose rule is
    /// gone goes with it.
    pub fn restore(&mut self, kept: KeptAlerts) {
        let rules = &self.rules;
        self.restored = kept
            .alerts
            .into_iter()
            .filter(|k| k.key.is_own())
            .filter_map(|k| {
                let &rule = rules.named(&k.key.rule).last()?;
                Some(k.restore(&rules[rule], rules.summary(rule)))
            })
            .map(|alert| (alert.key.clone(), alert))
            .collect();
        self.notify.restore(kept.told);
        self.acks = kept.acks.into_iter().collect();
        self.silences = kept.silences;
        self.history = kept.history.into_iter().collect();
        self.ack_silences = kept.ack_silences.into_iter().collect();
        self.refresh_rows();
    }
}
