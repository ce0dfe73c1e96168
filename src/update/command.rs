//! The shell's part of every operator command: the one gate that asks for confirmation or
//! refuses, the confirmation itself, the outcome when the command comes back, and the toasts
//! that say each.

use chrono::{DateTime, Utc};

use crate::command::{CommandError, CommandOutcome, OperatorCommand};
use crate::effect::Effect;
use crate::reduce::{in_flight_refusal, toast};
use crate::state::{AppState, InFlight, Overlay, ToastKind};
use crate::tabs;

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
