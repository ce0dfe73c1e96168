//! Running alert commands. An acknowledgement or a silence is the console's own state, which
//! `update` changes when the command comes back done; what runs here is its audit (and later, an
//! Alertmanager's silence).

use crate::command::{AlertAction, AlertCommand};

pub(super) fn execute(command: &AlertCommand) -> String {
    let done = match &command.action {
        AlertAction::Acknowledge => "acknowledged",
        AlertAction::Unacknowledge => "acknowledgement taken back:",
        AlertAction::Silence(_) => "silenced",
    };
    format!("{done} {}", command.key.rule)
}
