//! Following a container's log: lines assembled from the engine's chunks, batched, and followed
//! across restarts of the container and of the engine.

use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::parse::{container_info, parse_time};
use super::{PER_CONTAINER_TIMEOUT, describe};
use crate::model::containers::{LogEvent, LogLine, LogStream};

/// A log line longer than this is cut, so one huge line cannot freeze the UI.
pub const MAX_LOG_LINE_BYTES: usize = 16 * 1024;

/// Log lines are sent in batches of at most this many…
const LOG_BATCH_LINES: usize = 256;

/// …or this long after the first line that is still waiting.
const LOG_BATCH_DELAY: Duration = Duration::from_millis(100);

/// `2024-05-01T10:00:00.123456789Z text` → (the time, `text`); a line without one is returned whole.
pub fn split_timestamp(line: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let Some(space) = line.iter().take(64).position(|b| *b == b' ') else {
        return (None, line);
    };
    match std::str::from_utf8(&line[..space])
        .ok()
        .and_then(parse_time)
    {
        Some(at) => (Some(at), &line[space + 1..]),
        None => (None, line),
    }
}

/// A line being put together from the engine's chunks.
#[derive(Debug, Default)]
struct PartialLine {
    open: bool,
    timestamp: Option<DateTime<Utc>>,
    bytes: Vec<u8>,
    cut: usize,
}

impl PartialLine {
    fn append(&mut self, bytes: &[u8]) {
        let room = MAX_LOG_LINE_BYTES.saturating_sub(self.bytes.len());
        let kept = bytes.len().min(room);
        self.bytes.extend_from_slice(&bytes[..kept]);
        self.cut += bytes.len() - kept;
    }

    fn take(&mut self, stream: LogStream) -> LogLine {
        let mut bytes = std::mem::take(&mut self.bytes);
        let mut cut = std::mem::take(&mut self.cut);
        if cut == 0 && bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        if cut > 0 {
            // Never split a character where the line was cut.
            if let Err(e) = std::str::from_utf8(&bytes)
                && e.error_len().is_none()
            {
                cut += bytes.len() - e.valid_up_to();
                bytes.truncate(e.valid_up_to());
            }
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if cut > 0 {
            text.push_str(&format!(" … ({cut} bytes cut)"));
        }
        self.open = false;
        LogLine {
            stream,
            timestamp: self.timestamp.take(),
            text,
        }
    }
}

/// Turns the engine's log chunks into lines. The engine stores a line longer than 16 KiB as
/// several chunks, each with its own timestamp and only the last ending in a newline; they are
/// joined back here (per stream, since stdout and stderr interleave), then cut to
/// [`MAX_LOG_LINE_BYTES`].
#[derive(Debug, Default)]
pub struct LogAssembler {
    stdout: PartialLine,
    stderr: PartialLine,
}

impl LogAssembler {
    pub fn push(&mut self, stream: LogStream, chunk: &[u8], out: &mut Vec<LogLine>) {
        let (timestamp, mut rest) = split_timestamp(chunk);
        let line = match stream {
            LogStream::Stdout => &mut self.stdout,
            LogStream::Stderr => &mut self.stderr,
        };
        loop {
            if !line.open {
                line.open = true;
                line.timestamp = timestamp;
            }
            match rest.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    line.append(&rest[..end]);
                    out.push(line.take(stream));
                    rest = &rest[end + 1..];
                    if rest.is_empty() {
                        return;
                    }
                }
                None => {
                    line.append(rest);
                    return;
                }
            }
        }
    }

    /// Lines still waiting for their newline when the stream ends.
    pub fn finish(&mut self, out: &mut Vec<LogLine>) {
        for (stream, line) in [
            (LogStream::Stdout, &mut self.stdout),
            (LogStream::Stderr, &mut self.stderr),
        ] {
            if line.open {
                out.push(line.take(stream));
            }
        }
    }
}

/// How long a follow waits for a container that stopped to run again before it gives up; an
/// engine that does not answer is waited for as long as the view stays open.
pub const LOG_GIVE_UP_AFTER: Duration = Duration::from_secs(5 * 60);

/// How often a follow whose log stopped asks whether the container runs again.
const LOG_RESUME_POLL: Duration = Duration::from_millis(500);

/// What to follow of a container's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowOptions {
    /// Lines of the log shown when it is opened, and at most when it goes on after a break.
    pub tail: usize,
    /// See [`LOG_GIVE_UP_AFTER`].
    pub give_up_after: Duration,
}

/// How one attachment to the log ended.
enum StreamEnd {
    /// Cancelled, or nobody listens any more.
    Stop,
    /// The log ended (the container stopped), or the connection broke.
    Closed { broken: bool },
    /// The engine refused to give the log, for a reason other than a missing container.
    Refused(String),
}

/// What an inspect says about the container whose log stopped.
enum RunState {
    /// It runs, in the run that started then.
    Running(Option<DateTime<Utc>>),
    /// It does not run: its state, e.g. `exited (0)`.
    Stopped(String),
    Removed,
    /// The engine did not answer.
    Unreachable(String),
}

/// Where a follow goes on: the run it attaches to, and what to tell the view about the break.
struct Resumption {
    run: Option<DateTime<Utc>>,
    event: Option<LogEvent>,
}

/// One container's log being followed, and where its events go.
struct LogFollow<M> {
    docker: Docker,
    id: String,
    options: FollowOptions,
    sender: mpsc::Sender<M>,
    wrap: fn(LogEvent) -> M,
    cancel: CancellationToken,
}

impl<M: Send + 'static> LogFollow<M> {
    /// Sends one event unless cancelled first; false when the follow should stop.
    async fn deliver(&self, event: LogEvent) -> bool {
        if matches!(&event, LogEvent::Lines(lines) if lines.is_empty()) {
            return true;
        }
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => false,
            sent = self.sender.send((self.wrap)(event)) => sent.is_ok(),
        }
    }

    /// Sends lines and moves `seen` on to the last of them.
    async fn send_lines(&self, batch: Vec<LogLine>, seen: &mut Option<DateTime<Utc>>) -> bool {
        if let Some(last) = batch.iter().rev().find_map(|line| line.timestamp) {
            *seen = Some(seen.map_or(last, |seen| seen.max(last)));
        }
        self.deliver(LogEvent::Lines(batch)).await
    }

    /// Streams the log once: from `seen` (the engine takes whole seconds, so lines up to `seen`
    /// are left out here), or else its last `tail` lines.
    async fn stream(&self, seen: &mut Option<DateTime<Utc>>) -> StreamEnd {
        let tail = self.options.tail.to_string();
        let mut options = LogsOptionsBuilder::default()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .tail(&tail);
        let shown_until = *seen;
        if let Some(since) = shown_until.and_then(|at| i32::try_from(at.timestamp()).ok()) {
            options = options.since(since);
        }
        let mut logs = std::pin::pin!(self.docker.logs(&self.id, Some(options.build())));
        let mut assembler = LogAssembler::default();
        let mut pending: Vec<LogLine> = Vec::new();
        let mut flush_at: Option<tokio::time::Instant> = None;
        let unseen = |line: &LogLine| {
            shown_until.is_none_or(|until| line.timestamp.is_none_or(|at| at > until))
        };
        let end = loop {
            let flush = async move {
                match flush_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return StreamEnd::Stop,
                _ = self.sender.closed() => return StreamEnd::Stop,
                _ = flush => {
                    flush_at = None;
                    if !self.send_lines(std::mem::take(&mut pending), seen).await {
                        return StreamEnd::Stop;
                    }
                }
                item = logs.next() => match item {
                    Some(Ok(output)) => {
                        let (stream, bytes) = match &output {
                            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                                (LogStream::Stdout, message)
                            }
                            LogOutput::StdErr { message } => (LogStream::Stderr, message),
                            LogOutput::StdIn { .. } => continue,
                        };
                        assembler.push(stream, bytes, &mut pending);
                        pending.retain(unseen);
                        while pending.len() >= LOG_BATCH_LINES {
                            let rest = pending.split_off(LOG_BATCH_LINES);
                            let batch = std::mem::replace(&mut pending, rest);
                            if !self.send_lines(batch, seen).await {
                                return StreamEnd::Stop;
                            }
                        }
                        if pending.is_empty() {
                            flush_at = None;
                        } else if flush_at.is_none() {
                            flush_at = Some(tokio::time::Instant::now() + LOG_BATCH_DELAY);
                        }
                    }
                    Some(Err(error)) => {
                        tracing::debug!(container = %self.id, error = %describe(&error), "docker log stream failed");
                        break match error {
                            bollard::errors::Error::DockerResponseServerError {
                                status_code, ..
                            } if status_code != 404 => StreamEnd::Refused(describe(&error)),
                            _ => StreamEnd::Closed { broken: true },
                        };
                    }
                    None => break StreamEnd::Closed { broken: false },
                }
            }
        };
        assembler.finish(&mut pending);
        pending.retain(unseen);
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(LOG_BATCH_LINES));
            let batch = std::mem::replace(&mut pending, rest);
            if !self.send_lines(batch, seen).await {
                return StreamEnd::Stop;
            }
        }
        end
    }

    async fn run_state(&self) -> RunState {
        let inspect = self.docker.inspect_container(&self.id, None);
        match tokio::time::timeout(PER_CONTAINER_TIMEOUT, inspect).await {
            Ok(Ok(response)) => {
                let info = container_info(response, &self.id);
                if info.state.is_running() {
                    RunState::Running(info.started_at)
                } else {
                    RunState::Stopped(info.state.label())
                }
            }
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            })) => RunState::Removed,
            Ok(Err(error)) => RunState::Unreachable(describe(&error)),
            Err(_) => RunState::Unreachable(format!(
                "no answer within {}",
                humantime::format_duration(PER_CONTAINER_TIMEOUT)
            )),
        }
    }

    /// After the log stopped: waits until the container of run `run` runs again, saying what it
    /// waits for meanwhile. `broken` when the connection broke rather than the log ending. `None`
    /// when the follow is over (its end was sent, or nobody listens).
    async fn wait_to_resume(
        &self,
        run: Option<DateTime<Utc>>,
        mut broken: bool,
    ) -> Option<Resumption> {
        let mut said: Option<String> = None;
        let mut stopped_since: Option<tokio::time::Instant> = None;
        loop {
            let waiting = match self.run_state().await {
                RunState::Running(started) => {
                    let restarted = started != run;
                    // Only a new run, or a break the view knows of, is marked: a log that merely
                    // ended a moment before its container was seen stopping goes on silently.
                    let event =
                        (restarted || broken || said.is_some()).then(|| LogEvent::Resumed {
                            at: started.filter(|_| restarted).unwrap_or_else(Utc::now),
                            restarted,
                        });
                    return Some(Resumption {
                        run: started,
                        event,
                    });
                }
                RunState::Removed => {
                    self.deliver(LogEvent::Ended("container removed".into()))
                        .await;
                    return None;
                }
                RunState::Stopped(state) => {
                    let since = *stopped_since.get_or_insert_with(tokio::time::Instant::now);
                    let give_up_after = self.options.give_up_after;
                    if since.elapsed() >= give_up_after {
                        let reason = format!(
                            "container {state}, not started again within {}",
                            humantime::format_duration(give_up_after)
                        );
                        self.deliver(LogEvent::Ended(reason)).await;
                        return None;
                    }
                    format!("container {state}")
                }
                RunState::Unreachable(error) => {
                    // An engine that does not answer is waited for as long as the view is open.
                    broken = true;
                    stopped_since = None;
                    format!("engine unreachable: {error}")
                }
            };
            if said.as_ref() != Some(&waiting) {
                if !self.deliver(LogEvent::Waiting(waiting.clone())).await {
                    return None;
                }
                said = Some(waiting);
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return None,
                _ = self.sender.closed() => return None,
                _ = tokio::time::sleep(LOG_RESUME_POLL) => {}
            }
        }
    }

    async fn run(self) {
        let mut run = match self.run_state().await {
            RunState::Removed => {
                self.deliver(LogEvent::Ended("container removed".into()))
                    .await;
                return;
            }
            RunState::Running(started) => started,
            RunState::Stopped(_) | RunState::Unreachable(_) => None,
        };
        let mut seen: Option<DateTime<Utc>> = None;
        loop {
            let broken = match self.stream(&mut seen).await {
                StreamEnd::Stop => return,
                StreamEnd::Refused(reason) => {
                    self.deliver(LogEvent::Ended(reason)).await;
                    return;
                }
                StreamEnd::Closed { broken } => broken,
            };
            let Some(resumed) = self.wait_to_resume(run, broken).await else {
                return;
            };
            if let Some(event) = resumed.event
                && !self.deliver(event).await
            {
                return;
            }
            run = resumed.run;
        }
    }
}

/// Streams container `id`'s log: its last `tail` lines, then new lines as they come, in batches,
/// across restarts of the container and of the engine. When the log stops, it waits for the
/// container to run again (saying why it waits), then goes on from the last line shown, after a
/// [`LogEvent::Resumed`]. It ends with [`LogEvent::Ended`] when the container is removed, does not
/// run again within `give_up_after`, or the engine refuses its log; and returns at once when
/// `cancel` fires or the receiver is gone.
pub async fn follow_logs<M: Send + 'static>(
    docker: Docker,
    id: String,
    options: FollowOptions,
    sender: mpsc::Sender<M>,
    wrap: fn(LogEvent) -> M,
    cancel: CancellationToken,
) {
    LogFollow {
        docker,
        id,
        options,
        sender,
        wrap,
        cancel,
    }
    .run()
    .await;
}
#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[(LogStream, &[u8])]) -> Vec<LogLine> {
        let mut assembler = LogAssembler::default();
        let mut out = Vec::new();
        for (stream, chunk) in chunks {
            assembler.push(*stream, chunk, &mut out);
        }
        assembler.finish(&mut out);
        out
    }

    #[test]
    fn log_lines_lose_their_timestamp_and_newline() {
        let out = lines(&[
            (LogStream::Stdout, b"2024-05-01T10:00:00.5Z hello world\n"),
            (LogStream::Stderr, b"2024-05-01T10:00:01Z oops\r\n"),
            (LogStream::Stdout, b"no stamp here\n"),
        ]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].text, "hello world");
        assert_eq!(out[0].stream, LogStream::Stdout);
        assert_eq!(out[0].timestamp, parse_time("2024-05-01T10:00:00.5Z"));
        assert_eq!(out[1].text, "oops");
        assert_eq!(out[1].stream, LogStream::Stderr);
        assert_eq!(out[2].text, "no stamp here");
        assert_eq!(out[2].timestamp, None);
    }

    #[test]
    fn chunks_of_one_long_line_are_joined_per_stream() {
        let out = lines(&[
            (LogStream::Stdout, b"2024-05-01T10:00:00Z abc"),
            (LogStream::Stderr, b"2024-05-01T10:00:00Z err\n"),
            (LogStream::Stdout, b"2024-05-01T10:00:01Z def\n"),
            (
                LogStream::Stdout,
                b"2024-05-01T10:00:02Z tail without newline",
            ),
        ]);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["err", "abcdef", "tail without newline"]);
        // A joined line keeps the time of its first chunk.
        assert_eq!(out[1].timestamp, parse_time("2024-05-01T10:00:00Z"));
    }

    #[test]
    fn a_huge_line_is_cut_at_16_kib() {
        let chunk = |c: u8| {
            let mut bytes = b"2024-05-01T10:00:00Z ".to_vec();
            bytes.extend(std::iter::repeat_n(c, MAX_LOG_LINE_BYTES));
            bytes
        };
        let (first, second) = (chunk(b'a'), chunk(b'b'));
        let mut last = b"2024-05-01T10:00:00Z ".to_vec();
        last.extend_from_slice(b"ccc\n");
        let out = lines(&[
            (LogStream::Stdout, &first),
            (LogStream::Stdout, &second),
            (LogStream::Stdout, &last),
            (LogStream::Stdout, b"2024-05-01T10:00:01Z next\n"),
        ]);
        assert_eq!(out.len(), 2);
        let expected_cut = MAX_LOG_LINE_BYTES + 3;
        assert!(out[0].text.starts_with("aaaa"));
        assert!(
            out[0]
                .text
                .ends_with(&format!("a … ({expected_cut} bytes cut)")),
            "{}",
            &out[0].text[MAX_LOG_LINE_BYTES - 5..]
        );
        assert_eq!(out[1].text, "next");
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut line = vec![b'x'; MAX_LOG_LINE_BYTES - 1];
        line.extend("éé\n".as_bytes());
        let out = lines(&[(LogStream::Stdout, &line)]);
        // The first é would straddle the limit: it goes, whole.
        assert_eq!(
            out[0].text.len(),
            MAX_LOG_LINE_BYTES - 1 + " … (4 bytes cut)".len()
        );
        assert!(out[0].text.ends_with("x … (4 bytes cut)"));
    }
}
