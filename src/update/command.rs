//! The shell's part of every operator command: the one gate that asks for confirmation or
//! refuses, the confirmation itself, the outcome when the command comes back, and the toasts
//! that say each.

use chrono::{DateTime, Utc};

use crate::command::{CommandError, CommandOutcome, OperatorCommand};
use crate::effect::Effect;
use crate::state::{AppState, ConfirmDialog, InFlight, Overlay, Toast, ToastKind};
use crate::tabs;

const TOAST_SECONDS: i64 = 5;
const ERROR_TOAST_SECONDS: i64 = 10;
const MAX_TOASTS: usize = 4;

/// A word with its first letter in capitals, for dialog titles.
pub(crate) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Every refused operator action says so the same way; its effect records it in the audit log.
pub(crate) fn refused(
    state: &mut AppState,
    action: &str,
    target: &str,
    reason: &str,
    now: DateTime<Utc>,
) {
    let text = format!("refused: {action} {target}: {reason}");
    toast(state, ToastKind::Error, text, now);
}

/// One command at a time on a target: a second restart while the first still runs would run and
/// be audited twice. The refusal says what is in flight, and since when.
fn in_flight_refusal(
    state: &AppState,
    command: &OperatorCommand,
    now: DateTime<Utc>,
) -> Option<String> {
    let running = state.in_flight_on(command)?;
    // What matters first: toasts are cut at 100 columns, and the row already names the target.
    Some(format!(
        "in flight for {}s, wait for it to finish: {} {}",
        (now - running.since).num_seconds().max(0),
        running.command.action(),
        running.command.target(),
    ))
}

/// The one gate of every operator command, whichever tab asks: refused while the same command
/// is in flight, and in the read-only modes (`--read-only`, `--watch`) with the reason as a toast
/// and the refusal for the audit log; else its confirmation opens, and only the confirmed
/// command is executed.
pub(crate) fn ask(state: &mut AppState, dialog: ConfirmDialog, now: DateTime<Utc>) -> Vec<Effect> {
    let command = &dialog.command;
    if let Some(text) = in_flight_refusal(state, command, now) {
        toast(state, ToastKind::Error, text, now);
        return Vec::new();
    }
    if let Some(reason) = state.mode.refusal() {
        let (action, target) = (command.action(), command.target());
        refused(state, &action, &target, reason, now);
        return vec![Effect::RecordRefusal {
            command: dialog.command,
            reason: reason.to_string(),
        }];
    }
    state.overlay = Overlay::Confirm(dialog);
    Vec::new()
}

pub(super) fn confirm(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    match std::mem::take(&mut state.overlay) {
        Overlay::Confirm(dialog)
            if dialog
                .typed
                .as_ref()
                .is_some_and(|t| t.expected.as_ref().is_some_and(|e| *e != t.typed)) =>
        {
            let expected = dialog
                .typed
                .as_ref()
                .and_then(|t| t.expected.clone())
                .unwrap_or_default();
            state.overlay = Overlay::Confirm(dialog);
            toast(
                state,
                ToastKind::Error,
                format!("type {expected:?} exactly to confirm"),
                now,
            );
            Vec::new()
        }
        Overlay::Confirm(dialog) => match dialog.then {
            Some(next) => {
                state.overlay = Overlay::Confirm(*next);
                Vec::new()
            }
            None => {
                let note = dialog.typed.as_ref().map_or("", |t| t.typed.trim());
                let command = dialog.command.clone().with_note(note);
                // The dialog stays open with the reason, so the operator can fix what they typed.
                if let Some(text) = command.invalid() {
                    state.overlay = Overlay::Confirm(dialog);
                    toast(state, ToastKind::Error, text, now);
                    return Vec::new();
                }
                if let Some(text) = in_flight_refusal(state, &command, now) {
                    toast(state, ToastKind::Error, text, now);
                    return Vec::new();
                }
                state.in_flight.push(InFlight {
                    command: command.clone(),
                    since: now,
                });
                vec![Effect::Execute(command)]
            }
        },
        other => {
            state.overlay = other;
            Vec::new()
        }
    }
}

pub(super) fn apply_outcome(state: &mut AppState, outcome: CommandOutcome, now: DateTime<Utc>) {
    let CommandOutcome {
        command,
        result,
        audit_error,
    } = outcome;
    state.in_flight.retain(|running| running.command != command);
    if let (Ok(_), OperatorCommand::Alert(done)) = (&result, &command) {
        tabs::alerts::update::apply_done(state, done, now);
    }
    let (kind, mut text) = match result {
        Ok(summary) => (ToastKind::Ok, summary),
        Err(CommandError::Failed(error)) => (
            ToastKind::Error,
            format!("{} {} failed: {error}", command.action(), command.target()),
        ),
        Err(error @ CommandError::NoAnswer { .. }) => (
            ToastKind::Error,
            format!("{} {}: {error}", command.action(), command.target()),
        ),
    };
    let kind = if audit_error.is_some() {
        ToastKind::Error
    } else {
        kind
    };
    if let Some(error) = audit_error {
        text.push_str(&format!(
            " — but the audit log could not be written: {error}"
        ));
    }
    toast(state, kind, text, now);
}

pub(crate) fn toast(state: &mut AppState, kind: ToastKind, text: String, now: DateTime<Utc>) {
    let seconds = if kind == ToastKind::Error {
        ERROR_TOAST_SECONDS
    } else {
        TOAST_SECONDS
    };
    state.toasts.push(Toast {
        kind,
        text,
        expires_at: now + chrono::Duration::seconds(seconds),
    });
    if state.toasts.len() > MAX_TOASTS {
        state.toasts.remove(0);
    }
}
