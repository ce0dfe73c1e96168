#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing
//! `watchdeck check` as a monitoring plugin and as an OpenMetrics exporter, run as the real binary
//! against the test services: each exit code, the plugin output read back by the guidelines'
//! grammar, the OpenMetrics output through Prometheus's own `promtool`, and a run that a hanging
//! source would hold forever, ended by `--timeout`.

mod support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;
use support::TestEnv;

fn http_url() -> Option<String> {
    support::services::service("WATCHDECK_TEST_HTTP_URL")
}

/// One endpoint at `path` of the test nginx, and optionally a rule of the user's.
fn config(env: &TestEnv, http: &str, path: &str, rule: &str) -> std::path::PathBuf {
    env.write(
        "ops.toml",
        &format!("[[endpoint]]\nname = \"api\"\nurl = \"{http}{path}\"\n{rule}"),
    )
}

fn check(env: &TestEnv, config: &std::path::Path, args: &[&str]) -> support::Run {
    let mut all = vec![
        "--config",
        config.to_str().unwrap(),
        "check",
        "--only",
        "endpoints",
    ];
    all.extend(args);
    env.run(all)
}

/// The guidelines' performance data: `'label'=value[UOM];[warn];[crit];[min];[max]`.
fn perfdata_item() -> Regex {
    Regex::new(
        r"^'(?:[^']|'')+'=-?[0-9]+(?:\.[0-9]+)?(?:%|s|ms|us|B|KB|MB|TB|c)?(?:;[0-9.:~@-]*){0,4}$",
    )
    .unwrap()
}

/// The first line, the lines before performance data, and the performance data items.
fn plugin_parts(stdout: &str) -> (String, Vec<String>, Vec<String>) {
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or_default().to_string();
    let (mut text, mut data, mut in_data) = (Vec::new(), Vec::new(), false);
    for line in lines {
        if let Some(rest) = line.strip_prefix("| ") {
            in_data = true;
            data.push(rest.to_string());
        } else if in_data {
            data.push(line.to_string());
        } else {
            text.push(line.to_string());
        }
    }
    (first, text, data)
}

#[test]
fn plugin_output_follows_the_guidelines_with_each_exit_code() {
    let Some(http) = http_url() else { return };
    let canary = "[[rule]]\nname = \"Canary\"\nexpr = \"endpoint_up == 1\"\nseverity = \"P3\"\n\
                  summary = \"endpoint {{ $labels.endpoint }} is up\"\n";
    let cases = [
        ("/health.json", "", 0, "OK"),
        ("/health.json", canary, 1, "WARNING"),
        ("/down", "", 2, "CRITICAL"),
    ];
    let item = perfdata_item();
    for (path, rule, code, word) in cases {
        let env = TestEnv::new();
        let config = config(&env, &http, path, rule);
        // Standard output is a pipe here: the plugin format is the default.
        let run = check(&env, &config, &[]);
        run.assert_code(code);
        let (first, text, data) = plugin_parts(&run.stdout);
        assert!(
            first.starts_with(&format!("WATCHDECK {word} - ")),
            "{path}: {}",
            run.stdout
        );
        assert!(!first.contains('|'), "{first}");
        if code == 0 {
            assert_eq!(first, "WATCHDECK OK - nothing firing, 1 of 1 sources up");
            assert!(text.is_empty(), "{}", run.stdout);
        } else {
            assert!(first.contains(" firing: "), "{first}");
            assert!(
                !text.is_empty(),
                "one line per firing alert: {}",
                run.stdout
            );
        }
        for entry in &data {
            assert!(item.is_match(entry), "not guidelines perfdata: {entry:?}");
        }
        let labels: Vec<&str> = data.iter().filter_map(|d| d.split('=').next()).collect();
        assert!(labels.contains(&"'source endpoints'"), "{labels:?}");
        assert!(
            labels.contains(&"'endpoint api availability'"),
            "{labels:?}"
        );
        if code == 2 {
            // The rules' thresholds ride along: EndpointDown is critical below 1, by its source.
            assert!(
                data.contains(&"'endpoint api availability'=0%;;;0;100".to_string()),
                "{data:?}"
            );
            assert!(first.contains("EndpointDown api"), "{first}");
        } else {
            assert!(
                data.iter()
                    .any(|d| d.starts_with("'endpoint api p90'=") && d.ends_with("s;2;5;0")),
                "the latency with HighAPILatency's 2 s and the critical rule's 5 s: {data:?}"
            );
        }
    }
}

#[test]
fn openmetrics_output_passes_promtool_and_carries_the_judgement() {
    let Some(http) = http_url() else { return };
    let env = TestEnv::new();
    let config = config(&env, &http, "/down", "");
    let out = env.home().join("textfile/watchdeck.prom");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let run = check(
        &env,
        &config,
        &["--format", "openmetrics", "--out", out.to_str().unwrap()],
    );
    run.assert_code(2);
    assert!(
        run.stdout.is_empty(),
        "--out writes the file alone: {}",
        run.stdout
    );
    let text = std::fs::read_to_string(&out).expect("the .prom file");
    // The maintained parser: Prometheus's own linter and parser of the text format.
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool, from Debian's prometheus package (scripts/services-up.sh)");
    use std::io::Write;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    // OpenMetrics' own rules that the older text format does not check.
    assert_eq!(text.lines().last(), Some("# EOF"), "{text}");
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(typed.insert(name.to_string()), "{name} typed twice");
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(typed.contains(name), "{name} has samples before its # TYPE");
        }
    }
    assert!(
        text.contains("endpoint_up{endpoint=\"api\",group=\"\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "watchdeck_alert{rule=\"EndpointDown\",priority=\"P1\",severity=\"critical\",\
             endpoint=\"api\",group=\"\"} 1\n"
        ),
        "{text}"
    );
}

#[test]
fn a_run_held_by_a_source_that_never_answers_ends_at_the_timeout() {
    if support::services::service("WATCHDECK_TEST_PG_URL").is_none() {
        return;
    }
    // A port that takes the connection and never says a word: PostgreSQL's greeting never comes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let env = TestEnv::new();
    let config = env.write(
        "ops.toml",
        &format!(
            "[[database]]\nname = \"hung\"\nkind = \"postgres\"\n\
             url = \"postgres://watchdeck@127.0.0.1:{port}/app\"\n\
             interval = \"60s\"\ntimeout = \"60s\"\n"
        ),
    );
    let started = Instant::now();
    let run = env.run([
        "--config",
        config.to_str().unwrap(),
        "check",
        "--only",
        "databases",
        "--timeout",
        "1s",
        "--format",
        "plugin",
    ]);
    let took = started.elapsed();
    run.assert_code(3);
    assert_eq!(
        run.stdout, "WATCHDECK UNKNOWN - timed out after 1s\n",
        "{}",
        run.stderr
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    drop(silent);
}

#[test]
fn only_runs_the_sources_of_the_tabs_named() {
    let Some(http) = http_url() else { return };
    let env = TestEnv::new();
    let config = config(&env, &http, "/health.json", "");
    let run = check(&env, &config, &["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = value["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["endpoints"], "no host sample, no engine: {value:#}");
}
