//! The one gate of every operator command, whichever tab asks, and the way a refusal is said.

use chrono::{DateTime, Utc};

use crate::command::OperatorCommand;
use crate::effect::Effect;
use crate::state::{AppState, ConfirmDialog, Overlay, ToastKind};

use super::toast;

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
pub(crate) fn in_flight_refusal(
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
