//! Snapshots of the Resources tab, as a user sees it, at 80x24 and 200x50.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod render_support;

use insta::assert_snapshot;
use render_support::{draw, draw_with, text, theme};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::config::{Config, Keymap};
use watchdeck::fixtures::{self, now};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) {
    update(state, Msg::Action(action), now());
}

#[test]
fn resources_80x24() {
    assert_snapshot!(draw(&fixtures::app_state(Mode::Interactive), 80, 24).backend());
}

#[test]
fn resources_200x50() {
    assert_snapshot!(draw(&fixtures::app_state(Mode::Interactive), 200, 50).backend());
}

#[test]
fn resources_120x40() {
    assert_snapshot!(draw(&fixtures::app_state(Mode::Interactive), 120, 40).backend());
}

#[test]
fn resources_collecting_80x24() {
    let state = AppState::new(
        &Config::default(),
        &[],
        Mode::Interactive,
        "db-01".into(),
        now(),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn resources_sampler_down_80x24() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let failure = SourceFailure {
        error: "sysinfo: cannot read /proc/stat".into(),
        retry_at: now() + chrono::Duration::seconds(8),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: now(),
            result: Err(failure),
        })),
        now(),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

/// The fixture host whose last sample is 12 s old at `now`, after the tick that noticed it.
fn host_silent_for_12s() -> AppState {
    let mut state = AppState::new(
        &Config::default(),
        &[],
        Mode::Interactive,
        "db-01".into(),
        now() - chrono::Duration::seconds(612),
    );
    for seconds_ago in (12..612).rev() {
        let snapshot = fixtures::resources_snapshot_at(seconds_ago);
        let at = snapshot.at;
        let report = SourceReport {
            at,
            result: Ok(snapshot),
        };
        update(&mut state, Msg::Source(SourceUpdate::System(report)), at);
    }
    update(&mut state, Msg::Tick, now());
    state
}

#[test]
fn resources_stale_host_in_the_header_and_the_tab() {
    let state = host_silent_for_12s();
    for (width, height) in [(80, 24), (200, 50)] {
        let terminal = draw(&state, width, height);
        let screen = text(&terminal);
        assert!(
            screen.contains("host data is stale: last sample 12s ago"),
            "{screen}"
        );
        let header = screen.lines().next().unwrap_or_default();
        let column = header.chars().position(|c| c == '◐').expect("a stale dot") as u16;
        assert_eq!(
            terminal.backend().buffer()[(column, 0)].fg,
            theme("default").stale.fg.unwrap_or_default(),
            "the stale dot is drawn in the theme's stale style"
        );
        insta::with_settings!({ snapshot_suffix => format!("{width}x{height}") }, {
            assert_snapshot!("resources_stale", terminal.backend())
        });
    }
}

#[test]
fn resources_read_only_hides_destructive_hints_80x24() {
    let screen = text(&draw(&fixtures::app_state(Mode::ReadOnly), 80, 24));
    assert!(screen.contains("READ-ONLY"));
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        !footer.contains("term") && !footer.contains("kill"),
        "{footer}"
    );
    let interactive = text(&draw(&fixtures::app_state(Mode::Interactive), 80, 24));
    assert!(
        interactive
            .lines()
            .last()
            .unwrap_or_default()
            .contains("t term")
    );
}

#[test]
fn resources_sorted_by_memory_and_filtered_200x50() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::SortByMemory);
    act(&mut state, Action::Filter);
    for c in "postgres".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    assert_snapshot!(draw(&state, 200, 50).backend());
}

#[test]
fn resources_confirm_terminate_80x24() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::TerminateProcess);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn resources_confirm_kill_second_step_200x50() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::KillProcess);
    act(&mut state, Action::Confirm);
    assert_snapshot!(draw(&state, 200, 50).backend());
}

#[test]
fn resources_help_80x24() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::Help);
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn help_and_footer_follow_a_custom_keymap() {
    let user = "[global]\nquit = [\"ctrl-q\"]\nhelp = [\"f2\"]\n[resources]\nterminate_process = [\"T\"]\n";
    let keymap = Keymap::load("default", Some(("user.toml", user))).expect("keymap");
    let mut state = fixtures::app_state(Mode::Interactive);
    let footer = text(&draw_with(&state, 120, 30, &theme("default"), &keymap));
    let footer = footer.lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("T term") && footer.contains("ctrl-q quit") && footer.contains("f2 help"),
        "{footer}"
    );
    act(&mut state, Action::Help);
    assert_snapshot!(draw_with(&state, 120, 30, &theme("default"), &keymap).backend());
}

#[test]
fn critical_disk_is_drawn_in_the_critical_style() {
    let terminal = draw(&fixtures::app_state(Mode::Interactive), 80, 24);
    let buffer = terminal.backend().buffer();
    let crit = theme("default").crit;
    let screen = text(&terminal);
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("/var/lib/po"))
        .expect("disk row");
    let column = line
        .chars()
        .position(|c| c == '✖')
        .expect("critical marker") as u16;
    assert_eq!(buffer[(column, row as u16)].fg, crit.fg.unwrap_or_default());
    let ok_row = screen
        .lines()
        .position(|l| l.contains("│ /boot"))
        .expect("boot row") as u16;
    assert_ne!(buffer[(column, ok_row)].fg, crit.fg.unwrap_or_default());
}

/// The fixture host under the shipped rules but `HighMemoryUsage` above `threshold` for `hold`.
fn memory_rule(threshold: u32, hold: &str) -> AppState {
    let config = Config::parse(
        "c.toml",
        &format!(
            "[[rule]]\nname = \"HighMemoryUsage\"\nexpr = \"system_memory_used_percent > {threshold}\"\n\
             for = \"{hold}\"\nseverity = \"P2\"\nsummary = \"memory {{{{ $value }}}}% used\"\n"
        ),
    )
    .expect("config");
    fixtures::app_state_with(&config, Mode::Interactive)
}

fn memory_title(state: &AppState) -> String {
    let screen = text(&draw(state, 80, 24));
    let line = screen
        .lines()
        .find(|l| l.contains("Memory"))
        .expect("memory panel");
    let title = line.split("Memory").nth(1).expect("title");
    title.replace(['─', '╮', '│'], "").trim().to_string()
}

/// One judgement: a gauge is coloured by the firing alerts over its series, as the tab marker
/// and the Alerts tab are, not by thresholds of its own (memory at 89% warned at 85% while the
/// shipped rule fires above 90%).
#[test]
fn gauges_take_their_colour_from_the_alerts_over_their_series() {
    let shipped = fixtures::app_state(Mode::Interactive);
    assert_eq!(memory_title(&shipped), "89% of 8.0 GiB");
    let firing = memory_rule(85, "3m");
    assert_eq!(memory_title(&firing), "89% of 8.0 GiB ▲ WARN");
    assert!(
        firing
            .findings
            .iter()
            .any(|f| f.message.starts_with("P2 HighMemoryUsage")),
        "the header and the tab marker say the same: {:?}",
        firing.findings
    );
    let pending = memory_rule(85, "1h");
    assert_eq!(
        memory_title(&pending),
        "89% of 8.0 GiB",
        "a pending alert is not a finding yet, nor a colour"
    );
}

#[test]
fn mono_tells_severity_by_text_and_symbols() {
    let keymap = Keymap::load("default", None).expect("keymap");
    let terminal = draw_with(&memory_rule(85, "3m"), 80, 24, &theme("mono"), &keymap);
    let screen = text(&terminal);
    assert!(
        screen.contains("✖ CRIT") && screen.contains("▲ WARN"),
        "{screen}"
    );
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn footers_keep_quit_help_filter_and_the_main_actions() {
    let [narrow, wide] =
        footer_snapshots!("footer_resources", &fixtures::app_state(Mode::Interactive),);
    for hint in ["q quit", "/ filter", "c cpu", "m mem", "t term", "K kill"] {
        assert!(narrow.contains(hint), "{hint:?} left out: {narrow:?}");
    }
    assert!(
        wide.contains("? help") && wide.contains("1-6 tabs"),
        "{wide}"
    );
    let [narrow, _] = footer_snapshots!(
        "footer_resources_read_only",
        &fixtures::app_state(Mode::ReadOnly),
    );
    assert!(!narrow.contains("term") && !narrow.contains("kill"));
    let mut confirm = fixtures::app_state(Mode::Interactive);
    act(&mut confirm, Action::TerminateProcess);
    let [narrow, _] = footer_snapshots!("footer_dialog", &confirm);
    assert_eq!(narrow, " y confirm   n cancel");
}

#[test]
fn footer_priorities_follow_a_custom_keymap() {
    let user = "[resources]\nfooter = [\"reverse_sort\", \"sort_by_name\"]\n";
    let keymap = Keymap::load("default", Some(("user.toml", user))).expect("keymap");
    let state = fixtures::app_state(Mode::Interactive);
    let screen = text(&draw_with(&state, 80, 24, &theme("default"), &keymap));
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.contains("r reverse") && footer.contains("n name") && footer.contains("q quit"),
        "{footer}"
    );
}

/// The CPU panel marks what the tab marker marks: the last minute's mean, not the newest second.
#[test]
fn a_one_second_cpu_spike_is_not_critical_in_the_cpu_panel() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let mut spike = fixtures::resources_snapshot();
    spike.at = now() + chrono::Duration::seconds(1);
    spike.cores.iter_mut().for_each(|core| *core = 99.0);
    spike.cpu_percent = 99.0;
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: spike.at,
            result: Ok(spike),
        })),
        now(),
    );
    let screen = text(&draw(&state, 200, 50));
    let cpu_title = screen
        .lines()
        .find(|line| line.contains(" CPU "))
        .expect("the CPU panel");
    assert!(cpu_title.contains("99%"), "{cpu_title}");
    assert!(!cpu_title.contains("CRIT"), "{cpu_title}");
    assert_eq!(
        state.tab_severity(watchdeck::tab::Tab::Resources),
        watchdeck::findings::Severity::Critical,
        "the fixture's disk keeps the tab critical, so only the CPU judgement is under test"
    );
    assert!(
        !state.findings.iter().any(|f| f.subject == "cpu"),
        "{:?}",
        state.findings
    );
}

#[test]
fn every_view_draws_at_every_size() {
    let state = fixtures::app_state(Mode::Interactive);
    let mut confirm = state.clone();
    act(&mut confirm, Action::TerminateProcess);
    let mut states = render_support::with_overlays("resources", &state);
    states.push(("confirm".into(), confirm));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn moving_up_inside_the_rows_in_view_scrolls_nothing() {
    render_support::assert_moving_up_scrolls_only_past_the_top(
        fixtures::app_state(Mode::Interactive),
        "Processes",
        80,
        24,
    );
}

/// A command wider than its column was clipped with no mark, and a user name cut at 9 cells
/// while NAME, 20 cells for names of at most 15, stayed half empty.
#[test]
fn process_columns_take_their_content_and_mark_the_cut() {
    let state = fixtures::app_state(Mode::Interactive);
    let screen = text(&draw(&state, 120, 40));
    let java = screen
        .lines()
        .find(|line| line.contains("java -Xmx2g"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(java.contains("…│"), "{java}");
    assert!(screen.contains(" prometheus "), "{screen}");
}

/// The host list above this host's panels: worst first, a mark per row.
#[test]
fn resources_hosts_80x24() {
    let state = fixtures::fleet_state();
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn resources_hosts_200x50() {
    let state = fixtures::fleet_state();
    assert_snapshot!(draw(&state, 200, 50).backend());
}

/// A remote host selected: its panels from what its Prometheus said and its fetched history
/// (each core's busy percent), and no process table.
fn remote_selected() -> AppState {
    let mut state = fixtures::fleet_state();
    while state
        .fleet
        .list
        .selected
        .as_ref()
        .is_none_or(|h| h.as_str() != "db-2")
    {
        act(&mut state, Action::NextHost);
    }
    let history = fixtures::remote_history("db-2");
    let host = history.host.clone();
    update(
        &mut state,
        Msg::HostHistory {
            host,
            result: Ok(history),
        },
        now(),
    );
    state
}

#[test]
fn resources_remote_host_80x24() {
    assert_snapshot!(draw(&remote_selected(), 80, 24).backend());
}

#[test]
fn resources_remote_host_200x50() {
    assert_snapshot!(draw(&remote_selected(), 200, 50).backend());
}

/// A Prometheus that stopped answering: a banner with why and since when, its hosts as it
/// last answered.
#[test]
fn resources_hosts_prometheus_down_80x24() {
    let mut state = fixtures::fleet_state();
    let failure = SourceFailure {
        error: "http://prometheus:9090: connection refused".into(),
        retry_at: now() + chrono::Duration::seconds(8),
    };
    let report = SourceReport {
        at: now(),
        result: Err(failure),
    };
    let name = "fleet".to_string();
    update(
        &mut state,
        Msg::Source(SourceUpdate::Prometheus { name, report }),
        now(),
    );
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn help_in_the_read_only_modes_offers_no_action_and_says_so() {
    let terminate = Action::TerminateProcess.description();
    for (mode, size) in [(Mode::ReadOnly, (80, 24)), (Mode::Watch, (200, 50))] {
        let mut state = fixtures::app_state(mode);
        act(&mut state, Action::Help);
        let terminal = draw(&state, size.0, size.1);
        let screen = text(&terminal);
        assert!(screen.contains("read-only: no actions"), "{screen}");
        assert!(!screen.contains(terminate), "{screen}");
        assert!(!screen.contains("In a confirmation"), "{screen}");
        assert_snapshot!(
            format!("help_{mode:?}_{}x{}", size.0, size.1),
            terminal.backend()
        );
    }
    // Interactive, the same help offers them.
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::Help);
    let screen = text(&draw(&state, 80, 24));
    assert!(
        screen.contains(terminate) && !screen.contains("read-only"),
        "{screen}"
    );
}
