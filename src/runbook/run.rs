//! Running what a step's check needs: the last log lines of containers, read from their
//! engine; and a step's command: no shell, standard input from /dev/null, its own process group
//! killed whole at the timeout, standard output then standard error kept up to a bound and kept
//! as evidence. The exit status decides ([`super::check::judge_command`]).

use std::process::Stdio;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{ListContainersOptionsBuilder, LogsOptionsBuilder};
use futures_util::StreamExt;

use super::check::{CommandEnd, CommandResult, CommandRun, LogScan, OUTPUT_LIMIT};

/// How long reading the logs of one engine may take.
const LOGS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The last `scan.tail` lines of every running container of `docker` whose name matches
/// `scan.containers` (`*` any run of characters, `?` one), by container name.
pub async fn tail_logs(
    docker: &Docker,
    scan: &LogScan,
) -> Result<Vec<(String, Vec<String>)>, String> {
    tokio::time::timeout(LOGS_TIMEOUT, read_logs(docker, scan))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer from the engine within {}s",
                LOGS_TIMEOUT.as_secs()
            ))
        })
}

async fn read_logs(docker: &Docker, scan: &LogScan) -> Result<Vec<(String, Vec<String>)>, String> {
    let wanted = glob_regex(&scan.containers)?;
    let running = docker
        .list_containers(Some(ListContainersOptionsBuilder::default().build()))
        .await
        .map_err(|e| format!("listing containers failed: {e}"))?;
    let mut found = Vec::new();
    for summary in running {
        let (Some(id), Some(names)) = (summary.id, summary.names) else {
            continue;
        };
        let Some(name) = names
            .iter()
            .map(|n| n.trim_start_matches('/'))
            .find(|n| wanted.is_match(n))
        else {
            continue;
        };
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(&scan.tail.to_string())
            .build();
        let mut text = Vec::new();
        let mut logs = std::pin::pin!(docker.logs(&id, Some(options)));
        while let Some(chunk) = logs.next().await {
            match chunk.map_err(|e| format!("{name}: reading the log failed: {e}"))? {
                LogOutput::StdOut { message }
                | LogOutput::StdErr { message }
                | LogOutput::Console { message } => text.extend_from_slice(&message),
                LogOutput::StdIn { .. } => {}
            }
        }
        let lines = String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_string)
            .collect();
        found.push((name.to_string(), lines));
    }
    found.sort();
    Ok(found)
}

/// `web-*` as a regex matching whole names.
fn glob_regex(glob: &str) -> Result<regex::Regex, String> {
    let pattern = regex::escape(glob).replace("\\*", ".*").replace("\\?", ".");
    regex::Regex::new(&format!("^{pattern}$")).map_err(|e| e.to_string())
}

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
