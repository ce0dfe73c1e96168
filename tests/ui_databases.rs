//! Snapshots of the Databases tab at 80x24 and 200x50: the overview with a PostgreSQL, a Redis and
//! a database that does not answer, each kind's detail, and no password anywhere on screen.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // its tables do not scroll: nothing to draw as shown
mod render_support;

use insta::assert_snapshot;
use render_support::{draw, footer, footers, text};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::config::Config;
use watchdeck::fixtures::now;
use watchdeck::model::databases::{
    DatabaseDetail, DatabaseSnapshot, MysqlDetail, MysqlProcess, MysqlReplica, PostgresDetail,
    RedisDetail, Replica, Session, SessionState, SizeRow, Sizes,
};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::tab::Tab;
use watchdeck::update::update;

const CONFIG: &str = r#"
[[database]]
name = "main"
kind = "postgres"
url = "postgres://watchdeck@db:5432/app"
password_env = "WATCHDECK_UI_TEST_PASSWORD"

[[database]]
name = "cache"
kind = "redis"
url = "redis://cache:6379"

[[database]]
name = "reports"
kind = "postgres"
url = "postgres://watchdeck@reports:5432/reports"

[[database]]
name = "orders"
kind = "mysql"
url = "mysql://watchdeck@orders:3306/shop"
password_env = "WATCHDECK_UI_TEST_ORDERS_PASSWORD"
"#;

fn session(
    pid: i32,
    user: &str,
    app: &str,
    state: SessionState,
    seconds: f64,
    query: &str,
) -> Session {
    Session {
        pid,
        user: user.into(),
        database: "app".into(),
        application: app.into(),
        client: "10.0.0.7".into(),
        state,
        wait_event: (state == SessionState::Waiting).then(|| "Lock:relation".into()),
        query: query.into(),
        query_seconds: seconds,
        state_seconds: seconds,
        blocked_by: if state == SessionState::Waiting {
            vec![4102]
        } else {
            Vec::new()
        },
    }
}

fn postgres() -> DatabaseSnapshot {
    DatabaseSnapshot {
        version: "16.2".into(),
        uptime_seconds: 3 * 86400 + 7200,
        connections: 87,
        max_connections: 100,
        detail: DatabaseDetail::Postgres(PostgresDetail {
            own_pid: 4000,
            sessions: vec![
                session(
                    4101,
                    "api",
                    "api",
                    SessionState::Active,
                    42.0,
                    "select * from orders where customer_id = $1 order by created_at desc",
                ),
                session(
                    4102,
                    "api",
                    "api",
                    SessionState::IdleInTransaction,
                    905.0,
                    "update orders set state = 'paid' where id = $1",
                ),
                session(
                    4103,
                    "worker",
                    "worker",
                    SessionState::Waiting,
                    12.0,
                    "delete from orders where state = 'stale'",
                ),
                session(4104, "api", "api", SessionState::Idle, 1300.0, "select 1"),
                session(
                    4105,
                    "report",
                    "metabase",
                    SessionState::Idle,
                    30.0,
                    "select count(*) from events",
                ),
            ],
            cache_hit_percent: Some(99.2),
            transactions_per_minute: Some(5400.0),
            deadlocks_per_minute: Some(0.0),
            slow_queries_per_minute: Some(3.0),
            is_standby: false,
            replicas: vec![Replica {
                name: "replica1".into(),
                client: "10.0.0.9".into(),
                state: "streaming".into(),
                lag_bytes: 81920.0,
                lag_seconds: Some(0.4),
            }],
            replay_delay_seconds: None,
            sizes: Some(Sizes {
                databases: vec![SizeRow {
                    name: "app".into(),
                    bytes: 12.5e9,
                }],
                tables: vec![
                    SizeRow {
                        name: "public.events".into(),
                        bytes: 8.1e9,
                    },
                    SizeRow {
                        name: "public.orders".into(),
                        bytes: 2.2e9,
                    },
                ],
            }),
        }),
    }
}

fn redis() -> DatabaseSnapshot {
    DatabaseSnapshot {
        version: "7.0.15".into(),
        uptime_seconds: 86400,
        connections: 41,
        max_connections: 10000,
        detail: DatabaseDetail::Redis(RedisDetail {
            role: "master".into(),
            blocked_clients: 2,
            rejected_connections: 0,
            used_memory: 3.7e9,
            maxmemory: 4.0e9,
            fragmentation_ratio: 1.08,
            keyspace_hit_percent: Some(93.5),
            evicted_per_minute: Some(120.0),
            expired_per_minute: Some(15.0),
            ops_per_second: 5200.0,
            keys: 1_204_331,
            replica_offset_lag: Vec::new(),
        }),
    }
}

fn process(
    id: u64,
    user: &str,
    command: &str,
    seconds: u64,
    state: &str,
    info: &str,
) -> MysqlProcess {
    MysqlProcess {
        id,
        user: user.into(),
        host: format!("10.0.0.{}:{}", id % 7, 40000 + id),
        database: "shop".into(),
        command: command.into(),
        seconds,
        state: state.into(),
        info: info.into(),
    }
}

fn mysql() -> DatabaseSnapshot {
    DatabaseSnapshot {
        version: "10.11.19".into(),
        uptime_seconds: 12 * 86400,
        connections: 96,
        max_connections: 151,
        detail: DatabaseDetail::Mysql(MysqlDetail {
            flavor: "MariaDB".into(),
            own_id: 900,
            threads_running: 3,
            processes: vec![
                process(
                    911,
                    "shop",
                    "Query",
                    74,
                    "Sending data",
                    "SELECT o.*, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.state = 'open'",
                ),
                process(
                    912,
                    "shop",
                    "Query",
                    31,
                    "Waiting for table metadata lock",
                    "ALTER TABLE orders ADD COLUMN note TEXT",
                ),
                process(913, "report", "Sleep", 2400, "", ""),
                process(914, "shop", "Sleep", 5, "", ""),
                process(915, "shop", "Sleep", 620, "", ""),
            ],
            queries_per_minute: Some(18_400.0),
            slow_queries_per_minute: Some(2.0),
            long_query_time: 10.0,
            buffer_pool_hit_percent: Some(99.87),
            replica: Some(MysqlReplica {
                source: "orders-primary:3306".into(),
                io_running: "Yes".into(),
                sql_running: "Yes".into(),
                lag_seconds: Some(12.0),
            }),
        }),
    }
}

fn state() -> AppState {
    let env = |name: &str| {
        name.starts_with("WATCHDECK_UI_TEST_")
            .then(|| "pw".to_string())
    };
    let config = Config::parse_with_env("c.toml", CONFIG, &env).unwrap();
    let mut state = AppState::new(&config, &[], Mode::Interactive, "ops-1".into(), now());
    state.tab = Tab::Databases;
    for (database, snapshot) in [
        ("main", postgres()),
        ("cache", redis()),
        ("orders", mysql()),
    ] {
        let report = SourceReport {
            at: now(),
            result: Ok(snapshot),
        };
        update(
            &mut state,
            Msg::Source(SourceUpdate::Database {
                database: database.into(),
                report,
            }),
            now(),
        );
    }
    let failure = SourceFailure {
        error: "reports:5432: connection refused".into(),
        retry_at: now() + chrono::Duration::seconds(20),
    };
    let report = SourceReport {
        at: now() - chrono::Duration::seconds(40),
        result: Err(failure),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::Database {
            database: "reports".into(),
            report,
        }),
        now(),
    );
    state
}

fn both_sizes(name: &str, state: &AppState) {
    insta::with_settings!({ snapshot_suffix => "80x24" }, { assert_snapshot!(name, draw(state, 80, 24).backend()) });
    insta::with_settings!({ snapshot_suffix => "200x50" }, { assert_snapshot!(name, draw(state, 200, 50).backend()) });
}

#[test]
fn overview_and_postgres_detail() {
    let state = state();
    both_sizes("databases_postgres", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("postgres://watchdeck:***@db:5432/app"),
        "{screen}"
    );
}

#[test]
fn redis_detail() {
    let mut state = state();
    update(&mut state, Msg::Action(Action::NextDatabase), now());
    both_sizes("databases_redis", &state);
}

#[test]
fn a_database_that_does_not_answer() {
    let mut state = state();
    update(&mut state, Msg::Action(Action::NextDatabase), now());
    update(&mut state, Msg::Action(Action::NextDatabase), now());
    both_sizes("databases_down", &state);
}

#[test]
fn mysql_detail() {
    let mut state = state();
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::NextDatabase), now());
    }
    both_sizes("databases_mysql", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("mysql://watchdeck:***@orders:3306/shop"),
        "{screen}"
    );
}

#[test]
fn terminate_idle_names_the_sessions_it_would_end() {
    let mut state = state();
    update(&mut state, Msg::Action(Action::TerminateIdle), now());
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("Terminate 2 sessions idle for 10 minutes"),
        "{screen}"
    );
    assert!(
        screen.contains("4104") && screen.contains("4102"),
        "{screen}"
    );
    assert!(!screen.contains("4105 report"), "{screen}");
}

#[test]
fn footers_rank_the_database_actions() {
    let state = state();
    let [narrow, wide] = footers(&state);
    assert!(narrow.contains("c cancel query"), "{narrow}");
    assert!(
        wide.contains("t terminate") && wide.contains("b big keys"),
        "{wide}"
    );
    assert_eq!(footer(&draw(&state, 200, 50)), wide);
}

/// `--read-only` and `--watch` refuse the session actions, so their footer does not offer them;
/// the big-keys scan only reads, and stays.
#[test]
fn read_only_footers_offer_no_session_action() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = state();
        state.mode = mode;
        for footer in [
            footer(&draw(&state, 80, 24)),
            footer(&draw(&state, 200, 50)),
        ] {
            for refused in ["c cancel query", "t terminate", "I end idle"] {
                assert!(!footer.contains(refused), "{mode:?}: {footer}");
            }
        }
        assert!(
            footer(&draw(&state, 200, 50)).contains("b big keys"),
            "{mode:?}"
        );
    }
}

#[test]
fn at_80_columns_the_statements_and_headlines_stay_readable() {
    let mut state = state();
    let screen = text(&draw(&state, 80, 24));
    // Whole figures in the headline, problems first; the query keeps a column of its own.
    assert!(
        screen.contains("│▶ main    up         87/100 87%     2 long · 1 blocked · lag 0s · cache"),
        "{screen}"
    );
    assert!(
        screen.contains("select * from orders where cus…"),
        "{screen}"
    );
    assert!(screen.contains("BLOCKED BY QUERY"), "{screen}");
    for _ in 0..3 {
        update(&mut state, Msg::Action(Action::NextDatabase), now());
    }
    let screen = text(&draw(&state, 80, 24));
    assert!(
        screen.contains("Waiting for table m… ALTER TABLE orders ADD COLUMN"),
        "{screen}"
    );
}

#[test]
fn every_view_draws_at_every_size() {
    let mut states = Vec::new();
    let mut shown = state();
    for database in ["main", "cache", "reports", "orders"] {
        states.extend(render_support::with_overlays(database, &shown));
        update(&mut shown, Msg::Action(Action::NextDatabase), now());
    }
    let mut confirm = state();
    update(&mut confirm, Msg::Action(Action::TerminateIdle), now());
    states.push(("terminate idle".into(), confirm));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn the_footer_names_the_arrow_and_sizes_leave_out_what_was_not_read() {
    let mut state = state();
    let [narrow, _] = footers(&state);
    assert!(narrow.starts_with(" → database"), "{narrow:?}");
    let sizes = state.databases.databases[0].sizes.as_mut().unwrap();
    sizes.tables.clear();
    let screen = text(&draw(&state, 200, 50));
    let largest = screen
        .lines()
        .find(|line| line.contains("largest"))
        .unwrap();
    assert!(!largest.contains("tables"), "{largest}");
    assert!(largest.contains("largest db "), "{largest}");
}

/// At 80 columns a name over 10 characters was cut without a mark, so two replicas read the
/// same; the NAME column now takes its width from the names, up to a quarter of the row.
#[test]
fn long_database_names_stay_apart_at_80_columns() {
    let config = Config::parse(
        "c.toml",
        r#"
[[database]]
name = "orders-replica-1"
kind = "redis"
url = "redis://replica-1:6379"

[[database]]
name = "orders-replica-2"
kind = "redis"
url = "redis://replica-2:6379"
"#,
    )
    .unwrap();
    let mut state = AppState::new(&config, &[], Mode::Interactive, "ops-1".into(), now());
    state.tab = Tab::Databases;
    let screen = text(&draw(&state, 80, 24));
    for name in ["orders-replica-1 ", "orders-replica-2 "] {
        assert!(
            screen
                .lines()
                .any(|line| line.contains(name) && line.contains("connecting")),
            "{name}:\n{screen}"
        );
    }
}
