//! The Endpoints tab's reducer and its figures, with a fixed clock: the window's percentiles,
//! availability and error rate, state changes, the findings after the manual's alert table, the
//! series it publishes, and the list's keys. Message in, state and effects out.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::time::Duration;

use chrono::{DateTime, Utc};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::config::Config;
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::metrics::SeriesKey;
use watchdeck::model::endpoints::{CertInfo, ProbeBatch, ProbeFailure, ProbeResult};
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::state::endpoints::{EndpointStatus, PollSample, ProbeWindow, percentile};
use watchdeck::tab::Tab;

fn at(seconds: i64) -> DateTime<Utc> {
    now() + chrono::Duration::seconds(seconds)
}

fn config(extra: &str) -> Config {
    Config::parse(
        "c.toml",
        &format!("[[endpoint]]\nname = \"api\"\nurl = \"http://api\"\ngroup = \"shop\"\n{extra}"),
    )
    .unwrap()
}

fn state(extra: &str) -> AppState {
    let mut state = AppState::new(&config(extra), &[], Mode::Interactive, "h".into(), now());
    state.tab = Tab::Endpoints;
    state
}

fn poll(seconds: i64, latency_ms: u64, failure: Option<ProbeFailure>) -> ProbeResult {
    ProbeResult {
        endpoint: "api".into(),
        started: at(seconds),
        lag: Duration::ZERO,
        latency: Duration::from_millis(latency_ms),
        status: Some(if failure.is_some() { 503 } else { 200 }),
        failure,
        headers: Vec::new(),
        body_head: String::new(),
        cert: None,
        kept_connection: false,
    }
}

fn report(state: &mut AppState, seconds: i64, results: Vec<ProbeResult>) {
    watchdeck::update::update(
        state,
        Msg::Source(SourceUpdate::Endpoints(SourceReport {
            at: at(seconds),
            result: Ok(ProbeBatch { results }),
        })),
        at(seconds),
    );
}

fn findings(state: &AppState) -> Vec<(Severity, String)> {
    state
        .findings
        .iter()
        .filter(|f| f.tab == Tab::Endpoints)
        .map(|f| (f.severity, f.message.clone()))
        .collect()
}

#[test]
fn nearest_rank_percentiles() {
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(percentile(&values, 0.5), Some(50.0));
    assert_eq!(percentile(&values, 0.9), Some(90.0));
    assert_eq!(percentile(&values, 0.99), Some(99.0));
    assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
    assert_eq!(percentile(&[], 0.5), None);
}

#[test]
fn the_window_forgets_old_polls_and_weighs_availability_by_time() {
    let mut window = ProbeWindow::new(Duration::from_secs(60), Duration::from_secs(10));
    let sample = |seconds: i64, up: bool| PollSample::new(at(seconds), 0.1, up);
    for seconds in (0..60).step_by(10) {
        window.push(sample(seconds, seconds != 30));
    }
    let stats = window.stats();
    assert_eq!(stats.polls, 6);
    assert_eq!(stats.error_rate_percent.map(|p| p.round()), Some(17.0));
    // Three quick polls of a down endpoint (poll now) weigh the time until the next poll (0.3s
    // each, the last one an interval), not three polls' worth: 40.3s up of 60.9s, where counting
    // polls would say 5 of 9.
    for offset in 1..=3 {
        window.push(PollSample::new(
            at(50) + chrono::Duration::milliseconds(offset * 300),
            0.0,
            false,
        ));
    }
    let stats = window.stats();
    assert_eq!(stats.polls, 9);
    let availability = stats.availability_percent.unwrap();
    assert!(
        (availability - 40.3 / 60.9 * 100.0).abs() < 1e-9,
        "{availability}"
    );
    assert_eq!(stats.error_rate_percent, Some(4.0 / 9.0 * 100.0));
    // A minute later only the polls of the last minute count.
    window.push(sample(105, true));
    assert_eq!(window.polls().front().map(|p| p.at()), Some(at(50)));
    assert_eq!(window.stats().polls, 5);
}

/// The window's figures, kept up as polls come and go, are those of the polls it holds, worked
/// out from them afresh: through quick re-polls, gaps longer than an interval, failures and polls
/// leaving the window.
#[test]
fn the_window_figures_kept_as_polls_come_and_go_are_those_of_its_polls() {
    let interval = Duration::from_secs(10);
    let mut window = ProbeWindow::new(Duration::from_secs(600), interval);
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut at_ms = 0i64;
    for _ in 0..2000 {
        at_ms += match next() % 10 {
            0 => 300,
            1 => 35_000,
            _ => 10_000,
        };
        let latency = (next() % 2000) as f64 / 1000.0;
        let up = next() % 10 != 0;
        window.push(PollSample::new(
            now() + chrono::Duration::milliseconds(at_ms),
            latency,
            up,
        ));
        let polls = window.polls();
        let mut latencies: Vec<f64> = polls
            .iter()
            .filter(|p| p.up)
            .map(|p| f64::from(p.latency_seconds))
            .collect();
        latencies.sort_by(f64::total_cmp);
        let (mut up_time, mut total_time) = (0.0, 0.0);
        for (index, poll) in polls.iter().enumerate() {
            let stands = polls.get(index + 1).map_or(interval.as_secs_f64(), |next| {
                ((next.at() - poll.at()).num_milliseconds() as f64 / 1000.0)
                    .clamp(0.0, interval.as_secs_f64())
            });
            total_time += stands;
            if poll.up {
                up_time += stands;
            }
        }
        let failed = polls.iter().filter(|p| !p.up).count();
        let stats = window.stats();
        assert_eq!(stats.polls, polls.len());
        assert_eq!(stats.p50, percentile(&latencies, 0.5));
        assert_eq!(stats.p90, percentile(&latencies, 0.9));
        assert_eq!(stats.p99, percentile(&latencies, 0.99));
        assert_eq!(
            stats.error_rate_percent,
            Some(failed as f64 / polls.len() as f64 * 100.0)
        );
        let availability = stats.availability_percent.unwrap();
        assert!(
            (availability - up_time / total_time * 100.0).abs() < 1e-9,
            "{availability} against {}",
            up_time / total_time * 100.0
        );
    }
}

#[test]
fn the_window_is_bounded_whatever_the_interval() {
    let mut window = ProbeWindow::new(Duration::from_secs(3600), Duration::from_millis(100));
    for index in 0..10_000 {
        window.push(PollSample::new(
            now() + chrono::Duration::milliseconds(index * 100),
            0.01,
            true,
        ));
    }
    assert_eq!(
        window.polls().len(),
        watchdeck::state::endpoints::MAX_WINDOW_POLLS
    );
}

#[test]
fn an_hour_of_polls_every_ten_seconds_fits_in_the_room_made_for_it() {
    let mut window = ProbeWindow::new(Duration::from_secs(3600), Duration::from_secs(10));
    let room = window.polls().capacity();
    for index in 0..1000 {
        window.push(PollSample::new(
            now() + chrono::Duration::seconds(index * 10),
            0.01,
            true,
        ));
    }
    assert_eq!(window.polls().len(), 361);
    assert_eq!(window.polls().capacity(), room, "the window grew");
    let bytes = room * std::mem::size_of::<PollSample>();
    assert!(bytes < 6 * 1024, "{bytes} bytes for an hour");
}

#[test]
fn states_failures_in_a_row_and_changes() {
    let mut state = state("slow_after = \"1s\"");
    report(&mut state, 0, vec![poll(0, 50, None)]);
    report(&mut state, 10, vec![poll(10, 1500, None)]);
    let entry = state.endpoints.entry("api").unwrap();
    assert_eq!(entry.status, EndpointStatus::Degraded);
    report(
        &mut state,
        20,
        vec![poll(20, 5, Some(ProbeFailure::Refused))],
    );
    report(
        &mut state,
        30,
        vec![poll(30, 5, Some(ProbeFailure::Refused))],
    );
    let entry = state.endpoints.entry("api").unwrap();
    assert_eq!(entry.status.label(), "down: refused");
    assert_eq!(entry.consecutive_failures, 2);
    assert_eq!(entry.down_since, Some(at(20)));
    let changes: Vec<&str> = entry.changes.iter().map(|c| c.to.as_str()).collect();
    assert_eq!(changes, ["down: refused", "slow", "up"]);
    report(&mut state, 40, vec![poll(40, 50, None)]);
    let entry = state.endpoints.entry("api").unwrap();
    assert_eq!((entry.consecutive_failures, entry.down_since), (0, None));
    assert_eq!(entry.stats.error_rate_percent, Some(40.0));
}

#[test]
fn a_failing_endpoint_warns_at_once_and_is_critical_after_a_minute() {
    let mut state = state("");
    report(
        &mut state,
        0,
        vec![poll(0, 5, Some(ProbeFailure::Status(503)))],
    );
    // Every poll so far failed: over the 1 % error rate at once (P2); down only after a minute.
    assert_eq!(
        findings(&state),
        [(
            Severity::Warning,
            "P2 ElevatedErrorRate: endpoint api: 100% of polls fail".to_string()
        )]
    );
    for seconds in (10..=60).step_by(10) {
        report(
            &mut state,
            seconds,
            vec![poll(seconds, 5, Some(ProbeFailure::Status(503)))],
        );
    }
    assert_eq!(findings(&state)[0].0, Severity::Critical);
    assert!(
        findings(&state)
            .iter()
            .any(|(_, m)| m == "P1 EndpointDown: endpoint api is down"),
        "{:?}",
        findings(&state)
    );
    assert_eq!(state.tab_severity(Tab::Endpoints), Severity::Critical);
}

#[test]
fn latency_and_error_rate_follow_the_manual_thresholds() {
    let latency = |state: &AppState| {
        findings(state)
            .into_iter()
            .find(|(_, m)| m.contains("p90 latency"))
            .map(|(severity, _)| severity)
    };
    // p90 over 2 s is a warning once it has lasted 2 minutes (HighAPILatency, P2).
    let mut state = state("slow_after = \"10s\"");
    for index in 0..12 {
        report(&mut state, index * 10, vec![poll(index * 10, 2500, None)]);
    }
    assert_eq!(latency(&state), None, "110 s is not yet 2 minutes");
    report(&mut state, 120, vec![poll(120, 2500, None)]);
    assert_eq!(
        findings(&state),
        [(
            Severity::Warning,
            "P2 HighAPILatency: endpoint api: p90 latency 2.50s".to_string()
        )]
    );
    // Over 5 s it is critical at once (P1).
    let mut state = self::state("slow_after = \"10s\"");
    report(&mut state, 0, vec![poll(0, 6000, None)]);
    assert_eq!(latency(&state), Some(Severity::Critical));

    // One failure in fifty polls is 2 %: a warning at once, once the endpoint is back up
    // (HighErrorRate, P2).
    let mut state = self::state("");
    for index in 0..50 {
        let failure = (index == 10).then_some(ProbeFailure::TimedOut);
        report(&mut state, index * 10, vec![poll(index * 10, 20, failure)]);
    }
    assert_eq!(
        findings(&state),
        [(
            Severity::Warning,
            "P2 ElevatedErrorRate: endpoint api: 2% of polls fail".to_string()
        )]
    );
    // Three more failures make it 7.5 %; it is over 5 % from the second of them (at 510 s), and
    // critical once that has lasted a minute (P1).
    for index in 50..53 {
        report(
            &mut state,
            index * 10,
            vec![poll(index * 10, 20, Some(ProbeFailure::TimedOut))],
        );
    }
    for index in 53..57 {
        report(&mut state, index * 10, vec![poll(index * 10, 20, None)]);
        assert_eq!(findings(&state)[0].0, Severity::Warning, "at {index}");
    }
    report(&mut state, 570, vec![poll(570, 20, None)]);
    assert_eq!(
        findings(&state)[0].0,
        Severity::Critical,
        "{:?}",
        findings(&state)
    );
}

#[test]
fn certificates_warn_under_14_days_and_are_critical_under_3() {
    for (days, expected) in [
        (30, None),
        (10, Some(Severity::Warning)),
        (2, Some(Severity::Critical)),
        (-1, Some(Severity::Critical)),
    ] {
        let mut state = state("");
        let mut result = poll(0, 20, None);
        result.cert = Some(CertInfo {
            subject: "CN=api".into(),
            issuer: "CN=CA".into(),
            not_after: at(0) + chrono::Duration::days(days) + chrono::Duration::hours(1),
        });
        report(&mut state, 0, vec![result]);
        let found = findings(&state)
            .into_iter()
            .find(|(_, m)| m.contains("certificate"));
        assert_eq!(found.as_ref().map(|f| f.0), expected, "{days}: {found:?}");
        if days < 0 {
            assert!(
                found.is_some_and(|f| f.1.contains("certificate expires in -")),
                "an expired certificate has negative days left"
            );
        }
    }
}

#[test]
fn the_series_it_publishes() {
    let mut state = state("");
    let mut result = poll(0, 250, None);
    result.cert = Some(CertInfo {
        subject: "CN=api".into(),
        issuer: "CN=CA".into(),
        not_after: at(0) + chrono::Duration::days(20),
    });
    report(&mut state, 0, vec![result]);
    report(
        &mut state,
        10,
        vec![poll(10, 5, Some(ProbeFailure::Refused))],
    );
    let latest = |name: &str, extra: &[(&str, &str)]| {
        let key = extra.iter().fold(
            SeriesKey::new(name)
                .with_label("endpoint", "api")
                .with_label("group", "shop"),
            |key, (k, v)| key.with_label(k, v),
        );
        state.metrics.latest(&key)
    };
    assert_eq!(latest("endpoint_up", &[]), Some(0.0));
    assert_eq!(latest("endpoint_consecutive_failures", &[]), Some(1.0));
    assert_eq!(latest("endpoint_error_rate_percent", &[]), Some(50.0));
    assert_eq!(latest("endpoint_availability_percent", &[]), Some(50.0));
    assert_eq!(
        latest("endpoint_latency_seconds", &[("quantile", "0.9")]),
        Some(0.25)
    );
    assert_eq!(
        latest("endpoint_latency_seconds", &[("quantile", "last")]),
        Some(0.005)
    );
    assert_eq!(latest("endpoint_cert_days_left", &[]), Some(19.0));
}

#[test]
fn poll_now_asks_the_prober_and_says_so() {
    let mut state = state("");
    let effects = watchdeck::update::update(&mut state, Msg::Action(Action::PollNow), now());
    assert_eq!(
        effects,
        [Effect::PollEndpoint {
            endpoint: "api".into()
        }]
    );
    assert!(state.toasts.iter().any(|t| t.text == "polling api now"));
}

#[test]
fn sort_filter_group_and_detail() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    let rows = |state: &AppState| state.endpoints.list.rows.clone();
    assert_eq!(
        rows(&state),
        [
            "payments-legacy",
            "api",
            "checkout",
            "search",
            "metrics",
            "postgres"
        ]
    );
    watchdeck::update::update(&mut state, Msg::Action(Action::ToggleGroups), now());
    assert_eq!(
        rows(&state),
        [
            "api",
            "checkout",
            "metrics",
            "payments-legacy",
            "postgres",
            "search"
        ]
    );
    // State, then p90: slowest first.
    watchdeck::update::update(&mut state, Msg::Action(Action::SortNextColumn), now());
    assert_eq!(&rows(&state)[..2], ["checkout", "postgres"]);
    watchdeck::update::update(&mut state, Msg::Action(Action::SortNextColumn), now());
    assert_eq!(rows(&state)[0], "search");
    watchdeck::update::update(&mut state, Msg::Action(Action::Filter), now());
    for c in "shop".chars() {
        watchdeck::update::update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    watchdeck::update::update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert_eq!(rows(&state).len(), 3);
    watchdeck::update::update(&mut state, Msg::Action(Action::ToggleDetail), now());
    assert!(state.endpoints.show_detail);
    watchdeck::update::update(&mut state, Msg::Action(Action::Cancel), now());
    assert!(!state.endpoints.show_detail);
}

fn polled(name: &str, seconds: i64, failure: Option<ProbeFailure>) -> ProbeResult {
    ProbeResult {
        endpoint: name.into(),
        ..poll(seconds, 5, failure)
    }
}

/// A batch leaves the list as it is unless a poll moved an endpoint in it: the rows must still
/// follow a poll that changes the sorted figure or what a filter on the state matches.
#[test]
fn the_list_follows_polls_that_move_an_endpoint_in_it() {
    let config = Config::parse(
        "c.toml",
        "[[endpoint]]\nname = \"a\"\nurl = \"http://a\"\n[[endpoint]]\nname = \"b\"\nurl = \"http://b\"\n",
    )
    .unwrap();
    let mut state = AppState::new(&config, &[], Mode::Interactive, "h".into(), now());
    state.tab = Tab::Endpoints;
    let rows = |state: &AppState| state.endpoints.list.rows.clone();
    report(
        &mut state,
        0,
        vec![polled("a", 0, None), polled("b", 0, None)],
    );
    assert_eq!(rows(&state), ["a", "b"]);
    // By state, worst first: b going down puts it on top, and back up puts it back.
    watchdeck::update::update(&mut state, Msg::Action(Action::SortNextColumn), now());
    report(
        &mut state,
        10,
        vec![polled("b", 10, Some(ProbeFailure::Refused))],
    );
    assert_eq!(rows(&state), ["b", "a"]);
    report(&mut state, 20, vec![polled("b", 20, None)]);
    assert_eq!(rows(&state), ["a", "b"]);
    // Filtered on the state's words: an endpoint shows once it is down.
    watchdeck::update::update(&mut state, Msg::Action(Action::Filter), now());
    for c in "refused".chars() {
        watchdeck::update::update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    watchdeck::update::update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert!(rows(&state).is_empty());
    report(
        &mut state,
        30,
        vec![polled("a", 30, Some(ProbeFailure::Refused))],
    );
    assert_eq!(rows(&state), ["a"]);
}
