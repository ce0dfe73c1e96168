//! Runbooks from the command line: the shipped ones load with the config, a user's runbook that
//! names what does not exist and a rule whose `runbook` names no procedure stop `config check`,
//! `check` and the console at the line, and `watchdeck runbook …` prints the logs.
//!
//! Every test runs the real binary in its own temporary HOME / XDG dirs (see `support`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Utc, Weekday};
use support::{Run, TestEnv};
use watchdeck::alerts::engine::{Ack, AlertKey, Change, Origin, Transition};
use watchdeck::alerts::kept::KeptAlerts;
use watchdeck::runbook::log::{Entry, EntryKind, Incident, Scope, StepState};
use watchdeck::runbook::model::Cadence;
use watchdeck::runbook::period::PeriodId;
use watchdeck::runbook::store::Store;

const CONFIG_ERROR: i32 = 3;

#[test]
fn the_shipped_runbooks_load_and_every_shipped_rule_names_one_of_their_procedures() {
    let env = TestEnv::new();
    let run = env.run(["config", "check"]);
    run.assert_code(0);
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/runbooks"))
        .unwrap()
        .count();
    assert!(
        run.stdout.contains(&format!("; {shipped} runbooks")),
        "{}",
        run.stdout
    );
}

#[test]
fn a_user_runbook_replaces_the_shipped_one_and_adds_its_own() {
    let env = TestEnv::new();
    env.write(
        env.config_dir().join("runbooks/disk-full.toml"),
        "name = \"disk-full\"\ntitle = \"Ours\"\nkind = \"procedure\"\n[[step]]\ntitle = \"Call Bob\"\ncheck = { command = { argv = [\"df\", \"-h\"] } }\n",
    );
    env.write(
        env.config_dir().join("runbooks/payroll.toml"),
        "name = \"payroll\"\ntitle = \"Payroll run\"\nkind = \"checklist\"\ncadence = \"monthly\"\n[[step]]\ntitle = \"It ran\"\n",
    );
    let run = env.run(["config", "check"]);
    run.assert_code(0);
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/runbooks"))
        .unwrap()
        .count();
    assert!(
        run.stdout.contains(&format!("; {} runbooks", shipped + 1)),
        "{}",
        run.stdout
    );
}

#[test]
fn a_user_runbook_naming_an_unknown_rule_stops_config_check_check_and_the_console_at_its_line() {
    let env = TestEnv::new();
    let file = env.write(
        env.config_dir().join("runbooks/mine.toml"),
        "name = \"mine\"\ntitle = \"Mine\"\nkind = \"procedure\"\n\n[[step]]\ntitle = \"Quiet\"\ncheck = { no_alerts = [\"DiskSpaceLow\", \"DiskSpaceLo\"] }\n",
    );
    for args in [vec!["config", "check"], vec!["check"], vec![]] {
        let run = env.run(&args);
        run.assert_code(CONFIG_ERROR);
        let expected = format!(
            "{}:7:1: key `step.check`: no rule \"DiskSpaceLo\": expected one of HighCPUUsage",
            file.display()
        );
        assert!(run.stderr.contains(&expected), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_rule_whose_runbook_names_no_procedure_is_an_error_at_the_rule() {
    let env = TestEnv::new();
    let config = env.write(
        env.config_file(),
        "refresh = \"1s\"\n\n[[rule]]\nname = \"Busy\"\nexpr = \"system_load_1m > 8\"\nseverity = \"P2\"\nrunbook = \"hgih-cpu\"\n",
    );
    let run = env.run(["config", "check"]);
    run.assert_code(CONFIG_ERROR);
    let expected = format!(
        "{}:7:1: key `rule.runbook`: no procedure \"hgih-cpu\": expected one of",
        config.display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains("(in [[rule]] \"Busy\")"),
        "{}",
        run.stderr
    );
}

/// Runs `watchdeck runbook …` in UTC, so periods are the test's.
fn runbook(env: &TestEnv, args: &[&str]) -> Run {
    let mut command = env.command();
    command.env("TZ", "UTC").arg("runbook").args(args);
    Run::from(command.output().unwrap())
}

fn period(cadence: Cadence, at: DateTime<Utc>) -> Scope {
    Scope::period(PeriodId::containing(cadence, at, &Utc, Weekday::Mon))
}

fn tick(
    at: DateTime<Utc>,
    who: &str,
    runbook: &str,
    step: &str,
    scope: Scope,
    note: &str,
) -> Entry {
    Entry::new(
        at,
        who,
        EntryKind::Tick {
            runbook: runbook.into(),
            step: step.into(),
            scope,
            state: StepState::Done,
            note: note.into(),
        },
    )
}

/// Every step of every shipped checklist's period holding `at`, ticked done.
fn all_done(at: DateTime<Utc>) -> Vec<Entry> {
    let runbooks = watchdeck::fixtures::runbooks();
    runbooks
        .checklists()
        .flat_map(|r| {
            let scope = period(r.cadence().unwrap(), at);
            r.steps
                .iter()
                .map(|s| tick(at, "alice", &r.name, &s.id, scope.clone(), ""))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn runbook_status_exits_1_while_the_daily_check_is_due_0_when_done_2_when_one_was_left_undone() {
    let env = TestEnv::new();
    let store = Store::in_dir(&env.state_dir());
    let now = Utc::now();
    let run = runbook(&env, &["status"]);
    run.assert_code(1);
    assert!(run.stdout.contains("Daily check"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("status: due today\n"),
        "{}",
        run.stdout
    );

    store.record(&all_done(now), now).unwrap();
    let run = runbook(&env, &["status"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(&format!(
            "Daily check {}: 8/8",
            period_id(Cadence::Daily, now)
        )),
        "{}",
        run.stdout
    );

    // Yesterday's daily check had one step ticked, and that was all.
    let yesterday = now - chrono::Duration::days(1);
    store
        .record(
            &[tick(
                yesterday,
                "bob",
                "daily",
                "disk-space",
                period(Cadence::Daily, yesterday),
                "",
            )],
            now,
        )
        .unwrap();
    let run = runbook(&env, &["status", "--format", "json"]);
    run.assert_code(2);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["status"], "overdue");
    assert_eq!(json["checklists"][0]["runbook"], "daily");
    assert_eq!(
        json["checklists"][0]["overdue_period"],
        period_id(Cadence::Daily, yesterday)
    );
}

fn period_id(cadence: Cadence, at: DateTime<Utc>) -> String {
    PeriodId::containing(cadence, at, &Utc, Weekday::Mon).to_string()
}

/// The fixture's incident (web unhealthy), fired at `since`.
fn incident(since: DateTime<Utc>) -> Incident {
    Incident {
        since,
        ..watchdeck::fixtures::runbook_incident()
    }
}

/// A morning: the daily check's disk step with a note, a procedure followed for an unhealthy
/// container with a restart, and a note in the shift log.
fn a_shift(env: &TestEnv, now: DateTime<Utc>) {
    let fired = now - chrono::Duration::minutes(30);
    let on = Scope::Incident(incident(fired));
    let entries = vec![
        tick(
            now - chrono::Duration::minutes(40),
            "alice",
            "daily",
            "disk-space",
            period(Cadence::Daily, now),
            "/var at 71%",
        ),
        tick(
            now - chrono::Duration::minutes(20),
            "alice",
            "container-unhealthy",
            "read-the-container-s-recent-logs",
            on.clone(),
            "db refused",
        ),
        Entry::new(
            now - chrono::Duration::minutes(15),
            "alice",
            EntryKind::Action {
                runbook: "container-unhealthy".into(),
                step: "restart-the-container".into(),
                scope: on,
                action: "container restart".into(),
                target: "container web (0123456789ab) on local".into(),
                outcome: "ok: restarted".into(),
            },
        ),
        Entry::new(
            now - chrono::Duration::minutes(10),
            "alice",
            EntryKind::Note {
                text: "web came back after the restart; db pool was full".into(),
                incident: None,
            },
        ),
    ];
    Store::in_dir(&env.state_dir())
        .record(&entries, now)
        .unwrap();
    let key = incident(fired).alert;
    let kept = KeptAlerts {
        acks: vec![(
            key.clone(),
            Ack {
                by: "alice".into(),
                at: now - chrono::Duration::minutes(25),
                note: "on it".into(),
            },
        )],
        history: vec![
            Transition {
                key: key.clone(),
                change: Change::Firing,
                at: fired,
                value: Some(1.0),
                by: None,
                note: String::new(),
            },
            Transition {
                key: key.clone(),
                change: Change::Acknowledged,
                at: now - chrono::Duration::minutes(25),
                value: None,
                by: Some("alice".into()),
                note: "on it".into(),
            },
            Transition {
                key: key.clone(),
                change: Change::Resolved,
                at: now - chrono::Duration::minutes(12),
                value: Some(0.0),
                by: None,
                note: String::new(),
            },
            Transition {
                key: AlertKey {
                    rule: "DiskSpaceLow".into(),
                    labels: vec![("mount".into(), "/var".into())],
                    origin: Origin::Console,
                },
                change: Change::Firing,
                at: now - chrono::Duration::minutes(5),
                value: Some(93.0),
                by: None,
                note: String::new(),
            },
        ],
        ..KeptAlerts::default()
    };
    watchdeck::persist::alerts::save(&env.state_dir().join("alerts.json"), &kept).unwrap();
}

#[test]
fn runbook_export_prints_the_maintenance_log_with_the_tick_the_note_and_the_restart() {
    let env = TestEnv::new();
    // Mid-day, so every entry falls in today's period.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    a_shift(&env, now);
    let day = period_id(Cadence::Daily, now);
    let run = runbook(&env, &["export", "--period", &day]);
    run.assert_code(0);
    let md = &run.stdout;
    assert!(
        md.starts_with(&format!("# Maintenance log {day}\n")),
        "{md}"
    );
    assert!(
        md.contains("| Date | Operator | Type | Content | Impact | Result | Notes |"),
        "{md}"
    );
    assert!(md.contains("| alice | routine | Daily check ("), "{md}");
    assert!(md.contains("Disk space: /var at 71%"), "{md}");
    assert!(md.contains("| alice | incident | Container unhealthy (ContainerUnhealthy{container=\"web\",engine=\"local\"} firing since"), "{md}");
    assert!(
        md.contains("| container restart container web (0123456789ab) on local: ok: restarted |"),
        "{md}"
    );
    assert!(
        md.contains("| web came back after the restart; db pool was full |"),
        "{md}"
    );

    let run = runbook(&env, &["export", "--period", &day, "--format", "json"]);
    run.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{json:#}");
    assert_eq!(rows[1]["type"], "incident");
    assert_eq!(rows[1]["result"], "1/5 steps");

    let out = env.home().join("maintenance.md");
    runbook(
        &env,
        &["export", "--period", &day, "--out", out.to_str().unwrap()],
    )
    .assert_code(0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), *md);

    // Another day has none of it.
    let other = runbook(&env, &["export", "--period", "2020-01-01"]);
    assert!(
        other.stdout.contains("Nothing was recorded"),
        "{}",
        other.stdout
    );
}

#[test]
fn runbook_handover_says_what_fired_who_acknowledged_the_procedure_and_the_shift_log() {
    let env = TestEnv::new();
    let now = Utc::now();
    a_shift(&env, now);
    let run = runbook(&env, &["handover", "--since", "12h"]);
    run.assert_code(0);
    let md = &run.stdout;
    let section = |name: &str| {
        let start = md
            .find(&format!("## {name}\n"))
            .unwrap_or_else(|| panic!("no {name}: {md}"));
        let rest = &md[start + name.len() + 4..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    assert!(
        section("Still firing").contains("DiskSpaceLow{mount=\"/var\"}"),
        "{md}"
    );
    assert!(
        !section("Still firing").contains("ContainerUnhealthy"),
        "{md}"
    );
    assert!(
        section("Fired")
            .contains("ContainerUnhealthy{container=\"web\",engine=\"local\"}, resolved"),
        "{md}"
    );
    assert!(section("Acknowledged").contains("by alice: on it"), "{md}");
    let procedures = section("Procedures followed");
    assert!(procedures.contains("Container unhealthy"), "{md}");
    assert!(
        procedures
            .contains("container restart container web (0123456789ab) on local: ok: restarted"),
        "{md}"
    );
    assert!(section("Checklists").contains("Daily check"), "{md}");
    assert!(
        section("Checklists").contains("open: Every container is running"),
        "{md}"
    );
    assert!(
        section("Shift log").contains("alice: web came back after the restart"),
        "{md}"
    );
    // From before the shift began, nothing of it.
    let run = runbook(&env, &["handover", "--since", "1m"]);
    assert!(
        run.stdout.contains("No procedure was followed."),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_period_is_a_usage_error() {
    let env = TestEnv::new();
    let run = runbook(&env, &["export", "--period", "2026-W60"]);
    run.assert_code(CONFIG_ERROR);
    assert!(
        run.stderr.contains("\"2026-W60\" is not a period"),
        "{}",
        run.stderr
    );
}
