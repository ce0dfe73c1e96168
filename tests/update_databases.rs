//! The Databases tab's reducer with a fixed clock: reports applied (and kept, marked, when the
//! database stops answering), the series published, session actions asked, confirmed or refused,
//! and terminate-idle's choice. Message in, state and effects out.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::{DateTime, Utc};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::command::{DatabaseAction, DatabaseCommand, OperatorCommand};
use watchdeck::config::Config;
use watchdeck::effect::Effect;
use watchdeck::fixtures::now;
use watchdeck::metrics::SeriesKey;
use watchdeck::model::databases::{
    DatabaseDetail, DatabaseSnapshot, MysqlDetail, MysqlProcess, MysqlReplica, PostgresDetail,
    Session, SessionState, SizeRow, Sizes,
};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Overlay, ToastKind};
use watchdeck::tab::Tab;
use watchdeck::update::update;

const CONFIG: &str = r#"
[[database]]
name = "orders"
kind = "mysql"
url = "mysql://watchdeck@orders:3306/shop"

[[database]]
name = "main"
kind = "postgres"
url = "postgres://watchdeck@db:5432/app"

[[database]]
name = "reports"
kind = "postgres"
url = "postgres://watchdeck@reports:5432/reports"
idle_minutes = 30
"#;

/// The console's own monitoring connection in the MySQL fixture.
const MONITOR: u64 = 900;
/// The console's own session in the PostgreSQL fixture.
const OWN_PID: i32 = 4000;

fn at(seconds: i64) -> DateTime<Utc> {
    now() + chrono::Duration::seconds(seconds)
}

fn state(mode: Mode) -> AppState {
    let config = Config::parse("c.toml", CONFIG).unwrap();
    let mut state = AppState::new(&config, &[], mode, "ops-1".into(), now());
    state.tab = Tab::Databases;
    state
}

fn process(id: u64, command: &str, seconds: u64) -> MysqlProcess {
    MysqlProcess {
        id,
        user: "shop".into(),
        host: format!("10.0.0.7:{}", 40000 + id),
        database: "shop".into(),
        command: command.into(),
        seconds,
        state: String::new(),
        info: if command == "Query" {
            "SELECT SLEEP(60)".into()
        } else {
            String::new()
        },
    }
}

fn mysql(processes: Vec<MysqlProcess>) -> DatabaseSnapshot {
    DatabaseSnapshot {
        version: "10.11.19".into(),
        uptime_seconds: 600,
        connections: processes.len() as u64 + 1,
        max_connections: 151,
        detail: DatabaseDetail::Mysql(MysqlDetail {
            flavor: "MariaDB".into(),
            own_id: MONITOR,
            processes,
            ..MysqlDetail::default()
        }),
    }
}

fn session(pid: i32, state: SessionState, seconds: f64) -> Session {
    Session {
        pid,
        user: "api".into(),
        database: "app".into(),
        application: "api".into(),
        client: "10.0.0.7".into(),
        state,
        wait_event: None,
        query: "select 1".into(),
        query_seconds: seconds,
        state_seconds: seconds,
        blocked_by: Vec::new(),
    }
}

fn postgres(sessions: Vec<Session>, sizes: Option<Sizes>) -> DatabaseSnapshot {
    DatabaseSnapshot {
        version: "16.2".into(),
        uptime_seconds: 600,
        connections: sessions.len() as u64 + 1,
        max_connections: 100,
        detail: DatabaseDetail::Postgres(PostgresDetail {
            own_pid: OWN_PID,
            sessions,
            sizes,
            ..PostgresDetail::default()
        }),
    }
}

fn report_at(
    state: &mut AppState,
    database: &str,
    seconds: i64,
    result: Result<DatabaseSnapshot, SourceFailure>,
) {
    update(
        state,
        Msg::Source(SourceUpdate::Database {
            database: database.into(),
            report: SourceReport {
                at: at(seconds),
                result,
            },
        }),
        at(seconds),
    );
}

fn report(state: &mut AppState, database: &str, snapshot: DatabaseSnapshot) {
    report_at(state, database, 0, Ok(snapshot));
}

fn series(state: &AppState, name: &str, database: &str, kind: &str) -> Option<f64> {
    state.metrics.latest(
        &SeriesKey::new(name)
            .with_label("database", database)
            .with_label("kind", kind),
    )
}

fn select(state: &mut AppState, database: &str) {
    while state.databases.selected_database().unwrap().name != database {
        act(state, Action::NextDatabase);
    }
}

fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action), now())
}

fn last_toast(state: &AppState) -> (ToastKind, String) {
    let toast = state.toasts.last().expect("a toast");
    (toast.kind, toast.text.clone())
}

fn database_action(effects: &[Effect]) -> Option<&DatabaseAction> {
    match effects {
        [Effect::Execute(OperatorCommand::Database(DatabaseCommand { action, .. }))] => {
            Some(action)
        }
        _ => None,
    }
}

fn running_and_idle() -> AppState {
    let mut state = state(Mode::Interactive);
    report(
        &mut state,
        "orders",
        mysql(vec![process(11, "Sleep", 900), process(12, "Query", 40)]),
    );
    state
}

#[test]
fn mysql_kill_query_and_kill_connection_are_confirmed_then_executed() {
    // Running statements first, longest first: the sleeping query is selected first.
    for (action, title, wanted) in [
        (
            Action::CancelQuery,
            "Kill query 12",
            DatabaseAction::KillQuery {
                id: 12,
                monitor: MONITOR,
            },
        ),
        (
            Action::TerminateSession,
            "Kill connection 12",
            DatabaseAction::KillConnection {
                id: 12,
                monitor: MONITOR,
            },
        ),
    ] {
        let mut state = running_and_idle();
        assert!(
            act(&mut state, action).is_empty(),
            "nothing runs unconfirmed"
        );
        let Overlay::Confirm(dialog) = &state.overlay else {
            panic!("no confirmation for {action:?}")
        };
        assert_eq!(dialog.title, title);
        assert!(dialog.lines.iter().any(|l| l.contains("SELECT SLEEP(60)")));
        let effects = act(&mut state, Action::Confirm);
        assert_eq!(database_action(&effects), Some(&wanted), "{effects:?}");
        // One command at a time on a connection.
        assert!(act(&mut state, Action::TerminateSession).is_empty());
        assert_eq!(state.overlay, Overlay::None);
        let (kind, text) = last_toast(&state);
        assert_eq!(kind, ToastKind::Error);
        assert!(text.contains("in flight"), "{text}");
    }
    let mut state = running_and_idle();
    act(&mut state, Action::SelectNext);
    act(&mut state, Action::TerminateSession);
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(dialog.title, "Kill connection 11");
}

#[test]
fn mysql_actions_are_refused_in_read_only_and_watch_and_recorded() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = state(mode);
        report(&mut state, "orders", mysql(vec![process(12, "Query", 40)]));
        let effects = act(&mut state, Action::CancelQuery);
        let [Effect::RecordRefusal { command, reason }] = &effects[..] else {
            panic!("{mode:?}: {effects:?}")
        };
        assert_eq!(Some(reason.as_str()), mode.refusal());
        assert_eq!(
            command.target(),
            "connection 12 on orders (mysql://watchdeck@orders:3306/shop)"
        );
        assert_eq!(state.overlay, Overlay::None);
        assert_eq!(last_toast(&state).0, ToastKind::Error);
    }
}

#[test]
fn the_consoles_own_mysql_connection_is_refused_with_a_reason() {
    // The source leaves its own connection out; a list that has it anyway is still refused.
    let mut state = state(Mode::Interactive);
    report(
        &mut state,
        "orders",
        mysql(vec![process(MONITOR, "Sleep", 5)]),
    );
    let effects = act(&mut state, Action::TerminateSession);
    let [Effect::RecordRefusal { reason, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert!(reason.contains("own monitoring connection"), "{reason}");
    assert_eq!(state.overlay, Overlay::None);
    let (kind, text) = last_toast(&state);
    assert_eq!(kind, ToastKind::Error);
    assert!(
        text.contains("connection 900") && text.contains("own monitoring connection"),
        "{text}"
    );
}

#[test]
fn terminate_idle_is_for_postgres_and_says_so_on_mysql() {
    let mut state = state(Mode::Interactive);
    report(
        &mut state,
        "orders",
        mysql(vec![process(11, "Sleep", 3600)]),
    );
    assert!(act(&mut state, Action::TerminateIdle).is_empty());
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(
        last_toast(&state),
        (
            ToastKind::Info,
            "orders is mysql: terminate-idle is for PostgreSQL".into()
        )
    );
}

#[test]
fn a_report_is_applied_and_published() {
    let mut state = state(Mode::Interactive);
    let mut snapshot = mysql(vec![process(11, "Query", 40), process(12, "Sleep", 5)]);
    snapshot.connections = 120;
    if let DatabaseDetail::Mysql(detail) = &mut snapshot.detail {
        detail.buffer_pool_hit_percent = Some(99.5);
        detail.slow_queries_per_minute = Some(3.0);
        detail.replica = Some(MysqlReplica {
            lag_seconds: Some(7.0),
            ..MysqlReplica::default()
        });
    }
    report(&mut state, "orders", snapshot.clone());
    let orders = &state.databases.databases[0];
    assert_eq!(orders.latest.as_ref(), Some(&snapshot));
    for (name, value) in [
        ("db_up", Some(1.0)),
        ("db_connections_percent", Some(120.0 * 100.0 / 151.0)),
        // 40 s past the default slow limit of 1 s; the idle connection is no query.
        ("db_long_queries", Some(1.0)),
        ("db_cache_hit_percent", Some(99.5)),
        ("db_slow_queries_per_minute", Some(3.0)),
        ("db_replication_lag_seconds", Some(7.0)),
        ("db_blocked_sessions", None),
        ("db_deadlocks_per_minute", None),
    ] {
        assert_eq!(series(&state, name, "orders", "mysql"), value, "{name}");
    }
    // The shipped rules judge MySQL too: ReplicationLag (> 5 s) fires at once.
    assert!(
        state.findings.iter().any(|f| f.source == "db:orders"
            && f.message == "P2 ReplicationLag: orders: replication lag 7s"),
        "{:?}",
        state.findings
    );

    // The sizes of a poll that read them are kept through the polls that do not.
    let sizes = Sizes {
        databases: vec![SizeRow {
            name: "app".into(),
            bytes: 1e9,
        }],
        tables: Vec::new(),
    };
    report(
        &mut state,
        "main",
        postgres(Vec::new(), Some(sizes.clone())),
    );
    report_at(&mut state, "main", 5, Ok(postgres(Vec::new(), None)));
    let main = &state.databases.databases[1];
    assert_eq!(main.sizes.as_ref(), Some(&sizes));
    assert_eq!(series(&state, "db_up", "main", "postgres"), Some(1.0));
}

#[test]
fn a_database_that_stops_answering_keeps_its_last_values_marked() {
    let mut state = state(Mode::Interactive);
    report(&mut state, "orders", mysql(vec![process(11, "Query", 40)]));
    let last = state.databases.databases[0].latest.clone();
    let cases: [(&str, i64, Option<&str>); 3] = [
        // Polled every 5 s (the default interval): fresh until three intervals have passed.
        ("between polls", 4, None),
        ("three intervals missed", 16, None),
        (
            "the poll fails",
            20,
            Some("orders:3306: connection refused"),
        ),
    ];
    for (case, seconds, error) in cases {
        match error {
            None => {
                update(&mut state, Msg::Tick, at(seconds));
            }
            Some(error) => report_at(
                &mut state,
                "orders",
                seconds,
                Err(SourceFailure {
                    error: error.into(),
                    retry_at: at(seconds + 5),
                }),
            ),
        }
        let status = &state.source("db:orders").unwrap().status;
        match (case, status) {
            ("between polls", SourceStatus::Ok { at: ok }) => assert_eq!(*ok, at(0)),
            ("three intervals missed", SourceStatus::Stale { last_ok }) => {
                assert_eq!(*last_ok, at(0))
            }
            ("the poll fails", SourceStatus::Down { error, last_ok, .. }) => {
                assert_eq!(error, "orders:3306: connection refused");
                assert_eq!(*last_ok, Some(at(0)));
                assert_eq!(series(&state, "db_up", "orders", "mysql"), Some(0.0));
            }
            _ => panic!("{case}: {status:?}"),
        }
        assert_eq!(state.databases.databases[0].latest, last, "{case}");
    }
}

#[test]
fn postgres_actions_are_refused_in_read_only_and_watch_and_against_its_own_session() {
    let cases = [
        (Mode::ReadOnly, 4101, Action::CancelQuery, "--read-only"),
        (Mode::Watch, 4101, Action::TerminateSession, "--watch"),
        (Mode::Watch, 4101, Action::TerminateIdle, "--watch"),
        (
            Mode::Interactive,
            OWN_PID,
            Action::TerminateSession,
            "own monitoring connection",
        ),
        (
            Mode::Interactive,
            OWN_PID,
            Action::CancelQuery,
            "own monitoring connection",
        ),
    ];
    for (mode, pid, action, reason) in cases {
        let mut state = state(mode);
        report(
            &mut state,
            "main",
            postgres(vec![session(pid, SessionState::Idle, 3600.0)], None),
        );
        select(&mut state, "main");
        let effects = act(&mut state, action);
        let [Effect::RecordRefusal { reason: given, .. }] = &effects[..] else {
            panic!("{mode:?} {action:?}: {effects:?}")
        };
        assert!(given.contains(reason), "{given}");
        assert_eq!(state.overlay, Overlay::None);
        let (kind, text) = last_toast(&state);
        assert_eq!(kind, ToastKind::Error);
        assert!(text.starts_with("refused: "), "{text}");
    }
}

#[test]
fn terminate_idle_chooses_exactly_the_sessions_idle_past_the_limit() {
    let limit = 10.0 * 60.0;
    let sessions = vec![
        session(1, SessionState::Idle, limit + 1.0),
        session(2, SessionState::IdleInTransaction, limit),
        session(3, SessionState::Idle, limit - 1.0),
        session(4, SessionState::Active, limit * 3.0),
        session(5, SessionState::Waiting, limit * 3.0),
        session(6, SessionState::Other, limit * 3.0),
        session(7, SessionState::IdleInTransaction, limit * 6.0),
        session(8, SessionState::Idle, 0.0),
    ];
    let mut busy = state(Mode::Interactive);
    report(&mut busy, "main", postgres(sessions, None));
    select(&mut busy, "main");
    assert!(act(&mut busy, Action::TerminateIdle).is_empty());
    let Overlay::Confirm(dialog) = &busy.overlay else {
        panic!("no confirmation: {:?}", busy.toasts)
    };
    assert_eq!(
        dialog.lines[0],
        "Terminate 3 sessions idle for 10 minutes or more on main?"
    );
    let effects = act(&mut busy, Action::Confirm);
    let Some(DatabaseAction::TerminateIdle { minutes, pids }) = database_action(&effects) else {
        panic!("{effects:?}")
    };
    assert_eq!(*minutes, 10);
    let mut pids = pids.clone();
    pids.sort_unstable();
    assert_eq!(pids, vec![1, 2, 7]);

    // Nobody idle long enough: nothing to ask.
    let mut quiet = state(Mode::Interactive);
    report(
        &mut quiet,
        "main",
        postgres(vec![session(3, SessionState::Idle, limit - 1.0)], None),
    );
    select(&mut quiet, "main");
    assert!(act(&mut quiet, Action::TerminateIdle).is_empty());
    assert_eq!(quiet.overlay, Overlay::None);
    assert_eq!(
        last_toast(&quiet).1,
        "no session on main has been idle for 10 minutes"
    );
}

#[test]
fn terminate_idle_uses_the_idle_minutes_of_the_selected_database() {
    let sessions = || {
        vec![
            session(1, SessionState::Idle, 11.0 * 60.0),
            session(2, SessionState::Idle, 31.0 * 60.0),
        ]
    };
    for (database, question, wanted) in [
        (
            "main",
            "Terminate 2 sessions idle for 10 minutes or more on main?",
            vec![1, 2],
        ),
        (
            "reports",
            "Terminate 1 session idle for 30 minutes or more on reports?",
            vec![2],
        ),
    ] {
        let mut state = state(Mode::Interactive);
        report(&mut state, database, postgres(sessions(), None));
        select(&mut state, database);
        act(&mut state, Action::TerminateIdle);
        let Overlay::Confirm(dialog) = &state.overlay else {
            panic!("{database}: {:?}", state.toasts)
        };
        assert_eq!(dialog.lines[0], question);
        let effects = act(&mut state, Action::Confirm);
        let Some(DatabaseAction::TerminateIdle { pids, .. }) = database_action(&effects) else {
            panic!("{effects:?}")
        };
        let mut pids = pids.clone();
        pids.sort_unstable();
        assert_eq!(pids, wanted, "{database}");
    }
}

#[test]
fn a_session_that_ends_leaves_the_selection_on_its_neighbour() {
    let mut state = state(Mode::Interactive);
    select(&mut state, "main");
    let sessions = |pids: &[i32]| {
        let sessions = pids
            .iter()
            .map(|&pid| session(pid, SessionState::Active, f64::from(100 - pid % 100)))
            .collect();
        postgres(sessions, None)
    };
    report(&mut state, "main", sessions(&[4101, 4102, 4103, 4104]));
    act(&mut state, Action::SelectNext);
    assert_eq!(
        state.databases.selected_session().map(|s| s.pid),
        Some(4102)
    );
    report(&mut state, "main", sessions(&[4101, 4103, 4104]));
    assert_eq!(
        state.databases.selected_session().map(|s| s.pid),
        Some(4103),
        "the session below the one that ended, not the top one"
    );
    report(&mut state, "main", sessions(&[4100, 4101, 4103]));
    assert_eq!(
        state.databases.selected_session().map(|s| s.pid),
        Some(4103)
    );
}

#[test]
fn from_a_database_alert_to_that_database_selected() {
    let mut state = state(Mode::Interactive);
    for seconds in [0, 30, 61] {
        let failure = SourceFailure {
            error: "reports:5432: connection refused".into(),
            retry_at: at(seconds + 5),
        };
        report_at(&mut state, "reports", seconds, Err(failure));
    }
    update(&mut state, Msg::ClickTab(Tab::Alerts), at(61));
    act(&mut state, Action::SelectFirst);
    assert_eq!(
        state.alerts.selected().map(|a| a.key.rule.as_str()),
        Some("DatabaseDown")
    );
    assert_eq!(state.databases.selected_database().unwrap().name, "orders");
    act(&mut state, Action::GotoSubject);
    assert_eq!(state.tab, Tab::Databases);
    assert_eq!(state.databases.selected_database().unwrap().name, "reports");
}
