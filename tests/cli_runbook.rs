//! Runbooks from the command line: the shipped ones load with the config, a user's runbook that
//! names what does not exist and a rule whose `runbook` names no procedure stop `config check`,
//! `check` and the console at the line, and `watchdeck runbook …` prints the logs.
//!
//! Every test runs the real binary in its own temporary HOME / XDG dirs (see `support`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use support::TestEnv;

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
