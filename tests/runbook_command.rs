//! A step's command, run for real: its exit status decides, its output is kept up to a bound,
//! and one that outlasts its timeout is killed with everything it started.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use watchdeck::runbook::check::{
    CheckOutcome, CommandEnd, CommandRun, OUTPUT_LIMIT, judge_command,
};
use watchdeck::runbook::run::run_command;

fn command(argv: &[&str], timeout: Duration) -> CommandRun {
    CommandRun {
        argv: argv.iter().map(|a| a.to_string()).collect(),
        timeout,
    }
}

fn run(
    argv: &[&str],
    timeout: Duration,
) -> (watchdeck::runbook::check::CommandResult, CheckOutcome) {
    let run = command(argv, timeout);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(run_command(&run));
    let outcome = judge_command(&run, &result, DateTime::<Utc>::UNIX_EPOCH).outcome;
    (result, outcome)
}

#[test]
fn a_command_that_exits_0_passes_and_its_output_is_kept() {
    let (result, outcome) = run(&["echo", "all", "good"], Duration::from_secs(10));
    assert_eq!(result.end, CommandEnd::Exited(0));
    assert_eq!(result.output, "all good\n");
    assert_eq!(outcome, CheckOutcome::Pass);
}

#[test]
fn false_fails_with_its_exit_status() {
    let (result, outcome) = run(&["false"], Duration::from_secs(10));
    assert_eq!(result.end, CommandEnd::Exited(1));
    assert_eq!(outcome, CheckOutcome::Fail("exit status 1".into()));
}

#[test]
fn standard_error_is_evidence_too() {
    let (result, outcome) = run(&["ls", "/nonexistent-watchdeck"], Duration::from_secs(10));
    assert!(matches!(result.end, CommandEnd::Exited(code) if code != 0));
    assert!(
        result.output.contains("nonexistent-watchdeck"),
        "{}",
        result.output
    );
    let CheckOutcome::Fail(reason) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("nonexistent-watchdeck"), "{reason}");
}

#[test]
fn sleep_past_its_timeout_is_killed_and_fails() {
    let (result, outcome) = run(&["sleep", "5"], Duration::from_millis(200));
    assert_eq!(result.end, CommandEnd::TimedOut);
    assert!(
        result.took < Duration::from_secs(3),
        "took {:?}",
        result.took
    );
    assert_eq!(outcome, CheckOutcome::Fail("no answer within 200ms".into()));
}

#[test]
fn what_a_timed_out_command_started_is_killed_with_it() {
    // The shell here is the program the step names, not one watchdeck adds: its children keep
    // the output pipes open, so only killing the whole group ends the wait.
    let (result, _) = run(
        &["sh", "-c", "sleep 30 & sleep 30"],
        Duration::from_millis(200),
    );
    assert_eq!(result.end, CommandEnd::TimedOut);
    assert!(
        result.took < Duration::from_secs(3),
        "took {:?}",
        result.took
    );
}

#[test]
fn output_is_bounded() {
    let (result, outcome) = run(&["seq", "1", "100000"], Duration::from_secs(10));
    assert_eq!(result.end, CommandEnd::Exited(0));
    assert_eq!(result.output.len(), OUTPUT_LIMIT);
    assert!(result.truncated);
    assert!(result.output.starts_with("1\n2\n3\n"));
    assert_eq!(outcome, CheckOutcome::Pass);
}

#[test]
fn a_program_that_does_not_exist_is_unknown_not_a_pass() {
    let (result, outcome) = run(&["/nonexistent/watchdeck-check"], Duration::from_secs(10));
    assert!(
        matches!(result.end, CommandEnd::NotStarted(_)),
        "{:?}",
        result.end
    );
    assert!(
        matches!(outcome, CheckOutcome::Unknown(ref why) if why.starts_with("cannot run /nonexistent/watchdeck-check")),
        "{outcome:?}"
    );
}

#[test]
fn standard_input_is_empty() {
    // `cat` with no input ends at once; with the console's terminal as input it would wait.
    let (result, outcome) = run(&["cat"], Duration::from_secs(5));
    assert_eq!(result.end, CommandEnd::Exited(0));
    assert_eq!(outcome, CheckOutcome::Pass);
}
