//! Running process commands: signals, with guard rails.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::command::{CommandError, ProcessCommand, ProcessSignal};

pub(super) fn execute(command: &ProcessCommand) -> Result<String, CommandError> {
    send_signal(command.pid, &command.name, command.signal).map_err(CommandError::Failed)
}

fn send_signal(pid: u32, name: &str, signal: ProcessSignal) -> Result<String, String> {
    // Guard rails: 0 and negative PIDs mean process groups, 1 is init, and signalling ourselves
    // from our own console is never what the operator meant.
    let raw = i32::try_from(pid).map_err(|_| format!("invalid PID {pid}"))?;
    if raw <= 1 {
        return Err(format!("refusing to signal PID {raw}"));
    }
    if pid == std::process::id() {
        return Err("refusing to signal watchdeck itself".into());
    }
    let nix_signal = match signal {
        ProcessSignal::Term => Signal::SIGTERM,
        ProcessSignal::Kill => Signal::SIGKILL,
    };
    kill(Pid::from_raw(raw), nix_signal).map_err(|errno| format!("{} ({errno})", errno.desc()))?;
    Ok(format!("sent {signal} to process {pid} ({name})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_pids() {
        assert!(send_signal(0, "x", ProcessSignal::Term).is_err());
        assert!(
            send_signal(1, "init", ProcessSignal::Term)
                .unwrap_err()
                .contains("refusing")
        );
        assert!(send_signal(u32::MAX, "x", ProcessSignal::Term).is_err());
        assert!(
            send_signal(std::process::id(), "me", ProcessSignal::Kill)
                .unwrap_err()
                .contains("itself")
        );
    }
}
