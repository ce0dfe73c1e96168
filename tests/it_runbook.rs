//! Runbook checks against the real test services: one poll of every source, as `watchdeck
//! check` does, then the checks judged on what it found (a disk expression, an endpoint, a
//! database, a container), and a container's log read from its engine for a pattern. The
//! fixture container is made with the `docker` CLI, independently of the code under test.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use regex::Regex;
use support::docker::{IMAGE, Removed, docker};
use watchdeck::alerts::rule::Condition;
use watchdeck::config::Config;
use watchdeck::runbook::check::{CheckOutcome, LogScan, Observed, judge, judge_logs};
use watchdeck::runbook::model::{Check, Subject};
use watchdeck::runbook::run::tail_logs;
use watchdeck::sources::SourceRegistry;

struct Services {
    docker: String,
    http: String,
}

fn services() -> Option<Services> {
    Some(Services {
        docker: support::services::service("WATCHDECK_TEST_DOCKER_HOST")?,
        http: support::services::service("WATCHDECK_TEST_HTTP_URL")?,
    })
    .filter(|_| support::services::service("WATCHDECK_TEST_PG_URL").is_some())
}

fn outcome(check: &Check, state: &watchdeck::state::AppState) -> CheckOutcome {
    let firing: Vec<&str> = state.alerts.firing().map(|a| a.key.rule.as_str()).collect();
    let observed = Observed {
        store: &state.metrics,
        firing: &firing,
        stale_after: Duration::from_secs(60),
    };
    judge(check, &observed, Utc::now()).outcome
}

#[test]
fn checks_judge_a_disk_an_endpoint_a_database_a_container_and_a_log_pattern_of_real_services() {
    let Some(services) = services() else { return };
    let name = format!("wdrunbook-{}-web", std::process::id());
    let _removed = Removed {
        host: &services.docker,
        name: name.clone(),
    };
    docker(
        &services.docker,
        &[
            "run",
            "-d",
            "--name",
            &name,
            IMAGE,
            "sh",
            "-c",
            // Standard error and output are separate pipes: a pause keeps the lines in order.
            "echo 'GET / 200'; echo 'ERROR: upstream refused' >&2; sleep 1; echo 'GET /health 200'; sleep 300",
        ],
    );
    // Ready once its log has all three lines.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !Command::new("docker")
        .args(["logs", &name])
        .env("DOCKER_HOST", &services.docker)
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GET /health"))
    {
        assert!(Instant::now() < deadline, "the container never logged");
        std::thread::sleep(Duration::from_millis(50));
    }

    let text = format!(
        "[containers]\nlocal = false\n\n[[docker]]\nname = \"test\"\nhost = \"{}\"\n\n[[endpoint]]\nname = \"web\"\nurl = \"{}\"\n\n[[database]]\nname = \"main\"\nkind = \"postgres\"\nurl_env = \"WATCHDECK_TEST_PG_URL\"\n",
        services.docker, services.http
    );
    let config = Config::parse("it_runbook.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let engines = config.docker_engines(&|_| None, Path::new("/nonexistent.sock"));
    let sources = SourceRegistry::from_config(&config, &engines);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = runtime.block_on(watchdeck::check::collect(
        &config,
        &sources,
        "it-host".into(),
    ));

    let expr = |text: &str| Check::Expr(Condition::parse(text).unwrap());
    assert_eq!(
        outcome(&expr("system_disk_used_percent <= 100"), &state),
        CheckOutcome::Pass
    );
    let CheckOutcome::Fail(why) = outcome(&expr("system_disk_used_percent < 0"), &state) else {
        panic!("a disk cannot be less than 0% used")
    };
    assert!(
        why.starts_with("not system_disk_used_percent < 0: {host=\"it-host\",mount="),
        "{why}"
    );
    let up = |kind, name: &str| Check::Up {
        kind,
        name: name.into(),
    };
    assert_eq!(
        outcome(&up(Subject::Endpoint, "web"), &state),
        CheckOutcome::Pass
    );
    assert_eq!(
        outcome(&up(Subject::Database, "main"), &state),
        CheckOutcome::Pass
    );
    assert_eq!(
        outcome(&up(Subject::Container, &name), &state),
        CheckOutcome::Pass
    );
    assert!(matches!(
        outcome(&up(Subject::Container, "wdrunbook-none-*"), &state),
        CheckOutcome::Unknown(_)
    ));

    let engine = watchdeck::collect::docker::connect(&services.docker, None).unwrap();
    let scan = LogScan {
        containers: format!("wdrunbook-{}-*", std::process::id()),
        tail: 100,
    };
    let logs = runtime.block_on(tail_logs(&engine, &scan)).unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].0, name);
    let error = Regex::new("(?i)\\berror\\b").unwrap();
    assert_eq!(
        judge_logs(&error, &logs, Utc::now()).outcome,
        CheckOutcome::Fail(format!(
            "1 line match (?i)\\berror\\b: {name}: ERROR: upstream refused"
        ))
    );
    let panic = Regex::new("(?i)panic").unwrap();
    assert_eq!(
        judge_logs(&panic, &logs, Utc::now()).outcome,
        CheckOutcome::Pass
    );
    // The manual's tail: only the last lines are read.
    let last = LogScan {
        containers: name.clone(),
        tail: 1,
    };
    let logs = runtime.block_on(tail_logs(&engine, &last)).unwrap();
    assert_eq!(logs[0].1, ["GET /health 200"]);
}
