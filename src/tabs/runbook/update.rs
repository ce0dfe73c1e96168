//! The Runbook tab's reducer: moving between views, periods and steps; ticking a step and
//! adding a note, and a step's action, through the one operator gate; the shared log as it is
//! read again; a procedure opened from an alert.

use chrono::{DateTime, FixedOffset, Utc};

use crate::action::Action;
use crate::command::{Mark, OperatorCommand, RunbookCommand, Toward};
use crate::effect::Effect;
use crate::msg::CheckRun;
use crate::reduce::{ask, toast};
use crate::runbook::catalogue::Runbooks;
use crate::runbook::check::{
    CheckOutcome, CheckResult, CommandRun, Needs, Observed, command_allowed, judge, judge_command,
    judge_logs,
};
use crate::runbook::log::RunbookLog;
use crate::runbook::model::{ActionTargets, Check, Origin, StepAction};
use crate::state::list::PAGE;
use crate::state::runbook::{Opened, RELOAD_EVERY, RUN_EVERY, RunbookView};
use crate::state::{AppState, ConfirmDialog, ToastKind, TypedConfirmation};
use crate::tab::Tab;

/// A key the shell left to this tab.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let runbook = &mut state.runbook;
    match action {
        Action::SelectNext => runbook.apply_move(1, now),
        Action::SelectPrev => runbook.apply_move(-1, now),
        Action::PageDown => runbook.apply_move(PAGE, now),
        Action::PageUp => runbook.apply_move(-PAGE, now),
        Action::SelectFirst => runbook.apply_select_edge(false, now),
        Action::SelectLast => runbook.apply_select_edge(true, now),
        Action::NextRunbookView => runbook.apply_next_view(),
        _ if !offers(state, action) => {}
        Action::ToggleDetail => state.runbook.show_detail = !state.runbook.show_detail,
        Action::PrevPeriod => state.runbook.apply_browse(true),
        Action::NextPeriod => state.runbook.apply_browse(false),
        Action::TickDone => return ask_tick(state, Mark::Done, now),
        Action::TickSkipped => return ask_tick(state, Mark::Skipped, now),
        Action::TickFailed => return ask_tick(state, Mark::Failed, now),
        Action::AddNote => return ask_note(state, now),
        Action::RunStepAction => return ask_step_action(state, now),
        Action::CopyRunbookUrl => return copy_url(state, now),
        Action::RunCheck => return run_check(state, now),
        _ => {}
    }
    Vec::new()
}

/// What the view shown offers: ticks and actions where steps are listed, periods where they
/// can be browsed, the URL where an alert named one.
pub fn offers(state: &AppState, action: Action) -> bool {
    let runbook = &state.runbook;
    let steps = match runbook.view {
        RunbookView::Checklist(_) => true,
        RunbookView::Procedure => runbook
            .opened
            .as_ref()
            .is_some_and(|o| o.procedure.is_some()),
        RunbookView::ShiftLog => false,
    };
    match action {
        Action::TickDone
        | Action::TickSkipped
        | Action::TickFailed
        | Action::RunStepAction
        | Action::RunCheck
        | Action::ToggleDetail => steps,
        Action::PrevPeriod => runbook.view != RunbookView::Procedure,
        Action::NextPeriod => runbook.view != RunbookView::Procedure && runbook.back > 0,
        Action::CopyRunbookUrl => {
            runbook.view == RunbookView::Procedure
                && runbook.opened.as_ref().is_some_and(|o| o.url.is_some())
        }
        _ => true,
    }
}

/// Esc below the overlays closes the step's details, then goes back to the current period.
pub fn cancel(state: &mut AppState) -> Vec<Effect> {
    let runbook = &mut state.runbook;
    if runbook.show_detail {
        runbook.show_detail = false;
    } else {
        runbook.back = 0;
    }
    Vec::new()
}

/// Shows the procedure opened from an alert, from its first step.
pub fn focus(state: &mut AppState, opened: &Opened) {
    let runbook = &mut state.runbook;
    runbook.opened = Some(opened.clone());
    runbook.view = RunbookView::Procedure;
    runbook.selected = 0;
    runbook.show_detail = false;
}

/// The shared log as just read or written: what other consoles ticked shows.
pub fn apply_log(
    state: &mut AppState,
    log: Result<RunbookLog, String>,
    offset: FixedOffset,
    now: DateTime<Utc>,
) {
    let runbook = &mut state.runbook;
    runbook.offset = offset;
    match log {
        Ok(log) => {
            runbook.log = runbook.log.merge(&log);
            runbook.log_error = None;
        }
        Err(error) => {
            if runbook.log_error.as_ref() != Some(&error) {
                toast(state, ToastKind::Error, error.clone(), now);
            }
            state.runbook.log_error = Some(error);
        }
    }
    let last = state.runbook.rows(now).saturating_sub(1);
    state.runbook.selected = state.runbook.selected.min(last);
}

/// Once a second: the automatic checks judged again, and the shared log read again every
/// [`RELOAD_EVERY`], from the first tick on.
pub fn apply_tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    // Their results show on this tab alone: judged while it is shown, from its first second.
    if state.tab == Tab::Runbook {
        evaluate_checks(state, now);
    }
    let mut effects = due_runs(state, now);
    let runbook = &mut state.runbook;
    if runbook.reload_at.is_none_or(|at| now >= at) {
        runbook.reload_at = Some(now + RELOAD_EVERY);
        effects.push(Effect::LoadRunbookLog);
    }
    effects
}

/// Every [`RUN_EVERY`]: the logs checks of the runbook shown and the `auto` ones, and the
/// `auto` command checks of the operator's own runbooks (whatever the mode: the file said so),
/// each unless it still runs.
fn due_runs(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if state.runbook.runs_at.is_some_and(|at| now < at) {
        return Vec::new();
    }
    state.runbook.runs_at = Some(now + RUN_EVERY);
    let shown = shown_name(state, now);
    let runbooks = state.runbook.runbooks.clone();
    let mut effects = Vec::new();
    for runbook in runbooks.iter() {
        let is_shown = shown.as_ref() == Some(&runbook.name);
        for step in &runbook.steps {
            let Some(check) = &step.check else {
                continue;
            };
            let key = (runbook.name.clone(), step.id.clone());
            if state.runbook.running.contains(&key) {
                continue;
            }
            let (runbook, step_id) = key.clone();
            let effect = match check.needs() {
                Needs::Logs(scan) if is_shown || step.auto => Effect::ScanLogs {
                    runbook,
                    step: step_id,
                    scan,
                },
                Needs::Command(run)
                    if command_allowed(step, state.mode, false).is_ok()
                        && runbook_is_users(&runbooks, &runbook) =>
                {
                    Effect::RunCheckCommand {
                        runbook,
                        step: step_id,
                        run,
                    }
                }
                _ => continue,
            };
            state.runbook.running.insert(key);
            effects.push(effect);
        }
    }
    effects
}

fn runbook_is_users(runbooks: &Runbooks, name: &str) -> bool {
    runbooks
        .get(name)
        .is_some_and(|r| matches!(r.origin, Origin::User(_)))
}

/// The runbook the tab shows, while the tab is shown.
fn shown_name(state: &AppState, now: DateTime<Utc>) -> Option<String> {
    state
        .runbook
        .shown(now)
        .filter(|_| state.tab == Tab::Runbook)
        .map(|(r, _)| r.name.clone())
}

/// What a logs or command check found when it ran, judged by the step's check.
pub fn apply_check_ran(
    state: &mut AppState,
    runbook: &str,
    step: &str,
    found: CheckRun,
    now: DateTime<Utc>,
) {
    let key = (runbook.to_string(), step.to_string());
    state.runbook.running.remove(&key);
    let check = state
        .runbook
        .runbooks
        .get(runbook)
        .and_then(|r| r.step(step))
        .and_then(|s| s.check.clone());
    let result = match (check, found) {
        (Some(Check::Logs { pattern, .. }), CheckRun::Logs(Ok(found))) => {
            judge_logs(&pattern, &found, now)
        }
        (Some(_), CheckRun::Logs(Err(why))) => CheckResult {
            outcome: CheckOutcome::Unknown(why),
            checked_at: now,
        },
        (Some(Check::Command { argv, timeout }), CheckRun::Command(result)) => {
            judge_command(&CommandRun { argv, timeout }, &result, now)
        }
        _ => return,
    };
    state.runbook.checks.insert(key, result);
}

/// `c`: the selected step's check now. One the console judges by itself is judged at once; a
/// logs check reads the logs; a command asks first, through the one gate (refused in the
/// read-only modes, audited with its exit status).
fn run_check(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((runbook, step, _)) = state.runbook.selected_step(now) else {
        toast(state, ToastKind::Info, "select a step first".into(), now);
        return Vec::new();
    };
    let Some(check) = &step.check else {
        let text = format!("{:?} has no automatic check", step.title);
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    };
    let key = (runbook.name.clone(), step.id.clone());
    let (title, needs, auto) = (step.title.clone(), check.needs(), step.auto);
    match needs {
        Needs::Nothing => {
            evaluate_checks(state, now);
            toast(state, ToastKind::Info, format!("checked {title:?}"), now);
            Vec::new()
        }
        Needs::Logs(_) if state.runbook.running.contains(&key) => {
            toast(
                state,
                ToastKind::Info,
                "its logs are being read".into(),
                now,
            );
            Vec::new()
        }
        Needs::Logs(scan) => {
            state.runbook.running.insert(key.clone());
            let (runbook, step) = key;
            vec![Effect::ScanLogs {
                runbook,
                step,
                scan,
            }]
        }
        Needs::Command(_) if state.runbook.running.contains(&key) => {
            toast(state, ToastKind::Info, "its command is running".into(), now);
            Vec::new()
        }
        // What runs by itself in every mode may run now too, as it will within the minute.
        Needs::Command(run) if auto => {
            state.runbook.running.insert(key.clone());
            let (runbook, step) = key;
            vec![Effect::RunCheckCommand { runbook, step, run }]
        }
        Needs::Command(run) => {
            let (runbook, step) = key;
            let lines = vec![
                format!("Run `{}`", run.argv.join(" ")),
                format!(
                    "no shell, no input, killed after {}; its exit status decides",
                    crate::duration::shown(run.timeout)
                ),
            ];
            let command = OperatorCommand::Runbook(RunbookCommand::Check {
                runbook,
                step,
                argv: run.argv,
                timeout: run.timeout,
            });
            let dialog = ConfirmDialog {
                title: format!("Check: {title}"),
                lines,
                command,
                then: None,
                typed: None,
            };
            ask(state, dialog, now)
        }
    }
}

/// Judges the automatic checks the console can answer from what it already has (the metric
/// store, the firing alerts): those of the runbook shown, and every `auto = true` one. Log and
/// command checks need a run first.
pub fn evaluate_checks(state: &mut AppState, now: DateTime<Utc>) {
    let shown = shown_name(state, now);
    let firing: Vec<&str> = state
        .alerts
        .firing()
        .filter(|a| state.alerts.silence_of(&a.key).is_none())
        .map(|a| a.key.rule.as_str())
        .collect();
    // Three of the slowest source's intervals, as the shell judges a source stale.
    let slowest = state
        .sources
        .iter()
        .map(|s| s.every)
        .max()
        .unwrap_or_default();
    let observed = Observed {
        store: &state.metrics,
        firing: &firing,
        stale_after: state.refresh.max(slowest).saturating_mul(3),
    };
    let mut results = Vec::new();
    for runbook in state.runbook.runbooks.iter() {
        let is_shown = shown.as_ref() == Some(&runbook.name);
        for step in runbook.steps.iter().filter(|s| is_shown || s.auto) {
            let Some(check) = step.check.as_ref().filter(|c| c.needs() == Needs::Nothing) else {
                continue;
            };
            let key = (runbook.name.clone(), step.id.clone());
            results.push((key, judge(check, &observed, now)));
        }
    }
    state.runbook.checks.extend(results);
}

fn ask_tick(state: &mut AppState, mark: Mark, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((runbook, step, toward)) = state.runbook.selected_step(now) else {
        toast(state, ToastKind::Info, "select a step first".into(), now);
        return Vec::new();
    };
    let title = match mark {
        Mark::Done => "Done:",
        Mark::Skipped => "Skip:",
        Mark::Failed => "Failed:",
    };
    let lines = vec![
        format!("{} · {}", runbook.title, toward_words(&toward)),
        "A note for the log (optional):".into(),
    ];
    let command = RunbookCommand::Tick {
        runbook: runbook.name.clone(),
        step: step.id.clone(),
        toward,
        mark,
        note: String::new(),
        at: now,
    };
    let title = format!("{title} {}", step.title);
    ask_typed(state, title, lines, OperatorCommand::Runbook(command), now)
}

fn ask_note(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let lines = vec![
        "What you did, what you saw: it goes into the shift log with the time and your name."
            .into(),
    ];
    let incident = state
        .runbook
        .opened
        .as_ref()
        .filter(|_| state.runbook.view == RunbookView::Procedure)
        .map(|o| (o.alert.clone(), o.since));
    let command = RunbookCommand::Note {
        text: String::new(),
        at: now,
        incident,
    };
    let title = "Note for the shift log".to_string();
    ask_typed(state, title, lines, OperatorCommand::Runbook(command), now)
}

/// The selected step's action (a restart, a silence) as its command, for the incident the
/// procedure was opened from when the step names no target; through the usual confirmation.
fn ask_step_action(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((runbook, step, toward)) = state.runbook.selected_step(now) else {
        toast(state, ToastKind::Info, "select a step first".into(), now);
        return Vec::new();
    };
    let Some(action) = step.action.clone() else {
        let text = format!("{:?} offers no action of the console's", step.title);
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    };
    let incident = state.runbook.opened.as_ref().map(|o| &o.alert);
    let incident = incident.filter(|_| state.runbook.view == RunbookView::Procedure);
    let (runbook, step, step_title) = (runbook.name.clone(), step.id.clone(), step.title.clone());
    let command = match action.command(incident, &Targets(state), "") {
        Ok(command) => command,
        Err(why) => {
            toast(state, ToastKind::Error, format!("cannot: {why}"), now);
            return Vec::new();
        }
    };
    let mut lines = vec![
        format!("{} {}", command.action(), command.target()),
        format!(
            "from runbook {runbook}, step {step}, {}",
            toward_words(&toward)
        ),
    ];
    let typed = match &action {
        StepAction::SilenceRule { .. } => {
            lines.push("How long and why (optional), e.g. `2h maintenance`:".into());
            Some(TypedConfirmation {
                expected: None,
                typed: String::new(),
            })
        }
        StepAction::Container { .. } => protected_name(state, &command).map(|name| {
            lines.push(format!("{name} is protected: type its name to confirm"));
            TypedConfirmation {
                expected: Some(name),
                typed: String::new(),
            }
        }),
        StepAction::TerminateIdleSessions { .. } => None,
    };
    let title = format!("Runbook step: {}", step_title);
    let command = OperatorCommand::Runbook(RunbookCommand::Step {
        runbook,
        step,
        toward,
        command: Box::new(command),
    });
    let dialog = ConfirmDialog {
        title,
        lines,
        command,
        then: None,
        typed,
    };
    ask(state, dialog, now)
}

/// The name of the container `command` acts on when its engine protects it.
fn protected_name(state: &AppState, command: &OperatorCommand) -> Option<String> {
    let OperatorCommand::Container(command) = command else {
        return None;
    };
    state.containers.engines.iter().find_map(|engine| {
        let container = engine
            .containers
            .iter()
            .find(|c| engine.name == command.engine && c.id == command.id)?;
        engine.protects(container).then(|| container.name.clone())
    })
}

fn copy_url(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(url) = state.runbook.opened.as_ref().and_then(|o| o.url.clone()) else {
        return Vec::new();
    };
    toast(state, ToastKind::Ok, format!("copied {url}"), now);
    vec![Effect::CopyToClipboard(url)]
}

fn ask_typed(
    state: &mut AppState,
    title: String,
    lines: Vec<String>,
    command: OperatorCommand,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let dialog = ConfirmDialog {
        title,
        lines,
        command,
        then: None,
        typed: Some(TypedConfirmation {
            expected: None,
            typed: String::new(),
        }),
    };
    ask(state, dialog, now)
}

/// `period 2026-12-07`, `incident DiskSpaceLow{…} since 09:12`.
fn toward_words(toward: &Toward) -> String {
    match toward {
        Toward::Period(period) => format!("period {period}"),
        Toward::Incident { alert, since } => format!(
            "incident {} since {}",
            alert.name(),
            since.format("%Y-%m-%d %H:%M UTC")
        ),
    }
}

/// What a step's action needs from the Containers and Databases tabs' lists.
struct Targets<'a>(&'a AppState);

impl ActionTargets for Targets<'_> {
    fn container(&self, engine: Option<&str>, name: &str) -> Option<(String, String)> {
        let engines = &self.0.containers.engines;
        let mut found = engines.iter().flat_map(|e| {
            e.containers
                .iter()
                .filter(move |c| c.name == name)
                .map(move |c| (e.name.clone(), c.id.clone()))
        });
        match engine {
            Some(engine) => found.find(|(e, _)| e == engine),
            None => found.next(),
        }
    }

    fn idle_sessions(&self, database: &str, minutes: u32) -> Option<(String, Vec<i32>)> {
        let database = self
            .0
            .databases
            .databases
            .iter()
            .find(|d| d.name == database)?;
        let pids = database
            .postgres()?
            .sessions
            .iter()
            .filter(|s| s.state.is_idle() && s.state_seconds >= f64::from(minutes) * 60.0)
            .map(|s| s.pid)
            .collect();
        Some((database.address.clone(), pids))
    }
}
