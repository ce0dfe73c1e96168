//! What the Alertmanagers report: their alerts beside the console's, the history of when each
//! began and ended, and the silences there that hold back an alert listed here.

use super::*;

impl AlertsState {
    /// Every alert an Alertmanager lists now replaces what it listed before; one that this
    /// console pushed (labelled with this `host`) is listed already, as its own. An
    /// acknowledgement whose alert is gone (resolved) goes with it, and the history records
    /// what began and ended, at `read_at`, when the Alertmanager was read.
    pub fn apply_alertmanager(
        &mut self,
        name: &str,
        snapshot: AlertmanagerSnapshot,
        host: &str,
        read_at: DateTime<Utc>,
    ) {
        self.external
            .retain(|key, _| key.alertmanager() != Some(name));
        for reported in snapshot.alerts {
            if reported.labels.get(PUSHED_BY).map(String::as_str) == Some(host) {
                continue;
            }
            let mut external = ExternalAlert::new(name, reported);
            external.alert.ack = self.acks.get(&external.alert.key).cloned();
            self.external.insert(external.alert.key.clone(), external);
        }
        self.drop_listed_twice();
        let external = &self.external;
        let resolved: Vec<AlertKey> = self
            .ack_silences
            .keys()
            .filter(|key| key.alertmanager() == Some(name) && !external.contains_key(key))
            .cloned()
            .collect();
        for key in &resolved {
            self.ack_silences.remove(key);
            self.acks.remove(key);
            self.generation += 1;
        }
        self.record_fleet_changes(&Origin::Alertmanager(name.to_string()), read_at);
        self.refresh_rows();
    }

    /// Brings the history in line with what the server of `origin` lists: an alert it lists
    /// that the history has not firing began firing, and one the history has firing that it no
    /// longer lists resolved, also when that happened while this console was not running. The
    /// history is the only memory of this, so a restart records nothing twice.
    pub(super) fn record_fleet_changes(&mut self, origin: &Origin, read_at: DateTime<Utc>) {
        let mut firing = self.firing_in_history(origin);
        let mut changes = Vec::new();
        let listed = self.external.iter();
        for (key, _) in listed.filter(|(_, e)| e.alert.state == AlertState::Firing) {
            if key.origin == *origin && !firing.remove(key) {
                changes.push((key.clone(), Change::Firing));
            }
        }
        changes.extend(firing.into_iter().map(|key| (key, Change::Resolved)));
        if changes.is_empty() {
            return;
        }
        self.generation += 1;
        for (key, change) in changes {
            self.record(Transition {
                key,
                change,
                at: read_at,
                // Alertmanager's alerts carry no value.
                value: None,
                by: None,
                note: String::new(),
            });
        }
    }

    /// The alerts of the server of `origin` whose last firing or resolved entry in the history
    /// is firing.
    pub(super) fn firing_in_history(&self, origin: &Origin) -> BTreeSet<AlertKey> {
        let mut firing = BTreeSet::new();
        let entries = self.history.iter();
        for t in entries.filter(|t| t.key.origin == *origin) {
            match t.change {
                Change::Firing => firing.insert(t.key.clone()),
                Change::Resolved => firing.remove(&t.key),
                _ => false,
            };
        }
        firing
    }

    /// The silence an acknowledgement of an Alertmanager's alert made there.
    pub fn apply_ack_silence(&mut self, key: AlertKey, silence: AckSilence) {
        self.ack_silences.insert(key, silence);
        self.generation += 1;
    }

    /// The selected silence, when it is an Alertmanager's.
    pub fn selected_fleet_silence(&self) -> Option<&FleetSilence> {
        let row = self.silence_list.selected.as_ref()?;
        self.fleet_silences.iter().find(|s| s.row() == *row)
    }

    /// Every silence the Alertmanagers say holds back an alert listed here, and every
    /// acknowledgement's silence, but for those the console's own silences made: by when they
    /// end.
    pub(super) fn find_fleet_silences(&self) -> Vec<FleetSilence> {
        let made_here: BTreeSet<&str> = self
            .silences
            .iter()
            .filter_map(|s| s.alertmanager_id.as_deref())
            .collect();
        let ack_of = |id: &str| {
            let acks = self.ack_silences.iter();
            acks.filter(|(_, s)| s.id == id)
                .map(|(k, _)| k.clone())
                .next()
        };
        let mut found: BTreeMap<(String, String), FleetSilence> = BTreeMap::new();
        for (key, external) in &self.external {
            let Some(name) = key.alertmanager() else {
                continue;
            };
            for silence in &external.silenced_by {
                if made_here.contains(silence.id.as_str()) {
                    continue;
                }
                found
                    .entry((name.to_string(), silence.id.clone()))
                    .or_insert_with(|| FleetSilence {
                        alertmanager: name.to_string(),
                        id: silence.id.clone(),
                        by: silence.created_by.clone(),
                        comment: silence.comment.clone(),
                        until: silence.ends_at,
                        covers: Vec::new(),
                        ack_of: ack_of(&silence.id),
                    })
                    .covers
                    .push(key.clone());
            }
        }
        // An acknowledgement's silence the Alertmanager has not listed yet (made since its
        // last poll), with who acknowledged and why.
        for (key, silence) in &self.ack_silences {
            let Some(name) = key.alertmanager() else {
                continue;
            };
            let ack = self.acks.get(key);
            found
                .entry((name.to_string(), silence.id.clone()))
                .or_insert_with(|| FleetSilence {
                    alertmanager: name.to_string(),
                    id: silence.id.clone(),
                    by: ack.map(|a| a.by.clone()).unwrap_or_default(),
                    comment: ack.map(|a| a.note.clone()).unwrap_or_default(),
                    until: silence.until,
                    covers: self
                        .external
                        .contains_key(key)
                        .then(|| key.clone())
                        .into_iter()
                        .collect(),
                    ack_of: Some(key.clone()),
                });
        }
        found.into_values().collect()
    }
}
