//! The Alerts tab's reducer: evaluating the rules, the list's keys, acknowledging and silencing
//! through the one operator path, and jumping to what an alert is about.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::alerts::engine::{self, Alert, Change};
use crate::alerts::kept::KeptAlerts;
use crate::alerts::rule::format_value;
use crate::command::{AlertAction, AlertCommand, DEFAULT_SILENCE, OperatorCommand};
use crate::effect::Effect;
use crate::model::alertmanager::AlertmanagerSnapshot;
use crate::model::source::{SourceId, SourceReport};
use crate::reduce::{ask, source_answered, toast};
use crate::state::alerts::{UnreadableFile, WENT_FALSE_WHILE_DOWN};
use crate::state::list::PAGE;
use crate::state::runbook::Opened;
use crate::state::{AppState, ConfirmDialog, ToastKind, TypedConfirmation};
use crate::tab::Tab;
use crate::tabs::alerts::judge;
use crate::tabs::resources::record;
use crate::tabs::{self, Subject};

/// Evaluates every rule at `now` and makes the firing alerts the console's findings. An alert
/// the last run kept is evaluated as it was once its series reports again: one still true goes
/// on, one that went false meanwhile resolves now, saying so.
pub fn evaluate(state: &mut AppState, now: DateTime<Utc>) {
    let resumed = state.alerts.resume(&state.metrics, now);
    let (alerts, mut transitions) = engine::evaluate(
        &state.alerts.rules,
        &mut state.alerts.index,
        &state.metrics,
        &state.alerts.alerts,
        now,
    );
    for t in &mut transitions {
        if t.change == Change::Resolved && resumed.contains(&t.key) {
            t.note = WENT_FALSE_WHILE_DOWN.into();
        }
    }
    state.alerts.apply_evaluation(alerts, transitions, now);
    state.findings = judge::findings(
        &state.alerts,
        &state.sources,
        state.resources.implicit_host(),
        &state.fleet,
    );
    // Taken out while it reads the rest of the tab's state: what is silenced is `silence_of`'s
    // to say, whatever silences become.
    let mut notify = std::mem::take(&mut state.alerts.notify);
    let alerts = &state.alerts;
    notify.reconcile(
        &alerts.alerts,
        &alerts.restored,
        |key| alerts.silence_of(key).is_some(),
        &state.host,
        now,
    );
    if notify.has_outbox() {
        state.alerts.generation += 1;
    }
    state.alerts.notify = notify;
}

/// What an Alertmanager listed joins the list; one that cannot be read keeps what it listed
/// last, shown as stale, and its source is down.
pub fn apply_alertmanager_report(
    state: &mut AppState,
    name: &str,
    report: SourceReport<AlertmanagerSnapshot>,
    now: DateTime<Utc>,
) {
    let source = SourceId::alertmanager(name).name;
    if let Some((read_at, snapshot)) = source_answered(state, &source, report) {
        state
            .alerts
            .apply_alertmanager(name, snapshot, &state.host, read_at);
    }
    evaluate(state, now);
}

/// What the last run kept. A file written before the Resources tab's series carried `host`
/// names the local host's alerts without it: they get its label, so their acknowledgements,
/// pending and firing alerts and history carry on (silences match as before).
pub fn restore(state: &mut AppState, mut kept: KeptAlerts) {
    let rules = &state.alerts.rules;
    let series_of = |rule: &str| {
        let &index = rules.named(rule).last()?;
        Some(rules[index].condition.series.as_str())
    };
    let local = state.resources.local().key.clone();
    for key in kept.keys_mut() {
        record::label_local_host(key, &local, series_of);
    }
    state.alerts.restore(kept);
}

/// The file of what the last run kept could not be read at start: a toast and a line in the
/// tab say what became of it (`message`), and whether saving goes on (`saves`).
pub fn apply_unreadable_file(
    state: &mut AppState,
    message: String,
    saves: bool,
    now: DateTime<Utc>,
) {
    toast(state, ToastKind::Error, message.clone(), now);
    state.alerts.unreadable = Some(UnreadableFile { message, saves });
}

/// A command on an alert came back done: the state records it, and the findings follow.
pub fn apply_done(state: &mut AppState, command: &AlertCommand, now: DateTime<Utc>) {
    state.alerts.apply_done(command, &state.operator, now);
    state.findings = judge::findings(
        &state.alerts,
        &state.sources,
        state.resources.implicit_host(),
        &state.fleet,
    );
}

/// A key the shell left to this tab.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let alerts = &mut state.alerts;
    match action {
        Action::SelectNext => alerts.apply_move(1),
        Action::SelectPrev => alerts.apply_move(-1),
        Action::PageDown => alerts.apply_move(PAGE),
        Action::PageUp => alerts.apply_move(-PAGE),
        Action::SelectFirst => alerts.apply_select_edge(false),
        Action::SelectLast => alerts.apply_select_edge(true),
        Action::NextAlertView => alerts.apply_next_view(),
        _ if !alerts.view.offers(action) => {}
        Action::ExpireSilence => return ask_to_expire_silence(state, now),
        Action::ToggleResolved => alerts.apply_toggle_resolved(),
        Action::AckAlert => return ask_about_alert(state, AlertAction::Acknowledge, now),
        Action::UnackAlert => return ask_about_alert(state, AlertAction::Unacknowledge, now),
        Action::SilenceAlert => {
            return ask_about_alert(state, AlertAction::Silence(DEFAULT_SILENCE), now);
        }
        Action::SilenceRule => {
            return ask_about_alert(state, AlertAction::SilenceRule(DEFAULT_SILENCE), now);
        }
        Action::GotoSubject => go_to_subject(state),
        Action::OpenRunbook => return open_runbook(state, now),
        _ => {}
    }
    Vec::new()
}

/// Asks to end the selected silence before its time, with a reason to type; one an
/// Alertmanager holds for someone else is theirs to end, and an acknowledgement's goes with it.
fn ask_to_expire_silence(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if let Some(silence) = state.alerts.selected_fleet_silence() {
        let text = match &silence.ack_of {
            Some(key) => format!(
                "the silence of an acknowledgement: A on {} takes it back",
                key.rule
            ),
            None => format!(
                "made in Alertmanager {} by {}: end it there",
                silence.alertmanager, silence.by
            ),
        };
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    }
    let Some(silence) = state.alerts.selected_silence() else {
        toast(state, ToastKind::Info, "select a silence first".into(), now);
        return Vec::new();
    };
    let command = OperatorCommand::Alert(AlertCommand {
        key: silence.key.clone(),
        action: AlertAction::ExpireSilence,
        note: String::new(),
        ack_silence: silence.alertmanager_id.clone(),
        matchers: silence.matchers.clone(),
    });
    let lines = vec![
        format!(
            "Silenced by {} until {}: {}",
            silence.by,
            silence.until.format("%Y-%m-%d %H:%M UTC"),
            silence.comment
        ),
        format!(
            "{} it covers notify again. Why (optional):",
            crate::words::count(state.alerts.covered_by(silence), "alert")
        ),
    ];
    ask_typed(
        state,
        format!("End the silence of {}", silence.key.rule),
        lines,
        command,
        now,
    )
}

/// Opens the dialog for a command on the selected alert, with a note to type; refused with the
/// reason in the read-only modes.
fn ask_about_alert(state: &mut AppState, action: AlertAction, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(alert) = state.alerts.selected() else {
        toast(state, ToastKind::Info, "select an alert first".into(), now);
        return Vec::new();
    };
    let pointless = match action {
        AlertAction::Acknowledge => alert.ack.is_some(),
        AlertAction::Unacknowledge => alert.ack.is_none(),
        _ => false,
    };
    if pointless {
        let text = match action {
            AlertAction::Acknowledge => format!("{} is already acknowledged", alert.key.rule),
            _ => format!("{} is not acknowledged", alert.key.rule),
        };
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    }
    let (title, prompt) = match action {
        AlertAction::Acknowledge => ("Acknowledge", "A note for whoever looks next (optional):"),
        AlertAction::Unacknowledge => ("Take back the acknowledgement of", "Why (optional):"),
        AlertAction::Silence(_) => (
            "Silence",
            "How long and why, e.g. `4h disk cleanup running` (1m to 1year; default 1h):",
        ),
        _ => (
            "Silence every alert of",
            "How long, the matchers (= != =~ !~) and why, e.g. `4h container=~trial-.* \
             cleanup` (no matcher: the whole rule):",
        ),
    };
    let mut lines = vec![
        format!("{} {}: {}", alert.priority, alert.key.rule, alert.summary),
        prompt.to_string(),
    ];
    if let Some(name) = alert.key.alertmanager() {
        lines.insert(1, fleet_effect(state, name, &action));
    }
    let title = format!("{title} {}", alert.key.rule);
    let ack_silence = match action {
        AlertAction::Unacknowledge => state.alerts.ack_silence_id(&alert.key).map(str::to_string),
        _ => None,
    };
    let command = OperatorCommand::Alert(AlertCommand {
        key: alert.key.clone(),
        action,
        note: String::new(),
        ack_silence,
        matchers: Vec::new(),
    });
    ask_typed(state, title, lines, command, now)
}

/// Opens the dialog for a command that takes a typed note, unless it is refused.
fn ask_typed(
    state: &mut AppState,
    title: String,
    lines: Vec<String>,
    command: OperatorCommand,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    ask(
        state,
        ConfirmDialog {
            title,
            lines,
            command,
            then: None,
            typed: Some(TypedConfirmation {
                expected: None,
                typed: String::new(),
            }),
        },
        now,
    )
}

/// What a command on an Alertmanager's alert does there, for its dialog: every engineer looking
/// at that Alertmanager sees the silence, its creator and its comment.
fn fleet_effect(state: &AppState, alertmanager: &str, action: &AlertAction) -> String {
    let ack_silence = state
        .alerts
        .alertmanagers
        .iter()
        .find(|a| a.name == alertmanager)
        .map_or(std::time::Duration::ZERO, |a| a.ack_silence);
    match action {
        AlertAction::Acknowledge => format!(
            "Alertmanager {alertmanager}: a silence of exactly its labels for {}, by {}, the note \
             as its comment",
            humantime::format_duration(ack_silence),
            state.operator
        ),
        AlertAction::Unacknowledge => {
            format!("Alertmanager {alertmanager}: the acknowledgement's silence is expired")
        }
        AlertAction::Silence(_) => format!(
            "Alertmanager {alertmanager}: a silence of exactly its labels, by {}",
            state.operator
        ),
        _ => format!(
            "Alertmanager {alertmanager}: a silence of its alertname and the labels typed, by {}",
            state.operator
        ),
    }
}

/// Goes to the tab the selected alert is about, with its subject selected there: a container
/// alert to that container, where `r` restarts it and `l` opens its logs; a database's or an
/// endpoint's to that database or endpoint.
fn go_to_subject(state: &mut AppState) {
    let Some(alert) = state.alerts.selected() else {
        return;
    };
    let subject = subject_of(alert);
    let tab = state
        .findings
        .iter()
        .find(|f| f.subject == judge::subject(alert, state.resources.implicit_host()))
        .map(|f| f.tab)
        .or_else(|| subject.as_ref().map(Subject::tab))
        .unwrap_or(Tab::Resources);
    if let Some(subject) = &subject {
        tabs::focus(state, subject);
    }
    state.tab = tab;
}

/// What an alert is about, by the labels the rules over each tab's series carry.
fn subject_of(alert: &Alert) -> Option<Subject> {
    let label = |name: &str| alert.key.label(name).map(str::to_string);
    if let (Some(engine), Some(name)) = (label("engine"), label("container")) {
        return Some(Subject::Container { engine, name });
    }
    label("database")
        .map(|name| Subject::Database { name })
        .or_else(|| label("endpoint").map(|name| Subject::Endpoint { name }))
}

/// Opens the selected alert's runbook in the Runbook tab: its procedure, with the alert at the
/// top and its ticks and actions recorded against this firing; a runbook the console has no
/// procedure for is shown as its URL, which `y` copies.
fn open_runbook(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(alert) = state.alerts.selected() else {
        toast(state, ToastKind::Info, "select an alert first".into(), now);
        return Vec::new();
    };
    let Some(runbook) = alert.runbook.clone() else {
        let text = format!("{} names no runbook", alert.key.rule);
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    };
    let procedure = state
        .runbook
        .runbooks
        .procedure(&runbook)
        .map(|r| r.name.clone());
    let is_url = runbook.contains("://");
    if procedure.is_none() && !is_url {
        let text = format!("no runbook procedure is called {runbook:?}");
        toast(state, ToastKind::Error, text, now);
        return Vec::new();
    }
    let opened = Opened {
        procedure,
        alert: alert.key.clone(),
        summary: alert.summary.clone(),
        value: format_value(alert.value),
        since: alert.firing_since.unwrap_or(alert.active_since),
        url: is_url.then_some(runbook),
    };
    let subject = Subject::Runbook(Box::new(opened));
    tabs::focus(state, &subject);
    state.tab = subject.tab();
    Vec::new()
}
