//! The Databases tab's reducer with a fixed clock: reports applied, session actions asked,
//! confirmed or refused. Message in, state and effects out.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use watchdeck::action::Action;
use watchdeck::command::{DatabaseAction, DatabaseCommand, OperatorCommand};
use watchdeck::config::Config;
use watchdeck::effect::Effect;
use watchdeck::fixtures::now;
use watchdeck::model::databases::{DatabaseDetail, DatabaseSnapshot, MysqlDetail, MysqlProcess};
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::state::{AppState, Mode, Overlay, ToastKind};
use watchdeck::tab::Tab;
use watchdeck::update::update;

const CONFIG: &str = r#"
[[database]]
name = "orders"
kind = "mysql"
url = "mysql://watchdeck@orders:3306/shop"
"#;

/// The console's own monitoring connection in the MySQL fixture.
const MONITOR: u64 = 900;

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

fn report(state: &mut AppState, database: &str, snapshot: DatabaseSnapshot) {
    update(
        state,
        Msg::Source(SourceUpdate::Database {
            database: database.into(),
            report: SourceReport {
                at: now(),
                result: Ok(snapshot),
            },
        }),
        now(),
    );
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
