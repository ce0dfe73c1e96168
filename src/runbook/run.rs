//! Running a step's command: no shell, standard input from /dev/null, its own process group
//! killed whole at the timeout, standard output then standard error kept up to a bound and kept
//! as evidence. The exit status decides ([`super::check::judge_command`]).

use std::process::Stdio;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::check::{CommandEnd, CommandResult, CommandRun, OUTPUT_LIMIT};

/// Runs `run` to its end or its timeout.
pub async fn run_command(run: &CommandRun) -> CommandResult {
    let started = Instant::now();
    let not_started = |why: String| CommandResult {
        end: CommandEnd::NotStarted(why),
        output: String::new(),
        truncated: false,
        took: started.elapsed(),
    };
    let Some((program, args)) = run.argv.split_first() else {
        return not_started("no program to run".into());
    };
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(error) => return not_started(error.to_string()),
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return not_started("no pipes to read its output".into());
    };
    let group = child.id();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut out_cut, mut err_cut) = (false, false);
    let finished = tokio::time::timeout(run.timeout, async {
        tokio::join!(
            drain(stdout, &mut out, &mut out_cut),
            drain(stderr, &mut err, &mut err_cut)
        );
        child.wait().await
    })
    .await;
    let end = match finished {
        Ok(Ok(status)) => match (status.code(), signal_of(status)) {
            (Some(code), _) => CommandEnd::Exited(code),
            (None, Some(signal)) => CommandEnd::Signalled(signal),
            (None, None) => CommandEnd::NotStarted("no exit status".into()),
        },
        Ok(Err(error)) => CommandEnd::NotStarted(error.to_string()),
        Err(_) => {
            kill_group(group);
            // Reaped so no zombie is left; the group is already killed.
            let _reaped = child.wait().await;
            CommandEnd::TimedOut
        }
    };
    let room = OUTPUT_LIMIT.saturating_sub(out.len());
    let truncated = out_cut || err_cut || err.len() > room;
    out.extend_from_slice(&err[..err.len().min(room)]);
    CommandResult {
        end,
        output: String::from_utf8_lossy(&out).into_owned(),
        truncated,
        took: started.elapsed(),
    }
}

/// Reads `from` to its end, keeping the first [`OUTPUT_LIMIT`] bytes.
async fn drain(mut from: impl AsyncRead + Unpin, into: &mut Vec<u8>, truncated: &mut bool) {
    let mut buffer = [0u8; 4096];
    while let Ok(read) = from.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        let room = OUTPUT_LIMIT.saturating_sub(into.len());
        into.extend_from_slice(&buffer[..read.min(room)]);
        *truncated |= read > room;
    }
}

fn signal_of(status: std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

fn kill_group(group: Option<u32>) {
    let Some(pid) = group.and_then(|id| i32::try_from(id).ok()) else {
        return;
    };
    // The group may be gone already; nothing else to do then.
    let _gone = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}
