//! The command line without a terminal: help, `config path|init|check`, completions, `check`, and
//! configuration errors that name the file, line and key and exit 3 before any UI starts.
//!
//! Every test runs the real binary in its own temporary HOME / XDG dirs (see `support`).

// Helpers outside `#[test]` functions panic on purpose: a failed expectation fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{Run, TestEnv, fixture, mode};

/// The exit status of configuration errors.
const CONFIG_ERROR: i32 = 3;

/// An argument, for argument lists that mix words and paths.
fn os(text: &str) -> &OsStr {
    OsStr::new(text)
}

// ---------------------------------------------------------------------------------------------
// Help, paths, init, completions
// ---------------------------------------------------------------------------------------------

#[test]
fn help_mentions_every_mode_and_has_examples() {
    let env = TestEnv::new();
    let run = env.run(["--help"]);
    run.assert_code(0);
    for needle in [
        "--read-only",
        "--watch",
        "check",
        "config",
        "completions",
        "Examples:",
    ] {
        assert!(
            run.stdout.contains(needle),
            "--help does not mention {needle:?}:\n{}",
            run.stdout
        );
    }
    let examples = &run.stdout[run.stdout.find("Examples:").expect("Examples section")..];
    for example in [
        "watchdeck --read-only",
        "watchdeck --watch",
        "watchdeck check",
    ] {
        assert!(
            examples.contains(example),
            "Examples has no {example:?}:\n{examples}"
        );
    }
}

/// The value of the `name:` line of `config path`.
fn path_line(stdout: &str, name: &str) -> String {
    let prefix = format!("{name}:");
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{stdout}"));
    line[prefix.len()..].trim().to_string()
}

#[test]
fn config_path_points_into_the_xdg_dirs() {
    let env = TestEnv::new();
    let run = env.run(["config", "path"]);
    run.assert_code(0);
    let config = path_line(&run.stdout, "config");
    assert_eq!(
        config,
        format!(
            "{} (absent: the embedded default is used)",
            env.config_file().display()
        )
    );
    assert_eq!(
        path_line(&run.stdout, "log"),
        env.log_file().display().to_string()
    );
    assert_eq!(
        path_line(&run.stdout, "audit"),
        env.audit_log().display().to_string()
    );
    for name in ["themes", "keymaps", "state"] {
        let path = path_line(&run.stdout, name);
        assert!(
            Path::new(&path).starts_with(env.home()),
            "{name}: {path} is outside the test's home {}",
            env.home().display()
        );
    }
    // `config path` only prints: it creates nothing.
    assert!(!env.config_dir().exists() && !env.state_dir().exists());

    // Once the file exists the note goes; an explicit --config is shown as given.
    env.write(env.config_file(), "refresh = \"2s\"\n");
    let run = env.run(["config", "path"]);
    assert_eq!(
        path_line(&run.stdout, "config"),
        env.config_file().display().to_string()
    );
    let explicit = env.write("elsewhere/ops.toml", "");
    let run = env.run([
        os("--config"),
        explicit.as_os_str(),
        os("config"),
        os("path"),
    ]);
    assert_eq!(
        path_line(&run.stdout, "config"),
        explicit.display().to_string()
    );
}

#[test]
fn config_init_writes_a_valid_config_and_never_overwrites_it() {
    let env = TestEnv::new();
    let run = env.run(["config", "check"]);
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("embedded default: ok"),
        "{}",
        run.stdout
    );

    let run = env.run(["config", "init"]);
    run.assert_code(0);
    let file = env.config_file();
    assert!(
        run.stdout.contains(&file.display().to_string()),
        "{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&file).expect("config init wrote config.toml");
    assert!(written.contains("[resources]"), "{written}");

    // The user's file is what `config check` (and everything else) now uses.
    let run = env.run(["config", "check"]);
    run.assert_code(0);
    assert!(
        run.stdout.starts_with(&format!(
            "{}: ok (theme default, keymap default)",
            file.display()
        )),
        "{}",
        run.stdout
    );
    env.run([os("config"), os("check"), file.as_os_str()])
        .assert_code(0);

    // The operator edits the file; a second init must leave it alone.
    let edited = format!("{written}\n# edited by the operator\n");
    std::fs::write(&file, &edited).expect("edit config");
    let run = env.run(["config", "init"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("already exists"),
        "stderr: {}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("config still there"),
        edited,
        "a second `config init` changed the file"
    );
    // No temporary files are left next to it.
    let entries: Vec<_> = std::fs::read_dir(env.config_dir())
        .expect("config dir")
        .map(|entry| entry.expect("dir entry").file_name())
        .collect();
    assert_eq!(entries, ["config.toml"], "{entries:?}");
}

#[test]
fn config_init_writes_where_config_says_and_help_lists_its_exit_code() {
    let env = TestEnv::new();
    let target = env.home().join("ops").join("watchdeck.toml");
    let run = env.run([os("config"), os("init"), os("--config"), target.as_os_str()]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(&target.display().to_string()),
        "{}",
        run.stdout
    );
    assert!(
        !env.config_file().exists(),
        "wrote the default place instead"
    );
    env.run([os("config"), os("check"), target.as_os_str()])
        .assert_code(0);
    env.run([os("config"), os("init"), os("--config"), target.as_os_str()])
        .assert_code(1);
    let help = env.run(["--help"]);
    assert!(
        help.stdout.contains("`config init` exits 1 when the file"),
        "{}",
        help.stdout
    );
}

#[test]
fn config_init_writes_a_private_file_in_a_private_dir_whatever_the_umask() {
    let env = TestEnv::new();
    env.run_under_umask("000", ["config", "init"])
        .assert_code(0);
    let file = env.config_file();
    assert_eq!(mode(&file), 0o600, "{}", file.display());
    assert_eq!(
        mode(&env.config_dir()),
        0o700,
        "{}",
        env.config_dir().display()
    );
}

#[test]
fn completions_bash_prints_a_script() {
    let env = TestEnv::new();
    let run = env.run(["completions", "bash"]);
    run.assert_code(0);
    assert!(run.stdout.contains("_watchdeck()"), "{}", run.stdout);
    assert!(
        run.stdout.contains("complete -F _watchdeck"),
        "{}",
        run.stdout
    );
    for word in ["--read-only", "--watch", "check", "config"] {
        assert!(run.stdout.contains(word), "completion lacks {word}");
    }
}

#[test]
fn completions_offer_the_tab_names_for_tab() {
    let env = TestEnv::new();
    let run = env.run(["completions", "bash"]);
    run.assert_code(0);
    let tab_case = run
        .stdout
        .split("--tab)")
        .nth(1)
        .and_then(|rest| rest.split(";;").next())
        .expect("a case for --tab");
    for tab in [
        "resources",
        "containers",
        "alerts",
        "databases",
        "endpoints",
        "runbook",
    ] {
        assert!(
            tab_case.contains(tab),
            "--tab does not complete {tab}:{tab_case}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// watchdeck check
// ---------------------------------------------------------------------------------------------

fn exit_code_of(status: &str) -> i32 {
    match status {
        "ok" => 0,
        "warning" => 1,
        "critical" => 2,
        other => panic!("unknown status {other:?}"),
    }
}

/// Runs `check --format json` and parses its output, checking the exit code matches the status.
fn check_json(env: &TestEnv, config: Option<&Path>) -> (Run, Value) {
    let mut args: Vec<&OsStr> = Vec::new();
    if let Some(config) = config {
        args.extend([os("--config"), config.as_os_str()]);
    }
    args.extend([os("check"), os("--format"), os("json")]);
    let run = env.run(args);
    let value: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json printed invalid JSON ({e}):\n{}\nstderr: {}",
            run.stdout, run.stderr
        )
    });
    let status = value["status"]
        .as_str()
        .unwrap_or_else(|| panic!("no string `status` in {value:#}"));
    assert!(
        ["ok", "warning", "critical"].contains(&status),
        "status {status:?}"
    );
    assert_eq!(
        run.code,
        Some(exit_code_of(status)),
        "exit code does not match status {status:?}: {value:#}"
    );
    let findings = value["findings"].as_array().expect("findings array");
    let worst = findings
        .iter()
        .map(|f| exit_code_of(f["severity"].as_str().expect("finding severity")))
        .max()
        .unwrap_or(0);
    assert_eq!(
        worst,
        exit_code_of(status),
        "status is not the worst finding: {value:#}"
    );
    (run, value)
}

/// Usage errors are UNKNOWN (3) in the monitoring-plugin convention, never CRITICAL (2): a script
/// must not page someone for a typo in its own command line.
#[test]
fn usage_errors_exit_3_and_help_exits_0() {
    let env = TestEnv::new();
    for args in [
        vec!["check", "--format", "yaml"],
        vec!["--no-such-flag"],
        vec!["check", "extra"],
        vec!["--tab", "nowhere"],
        // --rotate has the range of the config's watch.rotate.
        vec!["--watch", "--rotate", "0s"],
        vec!["--watch", "--rotate", "2h"],
        vec!["--watch", "--rotate", "99999999999h"],
        vec!["--watch", "--rotate", "18446744073709551615s"],
    ] {
        let run = env.run(&args);
        run.assert_code(3);
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
    env.run(["check", "--help"]).assert_code(0);
    env.run(["--version"]).assert_code(0);
}

#[test]
fn check_reports_an_engine_it_cannot_reach_as_critical() {
    let env = TestEnv::new();
    let config = env.write(
        "ops.toml",
        "[alerts]\ndisabled = [\"HighCPUUsage\", \"CriticalCPUUsage\"]\n\
         [[docker]]\nname = \"gone\"\nhost = \"unix:///nonexistent/watchdeck/docker.sock\"\n",
    );
    let (run, value) = check_json(&env, Some(&config));
    run.assert_code(2);
    let findings = value["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["severity"] == "critical"
            && f["source"] == "docker:gone"
            && f["message"]
                == "P1 SourceDown: source docker:gone cannot be read (seen in one sample; the \
                    console fires it after 1m)"),
        "{value:#}"
    );
    let sources = value["sources"].as_array().expect("sources");
    assert!(
        sources.iter().any(|s| s["name"] == "docker:gone"
            && s["ok"] == false
            && s["summary"]
                .as_str()
                .is_some_and(|m| m.contains("/nonexistent/watchdeck/docker.sock"))),
        "{value:#}"
    );
    let text = env.run([
        os("--config"),
        config.as_os_str(),
        os("check"),
        os("--format"),
        os("text"),
    ]);
    text.assert_code(2);
    assert!(
        text.stdout
            .contains("✖ CRIT  docker:gone down: cannot reach Docker"),
        "{}",
        text.stdout
    );
}

#[test]
fn check_json_is_valid_and_its_status_matches_the_exit_code() {
    let env = TestEnv::new();
    let (_, value) = check_json(&env, None);
    assert!(value["host"].is_string(), "{value:#}");
    assert!(value["time"].is_string(), "{value:#}");
    assert_eq!(value["sources"][0]["name"], "system", "{value:#}");
}

#[test]
fn check_text_ends_with_the_status_matching_the_exit_code() {
    let env = TestEnv::new();
    let run = env.run(["check", "--format", "text"]);
    let last = run.stdout.lines().last().unwrap_or_default();
    let status = last
        .strip_prefix("status: ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no status line at the end of:\n{}", run.stdout));
    assert_eq!(run.code, Some(exit_code_of(status)), "{}", run.stdout);
    assert!(
        run.stdout.starts_with("watchdeck check · "),
        "{}",
        run.stdout
    );
}

#[test]
fn check_exits_2_when_the_disk_thresholds_are_zero() {
    let env = TestEnv::new();
    let config = fixture("config/valid/disk-critical.toml");
    let (run, value) = check_json(&env, Some(&config));
    run.assert_code(2);
    let findings = value["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["severity"] == "critical"
            && f["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("DiskSpaceLow "))),
        "no critical disk finding: {value:#}"
    );

    // The same thresholds from the user's config file, in text form.
    env.write(
        env.config_file(),
        &std::fs::read_to_string(&config).expect("fixture"),
    );
    let run = env.run(["check", "--format", "text"]);
    run.assert_code(2);
    assert!(run.stdout.contains("✖ CRIT"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap_or_default()
            .starts_with("status: critical"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_is_ok_with_every_rule_switched_off() {
    let env = TestEnv::new();
    let (run, value) = check_json(&env, Some(&fixture("config/valid/nothing-critical.toml")));
    run.assert_code(0);
    assert_eq!(
        value["findings"].as_array().map(Vec::len),
        Some(0),
        "{value:#}"
    );
    assert_eq!(
        value["alerts"].as_array().map(Vec::len),
        Some(0),
        "{value:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration errors
// ---------------------------------------------------------------------------------------------

/// One file of `tests/fixtures/config/invalid/` and where its error must point.
struct Invalid {
    file: &'static str,
    line: usize,
    /// The dotted key the error names, when it names one.
    key: Option<&'static str>,
    /// A piece of the message.
    message: &'static str,
}

const INVALID: &[Invalid] = &[
    Invalid {
        file: "unknown-top-level-key.toml",
        line: 3,
        key: Some("refresh_rate"),
        message: "unknown field `refresh_rate`",
    },
    Invalid {
        file: "unknown-resources-key.toml",
        line: 6,
        key: Some("resources.disk_warn"),
        message: "unknown field `disk_warn`",
    },
    Invalid {
        file: "bad-duration.toml",
        line: 3,
        key: Some("history"),
        message: "expected a duration",
    },
    Invalid {
        file: "wrong-type.toml",
        line: 3,
        key: Some("resources.ignore_mounts"),
        message: "invalid type",
    },
    Invalid {
        file: "syntax-error.toml",
        line: 4,
        key: None,
        message: "expected `]`",
    },
    Invalid {
        file: "resources-threshold-removed.toml",
        line: 4,
        key: Some("resources.memory_warn_percent"),
        message: "removed: gauges take their colour from the alert rules over their series",
    },
    Invalid {
        file: "history-too-long.toml",
        line: 3,
        key: Some("history"),
        message: "is too long: expected at most 1day",
    },
    Invalid {
        file: "docker-tls-ca-missing.toml",
        line: 5,
        key: Some("docker.tls_ca"),
        message: "/nonexistent/watchdeck/ca.pem: ",
    },
    Invalid {
        file: "refresh-too-fast.toml",
        line: 3,
        key: Some("refresh"),
        message: "too fast",
    },
    Invalid {
        file: "unknown-database-kind.toml",
        line: 4,
        key: Some("database.kind"),
        message: "unknown variant `oracle`",
    },
    Invalid {
        file: "unknown-theme.toml",
        line: 3,
        key: Some("theme"),
        message: "no such theme",
    },
    Invalid {
        file: "unknown-keymap.toml",
        line: 4,
        key: Some("keymap"),
        message: "no such keymap",
    },
    Invalid {
        file: "second-endpoint-bad-url.toml",
        line: 8,
        key: Some("endpoint.url"),
        message: "is not a probe address",
    },
    Invalid {
        file: "second-rule-bad-expr.toml",
        line: 9,
        key: Some("rule.expr"),
        message: "expected `series{label=\"value\"} > number`",
    },
    Invalid {
        file: "rule-unknown-series.toml",
        line: 4,
        key: Some("rule.expr"),
        message: "unknown series `system_disk_percent`",
    },
    Invalid {
        file: "rotate-too-long.toml",
        line: 4,
        key: Some("watch.rotate"),
        message: "is out of range: expected 1s to 1h",
    },
    Invalid {
        file: "ack-silence-too-long.toml",
        line: 5,
        key: Some("alertmanager.ack_silence"),
        message: "is out of range: expected 1m to 1year (in [[alertmanager]] \"prod\")",
    },
    Invalid {
        file: "rule-empty-name.toml",
        line: 3,
        key: Some("rule.name"),
        message: "is empty",
    },
    Invalid {
        file: "rule-nan-threshold.toml",
        line: 4,
        key: Some("rule.expr"),
        message: "the threshold NaN is not a number (in [[rule]] \"cpu\")",
    },
    Invalid {
        file: "tcp-endpoint-with-path.toml",
        line: 4,
        key: Some("endpoint.url"),
        message: "has a path: a tcp:// probe only connects, to tcp://host:port (in [[endpoint]] \"db\")",
    },
    Invalid {
        file: "database-password-in-query.toml",
        line: 5,
        key: Some("database.url"),
        message: "a password is written in the url (postgres://u@h:5432/db?password=***)",
    },
    Invalid {
        file: "endpoint-token-in-query.toml",
        line: 4,
        key: Some("endpoint.url"),
        message: "a credential is written in the url (https://api.example.com/healthz?Token=***)",
    },
    Invalid {
        file: "docker-host-password.toml",
        line: 4,
        key: Some("docker.host"),
        message: "a credential is written in the host (tcp://ops:***@10.0.0.1:2375)",
    },
    Invalid {
        file: "database-url-env-unset.toml",
        line: 5,
        key: Some("database.url_env"),
        message: "$WATCHDECK_TEST_UNSET_DATABASE_URL is not set",
    },
    Invalid {
        file: "database-password-file-missing.toml",
        line: 6,
        key: Some("database.password_file"),
        message: "/nonexistent/watchdeck-orders-password: No such file",
    },
    Invalid {
        file: "endpoint-header-env-unset.toml",
        line: 5,
        key: Some("endpoint.headers"),
        message: "header Authorization: $WATCHDECK_TEST_UNSET_API_TOKEN is not set",
    },
    Invalid {
        file: "alertmanager-token-env-unset.toml",
        line: 5,
        key: Some("alertmanager.token_env"),
        message: "$WATCHDECK_TEST_UNSET_AM_TOKEN is not set",
    },
    Invalid {
        file: "endpoint-ca-file-no-certificate.toml",
        line: 5,
        key: Some("endpoint.ca_file"),
        message: "/etc/passwd: no PEM certificate in it",
    },
    Invalid {
        file: "notify-url-unquoted.toml",
        line: 5,
        key: Some("notify.url"),
        message: "string values must be quoted",
    },
    Invalid {
        file: "endpoint-header-inline-credential.toml",
        line: 5,
        key: Some("endpoint.headers"),
        message: "header Authorization: a credential is written in the config: give \"env:NAME\"",
    },
    Invalid {
        file: "alerts-disabled-unknown.toml",
        line: 3,
        key: Some("alerts.disabled"),
        message: "no shipped rule is named \"HighCpuUsage\"",
    },
];

fn invalid_dir() -> PathBuf {
    fixture("config/invalid")
}

/// Checks a config error on stderr: the header line, then `FILE:LINE:COL: key `KEY`: message`.
#[track_caller]
fn assert_config_error(run: &Run, file: &Path, line: usize, key: Option<&str>, message: &str) {
    if let Err(problem) = check_config_error(run, file, line, key, message) {
        panic!(
            "{problem}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            run.stdout, run.stderr
        );
    }
}

/// What is wrong with a config error, if anything.
fn check_config_error(
    run: &Run,
    file: &Path,
    line: usize,
    key: Option<&str>,
    message: &str,
) -> Result<(), String> {
    if run.code != Some(CONFIG_ERROR) {
        return Err(format!("exit code {:?}, expected {CONFIG_ERROR}", run.code));
    }
    if !run.stdout.is_empty() {
        return Err("a config error printed to stdout".into());
    }
    let mut lines = run.stderr.lines();
    if lines.next() != Some("watchdeck: configuration error") {
        return Err("stderr does not start with `watchdeck: configuration error`".into());
    }
    let error = lines.next().unwrap_or_default();
    let location = format!("{}:{line}:", file.display());
    let Some(rest) = error.strip_prefix(&location) else {
        return Err(format!("expected the error to start with {location:?}"));
    };
    let column = rest.split(':').next().unwrap_or_default();
    if !column.parse::<usize>().is_ok_and(|c| c >= 1) {
        return Err(format!("no column after the line in {error:?}"));
    }
    if let Some(key) = key
        && !error.contains(&format!(": key `{key}`: "))
    {
        return Err(format!("expected key `{key}` in {error:?}"));
    }
    if !error.contains(message) {
        return Err(format!("expected {message:?} in {error:?}"));
    }
    Ok(())
}

#[test]
fn the_invalid_fixture_table_covers_every_fixture() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(invalid_dir())
        .expect("tests/fixtures/config/invalid")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let in_table: BTreeSet<String> = INVALID.iter().map(|i| i.file.to_string()).collect();
    assert_eq!(
        on_disk, in_table,
        "every fixture needs a row in INVALID and every row a fixture"
    );
}

#[test]
fn every_invalid_config_fails_config_check_with_its_file_and_line() {
    for invalid in INVALID {
        let env = TestEnv::new();
        let path = invalid_dir().join(invalid.file);
        let run = env.run([os("config"), os("check"), path.as_os_str()]);
        assert_config_error(&run, &path, invalid.line, invalid.key, invalid.message);
        assert!(
            !run.stderr.contains("Hunter3Secret"),
            "{}: the error shows the secret: {}",
            invalid.file,
            run.stderr
        );
    }
}

#[test]
fn every_invalid_config_stops_check_and_the_console_before_they_start() {
    for invalid in INVALID {
        let env = TestEnv::new();
        let path = invalid_dir().join(invalid.file);
        for args in [vec!["check"], vec!["--read-only"], vec![]] {
            let mut command = env.command();
            command.arg("--config").arg(&path).args(&args);
            let run = Run::from(command.output().expect("run watchdeck"));
            assert_eq!(
                run.code,
                Some(CONFIG_ERROR),
                "{} with {args:?}: {run:?}",
                invalid.file
            );
            assert!(
                run.stdout.is_empty(),
                "{} with {args:?} wrote to stdout (the terminal was touched?): {:?}",
                invalid.file,
                run.stdout
            );
            assert!(
                run.stderr.starts_with("watchdeck: configuration error\n"),
                "{}: {}",
                invalid.file,
                run.stderr
            );
        }
        // The console never started: it did not even open its log.
        assert!(
            !env.log_file().exists(),
            "{}: the log was created",
            invalid.file
        );
    }
}

#[test]
fn a_password_file_others_can_read_is_a_config_error_for_check_too() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let password = env.write("secrets/orders", "Hunter3Secret\n");
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).expect("chmod 644");
    let config = env.write(
        "ops.toml",
        &format!(
            "[containers]\nlocal = false\n[[database]]\nname = \"orders\"\nkind = \"mysql\"\n\
             url = \"mysql://shop@127.0.0.1:9/shop\"\npassword_file = \"{}\"\n",
            password.display()
        ),
    );
    let run = env.run([os("config"), os("check"), config.as_os_str()]);
    assert_config_error(
        &run,
        &config,
        7,
        Some("database.password_file"),
        "can be read by others (mode 644): run chmod 600 on it",
    );
    let run = env.run([os("--config"), config.as_os_str(), os("check")]);
    assert_config_error(
        &run,
        &config,
        7,
        Some("database.password_file"),
        "(mode 644)",
    );
    assert!(!run.stderr.contains("Hunter3Secret"), "{}", run.stderr);
}

#[test]
fn a_missing_config_file_is_a_config_error() {
    let env = TestEnv::new();
    let missing = env.home().join("no-such-config.toml");
    let run = env.run([os("config"), os("check"), missing.as_os_str()]);
    run.assert_code(CONFIG_ERROR);
    assert!(
        run.stderr
            .contains(&format!("{}: cannot read", missing.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn a_user_keymap_with_an_unknown_action_names_its_path_and_line() {
    let env = TestEnv::new();
    let keymap = env.write(
        env.config_dir().join("keymaps/default.toml"),
        "# my keys\n[global]\nquit = [\"x\"]\nlaunch_rockets = [\"l\"]\n",
    );
    for args in [vec!["config", "check"], vec!["check"]] {
        let run = env.run(&args);
        assert_config_error(
            &run,
            &keymap,
            4,
            Some("global.launch_rockets"),
            "unknown action \"launch_rockets\"",
        );
    }
}

#[test]
fn a_user_keymap_binding_one_key_twice_names_its_path_and_line() {
    let env = TestEnv::new();
    let keymap = env.write(
        env.config_dir().join("keymaps/default.toml"),
        "# my keys\n[global]\nhelp = [\"q\"]\n",
    );
    let run = env.run(["config", "check"]);
    assert_config_error(
        &run,
        &keymap,
        3,
        Some("global.help"),
        "bound to both `quit` and `help`",
    );
}

#[test]
fn a_user_theme_with_a_bad_colour_names_its_path_and_line() {
    let env = TestEnv::new();
    let theme = env.write(
        env.config_dir().join("themes/default.toml"),
        "# my colours\n\nok = { fg = \"greenish\" }\n",
    );
    for args in [vec!["config", "check"], vec!["check"]] {
        let run = env.run(&args);
        assert_config_error(&run, &theme, 3, Some("ok"), "is not a colour");
    }
    // A theme of a new name patches `default` and is checked the same way when chosen.
    let custom = env.write(
        env.config_dir().join("themes/mine.toml"),
        "crit = { fg = \"red\" }\nwarn = { bg = \"#12345\" }\n",
    );
    let run = env.run(["--theme", "mine", "config", "check"]);
    assert_config_error(
        &run,
        &custom,
        2,
        Some("warn"),
        "bg = \"#12345\" is not a colour",
    );
}

#[test]
fn config_check_validates_the_configured_theme_even_without_colour() {
    let env = TestEnv::new();
    let path = invalid_dir().join("unknown-theme.toml");
    let mut command = env.command();
    command
        .env("NO_COLOR", "1")
        .args(["config", "check"])
        .arg(&path);
    let run = Run::from(command.output().expect("run watchdeck"));
    run.assert_code(CONFIG_ERROR);
}

#[test]
fn alerts_timeline_merges_the_history_and_the_audit_log_into_markdown() {
    let env = TestEnv::new();
    let run = env.run(["alerts", "timeline"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("No alert fired.") && run.stdout.contains("Nothing happened."),
        "{}",
        run.stdout
    );
    let fired = chrono::Utc::now() - chrono::Duration::minutes(30);
    let transition = |minutes: i64, change: &str, by: Option<&str>| {
        serde_json::json!({
            "key": {"rule": "DiskSpaceLow", "labels": [["mount", "/var"]]},
            "change": change,
            "at": fired + chrono::Duration::minutes(minutes),
            "value": 93.5,
            "by": by,
            "note": ""
        })
    };
    let kept = serde_json::json!({
        "acks": [],
        "silences": [],
        "history": [
            transition(0, "firing", None),
            transition(5, "acknowledged", Some("alice")),
            transition(20, "resolved", None)
        ]
    });
    env.write(env.state_dir().join("alerts.json"), &kept.to_string());
    let restart = serde_json::json!({
        "id": "1", "time": fired + chrono::Duration::minutes(8), "user": "alice", "uid": 1000,
        "mode": "interactive", "action": "container restart",
        "target": "container api-1 on local", "outcome": "ok", "error": null
    });
    env.write(env.state_dir().join("audit.jsonl"), &format!("{restart}\n"));
    let run = env.run(["alerts", "timeline", "--since", "1h"]);
    run.assert_code(0);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("| DiskSpaceLow"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(row.ends_with("| 5m | 20m |"), "{row}");
    assert!(
        run.stdout
            .contains("| container restart (ok) | container api-1 on local | alice |"),
        "{}",
        run.stdout
    );
    let run = env.run(["alerts", "timeline", "--since", "10m"]);
    assert!(
        run.stdout.contains("No alert fired."),
        "resolved 10 minutes ago: {}",
        run.stdout
    );
}

#[test]
fn alerts_export_prints_the_kept_history_as_json_lines_since_a_time() {
    let env = TestEnv::new();
    let run = env.run(["alerts", "export"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "", "no history yet: nothing, and no error");
    let recent = chrono::Utc::now() - chrono::Duration::minutes(5);
    let old = chrono::Utc::now() - chrono::Duration::days(2);
    let transition = |at: chrono::DateTime<chrono::Utc>, change: &str| {
        serde_json::json!({
            "key": {"rule": "DiskSpaceLow", "labels": [["mount", "/var"]]},
            "change": change,
            "at": at,
            "value": 93.5
        })
    };
    let kept = serde_json::json!({
        "acks": [],
        "silences": [],
        "history": [transition(old, "firing"), transition(recent, "resolved")]
    });
    env.write(env.state_dir().join("alerts.json"), &kept.to_string());
    let run = env.run(["alerts", "export"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    let run = env.run(["alerts", "export", "--since", "24h"]);
    run.assert_code(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert_eq!(lines[0]["change"], "resolved");
    assert_eq!(lines[0]["key"]["rule"], "DiskSpaceLow");
    let run = env.run(["alerts", "export", "--since", "100000000y"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout.lines().count(),
        2,
        "longer than time: everything"
    );
}
