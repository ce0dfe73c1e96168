//! Command-line interface.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};
use strum::IntoEnumIterator;

use crate::tab::Tab;

const EXAMPLES: &str = "\
Modes:
  interactive (default)  every tab, operator actions behind a confirmation
  --read-only            the same screens; every action is refused with the reason shown
  --watch                read-only wall display: a large status header, tabs rotating every
                         --rotate, holding on a tab with something critical; space pauses
  check                  headless: collect once from every source, print the findings the console
                         would mark; exit 0 ok, 1 warning, 2 critical, 3 unknown (cannot run or
                         timed out); text on a terminal, the monitoring-plugin format otherwise

Examples:
  watchdeck                              the local host with the embedded default config
  watchdeck --read-only                  look, don't touch (safe on production)
  watchdeck --watch --rotate 30s         for a wall monitor
  watchdeck --tab containers             start on the Containers tab
  watchdeck --config ./ops.toml --theme high-contrast
  watchdeck check --format json | jq .status
  watchdeck check --timeout 20s --only containers,endpoints     a Nagios/Icinga/Sensu check
  watchdeck check --format openmetrics --out /var/lib/node_exporter/textfile/watchdeck.prom
  watchdeck config init && watchdeck config path
  watchdeck runbook status || page-the-on-call     0 done, 1 due today, 2 overdue
  watchdeck runbook export --period 2026-W49 --out maintenance.md
  watchdeck runbook handover --since 12h
  watchdeck completions bash > /etc/bash_completion.d/watchdeck

Files: `watchdeck config path` prints where the config, themes, keymaps, log and audit log live.
Exit status: 0 on success, 3 on a usage error or when the config, a theme or a keymap cannot be
used; `config init` exits 1 when the file it would write is already there.";

#[derive(Debug, Parser)]
#[command(name = "watchdeck", version, about = "A terminal ops console: resources, containers, alerts, databases, endpoints and runbooks", after_help = EXAMPLES)]
pub struct Cli {
    /// Config file to use instead of the user's config (or the embedded default).
    #[arg(long, short, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Refuse every operator action (signals, restarts, acknowledgements), showing why.
    #[arg(long, conflicts_with = "watch")]
    pub read_only: bool,
    /// Read-only wall display that rotates through the tabs.
    #[arg(long)]
    pub watch: bool,
    /// How long --watch shows each tab, 1s to 1h, e.g. 15s, 1m (default: the config's watch.rotate).
    #[arg(long, value_name = "DURATION", value_parser = parse_rotate, requires = "watch")]
    pub rotate: Option<Duration>,
    /// Tab to start on.
    #[arg(long, value_name = "TAB", value_parser = tab_parser())]
    pub tab: Option<Tab>,
    /// Theme to use instead of the config's (default, light, high-contrast, mono or your own).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--rotate`: in the range `watch.rotate` has in the config.
fn parse_rotate(text: &str) -> Result<Duration, String> {
    crate::duration::parse_within(text, &crate::duration::ROTATE)
}

/// The tab names as possible values, so `--help` and shell completions list them.
fn tab_parser() -> impl TypedValueParser<Value = Tab> {
    PossibleValuesParser::new(Tab::iter().map(<&str>::from)).try_map(|name| name.parse::<Tab>())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect once from every source, print the findings; exit 0/1/2/3 (ok/warning/critical/unknown).
    Check(CheckArgs),
    /// Show, create or validate the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The alert history the console keeps.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// The runbook log: the maintenance log, the hand-off, the checklists' standing.
    #[command(subcommand)]
    Runbook(RunbookCommand),
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// text for people, plugin for Nagios/Icinga/Sensu (the default when standard output is not
    /// a terminal), json for scripts, openmetrics for a scraper or node_exporter's textfile
    /// collector.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Give up after this long, e.g. 10s: exit 3 (unknown), saying it timed out.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Only the sources that feed these tabs, e.g. containers,endpoints.
    #[arg(long, value_name = "TABS", value_delimiter = ',', value_parser = tab_parser())]
    pub only: Vec<Tab>,
    /// Write to this file instead of standard output, atomically (a temporary file, then a
    /// rename), so a reader never sees half of it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// Print the maintenance log of a period in the manual's template (date, operator, type:
    /// routine / incident / upgrade, content, impact, result, notes), from the ticks, notes and
    /// actions; a shift-log note starting with "upgrade" is an upgrade.
    Export {
        /// A day (2026-12-07), week (2026-W49), month (2026-12) or quarter (2026-Q4); default:
        /// today.
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to this file (0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a Markdown hand-off for the next on-call engineer: what fired and still fires, who
    /// acknowledged what, the procedures followed, the checklist steps still open, the shift log.
    Handover {
        /// How far back, e.g. 12h, 1d.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "12h")]
        since: Duration,
    },
    /// Print each checklist's progress; exit 0 when done, 1 when one is due today and not
    /// done, 2 when a past period was left undone.
    Status {
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Print every alert transition (pending, firing, escalated, resolved) as JSON lines.
    Export {
        /// Only what happened in this last stretch, e.g. 24h, 7d.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        since: Option<Duration>,
    },
    /// Print a Markdown timeline for a hand-off or a postmortem: every firing with its times to
    /// acknowledge and resolve, then the alerts' changes and the operators' commands in order.
    Timeline {
        /// Only what happened in this last stretch, e.g. 24h, 7d.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        since: Option<Duration>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print where the config, themes, keymaps, log and audit log are.
    Path,
    /// Write the commented default config to the config dir, or to --config PATH; never
    /// overwrites: exits 1 when the file is already there.
    Init,
    /// Validate a config file (default: the one watchdeck would use), with its theme and keymap.
    Check { file: Option<PathBuf> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Plugin,
    Json,
    Openmetrics,
}
