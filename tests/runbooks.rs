//! The shipped runbooks' contract: every file of `assets/runbooks/` is shipped, parses, and
//! names only what exists; every shipped rule's `runbook` is one of their procedures; the
//! manual's checklists and "service will not start" are there.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use watchdeck::config::{Config, DEFAULT_RULES, default_rules};
use watchdeck::runbook::catalogue::{
    Known, RunbookText, SHIPPED, check_rule_runbooks, load_runbooks,
};
use watchdeck::runbook::model::{Cadence, Check, Kind};
use watchdeck::tabs::published_series;

#[test]
fn every_file_of_assets_runbooks_is_shipped_under_its_own_name() {
    let mut files: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/runbooks"))
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    files.sort();
    let mut shipped: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
    shipped.sort();
    assert_eq!(files, shipped);
    let runbooks = shipped_runbooks();
    for (name, _) in SHIPPED {
        assert!(runbooks.get(name).is_some(), "{name}.toml is named {name}");
    }
}

fn shipped_runbooks() -> watchdeck::runbook::catalogue::Runbooks {
    let config = Config::embedded().unwrap();
    let rules = default_rules().unwrap();
    let series = published_series();
    let known = Known::of(&config, &rules, &series);
    load_runbooks(&RunbookText::shipped(), &[], &known).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_shipped_runbook_parses_and_every_shipped_rule_names_a_procedure() {
    let runbooks = shipped_runbooks();
    let rules = default_rules().unwrap();
    check_rule_runbooks(
        &runbooks,
        ("assets/rules.default.toml", DEFAULT_RULES, &rules),
        ("none", "", &[]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.iter().all(|r| r.runbook.is_some()));
    for cadence in [Cadence::Daily, Cadence::Weekly, Cadence::Monthly] {
        assert!(
            runbooks.checklists().any(|r| r.cadence() == Some(cadence)),
            "no {cadence} checklist"
        );
    }
    let procedure = runbooks.procedure("service-will-not-start").unwrap();
    assert_eq!(procedure.kind, Kind::Procedure);
    for runbook in runbooks.iter() {
        assert!(
            runbook.steps.len() >= 3 || runbook.cadence().is_some(),
            "{}",
            runbook.name
        );
        for step in &runbook.steps {
            assert!(
                !step.details.is_empty(),
                "{} / {}: no details",
                runbook.name,
                step.title
            );
            assert!(
                !matches!(step.check, Some(Check::Command { .. })),
                "{}: shipped runbooks run no commands",
                runbook.name
            );
        }
    }
}

/// A morning (the fixtures'): the maintenance log and the hand-off, in UTC.
#[test]
fn the_maintenance_log_and_the_handover_of_a_morning() {
    use chrono::{Duration, Utc, Weekday};
    use watchdeck::alerts::kept::KeptAlerts;
    use watchdeck::fixtures::{now, runbook_log, runbooks};
    use watchdeck::runbook::period::PeriodId;
    use watchdeck::runbook::report;
    use watchdeck::runbook::status::status;

    let runbooks = runbooks();
    let log = runbook_log();
    let day = PeriodId::containing(Cadence::Daily, now(), &Utc, Weekday::Mon);
    let (from, to) = day.bounds(&Utc);
    let rows = report::maintenance_log(&runbooks, &log, from, to, &Utc);
    insta::assert_snapshot!(
        "runbook_maintenance_log_of_a_morning",
        report::render_maintenance_markdown(&day.to_string(), &rows)
    );
    let checklists = status(&runbooks, &log, now(), &Utc, Weekday::Mon);
    assert_eq!((checklists[0].settled, checklists[0].total), (3, 8));
    insta::assert_snapshot!(
        "runbook_handover_of_a_morning",
        report::render_handover(&report::Handover {
            runbooks: &runbooks,
            log: &log,
            alerts: &KeptAlerts::default(),
            checklists: &checklists,
            since: now() - Duration::hours(12),
            now: now(),
            tz: &Utc,
        })
    );
}
