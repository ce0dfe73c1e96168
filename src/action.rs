//! The closed set of user intents. Keymaps may only name these.

use serde::Serialize;
use strum::{EnumIter, EnumString, IntoStaticStr};

/// A user intent, named in `keymaps/*.toml` in snake_case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    EnumString,
    IntoStaticStr,
    Serialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    GotoResources,
    GotoContainers,
    GotoAlerts,
    GotoDatabases,
    GotoEndpoints,
    GotoRunbook,
    Filter,
    SelectNext,
    SelectPrev,
    PageDown,
    PageUp,
    SelectFirst,
    SelectLast,
    ToggleRotation,
    SortByCpu,
    SortByMemory,
    SortByPid,
    SortByName,
    ReverseSort,
    TerminateProcess,
    KillProcess,
    SortNextColumn,
    ToggleDetail,
    OpenLogs,
    RevealEnv,
    RestartContainer,
    StopContainer,
    StartContainer,
    PauseContainer,
    KillContainer,
    ScrollDetailDown,
    ScrollDetailUp,
    NextMatch,
    PrevMatch,
    ToggleFollow,
    ToggleWrap,
    ToggleTimestamps,
    ToggleResolved,
    AckAlert,
    UnackAlert,
    SilenceAlert,
    SilenceRule,
    ExpireSilence,
    NextAlertView,
    GotoSubject,
    NextDatabase,
    PrevDatabase,
    NextHost,
    PrevHost,
    CancelQuery,
    TerminateSession,
    TerminateIdle,
    ScanBigKeys,
    PollNow,
    ToggleGroups,
    OpenRunbook,
    TickDone,
    TickSkipped,
    TickFailed,
    AddNote,
    RunStepAction,
    CopyRunbookUrl,
    PrevPeriod,
    NextPeriod,
    NextRunbookView,
    RunCheck,
    Confirm,
    Cancel,
}

impl Action {
    /// The name used in keymap files.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit watchdeck",
            Action::Help => "show or hide this help",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::GotoResources => "go to Resources",
            Action::GotoContainers => "go to Containers",
            Action::GotoAlerts => "go to Alerts",
            Action::GotoDatabases => "go to Databases",
            Action::GotoEndpoints => "go to Endpoints",
            Action::GotoRunbook => "go to Runbook",
            Action::Filter => "filter the list",
            Action::SelectNext => "select next row",
            Action::SelectPrev => "select previous row",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::SelectFirst => "select first row",
            Action::SelectLast => "select last row",
            Action::ToggleRotation => "pause rotation (--watch)",
            Action::SortByCpu => "sort processes by CPU",
            Action::SortByMemory => "sort processes by memory",
            Action::SortByPid => "sort processes by PID",
            Action::SortByName => "sort processes by name",
            Action::ReverseSort => "reverse the sort order",
            Action::TerminateProcess => "SIGTERM selected process",
            Action::KillProcess => "SIGKILL it (asks twice)",
            Action::SortNextColumn => "sort by the next column",
            Action::ToggleDetail => "show or hide the detail pane",
            Action::OpenLogs => "follow the container's logs",
            Action::RevealEnv => "show or hide env values (detail)",
            Action::RestartContainer => "restart the container",
            Action::StopContainer => "stop the container",
            Action::StartContainer => "start the container",
            Action::PauseContainer => "pause or unpause it",
            Action::KillContainer => "kill it (SIGKILL)",
            Action::ScrollDetailDown => "scroll the detail down",
            Action::ScrollDetailUp => "scroll the detail up",
            Action::NextMatch => "next match (newer)",
            Action::PrevMatch => "previous match (older)",
            Action::ToggleFollow => "pause or resume following",
            Action::ToggleWrap => "wrap long lines",
            Action::ToggleTimestamps => "show timestamps",
            Action::ToggleResolved => "show or hide resolved and silenced alerts",
            Action::AckAlert => "acknowledge the alert, with a note",
            Action::UnackAlert => "take back the acknowledgement",
            Action::SilenceAlert => "silence the alert for a while, with a comment",
            Action::SilenceRule => "silence every alert of its rule, or those matching labels",
            Action::ExpireSilence => "end the selected silence now",
            Action::NextAlertView => "show the alerts, silences, history or rules",
            Action::GotoSubject => "go to what the row is about",
            Action::NextDatabase => "next database",
            Action::PrevDatabase => "previous database",
            Action::NextHost => "next host in the list",
            Action::PrevHost => "previous host in the list",
            Action::CancelQuery => "cancel the session's query (MySQL: KILL QUERY)",
            Action::TerminateSession => "terminate the session (MySQL: KILL the connection)",
            Action::TerminateIdle => "terminate the sessions idle past idle_minutes",
            Action::ScanBigKeys => "scan Redis for big keys",
            Action::PollNow => "poll the selected endpoint now",
            Action::ToggleGroups => "group rows by group or engine",
            Action::OpenRunbook => "open the alert's runbook procedure",
            Action::TickDone => "tick the step done, with a note",
            Action::TickSkipped => "tick the step skipped, with a note",
            Action::TickFailed => "tick the step failed, with a note",
            Action::AddNote => "add a note to the shift log",
            Action::RunStepAction => "take the step's action (restart, silence, …)",
            Action::CopyRunbookUrl => "copy the alert's runbook URL (OSC 52)",
            Action::PrevPeriod => "the period before",
            Action::NextPeriod => "the period after",
            Action::NextRunbookView => "show the checklists, the procedure or the shift log",
            Action::RunCheck => "run the step's logs or command check now (a command asks first)",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel / close",
        }
    }

    /// A word or two for the footer; `None` keeps the action out of the footer.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            Action::Quit => Some("quit"),
            Action::Help => Some("help"),
            Action::NextTab => Some("next"),
            Action::Filter => Some("filter"),
            Action::ToggleRotation => Some("pause"),
            Action::SortByCpu => Some("cpu"),
            Action::SortByMemory => Some("mem"),
            Action::SortByPid => Some("pid"),
            Action::SortByName => Some("name"),
            Action::ReverseSort => Some("reverse"),
            Action::TerminateProcess => Some("term"),
            Action::KillProcess => Some("kill"),
            Action::SortNextColumn => Some("sort"),
            Action::ToggleDetail => Some("detail"),
            Action::OpenLogs => Some("logs"),
            Action::RestartContainer => Some("restart"),
            Action::StopContainer => Some("stop"),
            Action::StartContainer => Some("start"),
            Action::PauseContainer => Some("pause"),
            Action::ScrollDetailDown => Some("scroll detail"),
            Action::NextMatch => Some("next"),
            Action::ToggleFollow => Some("follow"),
            Action::ToggleWrap => Some("wrap"),
            Action::ToggleTimestamps => Some("time"),
            Action::ToggleResolved => Some("resolved"),
            Action::AckAlert => Some("ack"),
            Action::UnackAlert => Some("unack"),
            Action::SilenceAlert => Some("silence"),
            Action::SilenceRule => Some("silence rule"),
            Action::ExpireSilence => Some("end silence"),
            Action::NextAlertView => Some("view"),
            Action::GotoSubject => Some("go to"),
            Action::NextDatabase => Some("database"),
            Action::NextHost => Some("host"),
            Action::CancelQuery => Some("cancel query"),
            Action::TerminateSession => Some("terminate"),
            Action::TerminateIdle => Some("end idle"),
            Action::ScanBigKeys => Some("big keys"),
            Action::PollNow => Some("poll now"),
            Action::ToggleGroups => Some("groups"),
            Action::OpenRunbook => Some("runbook"),
            Action::TickDone => Some("done"),
            Action::TickSkipped => Some("skip"),
            Action::TickFailed => Some("failed"),
            Action::AddNote => Some("note"),
            Action::RunStepAction => Some("action"),
            Action::CopyRunbookUrl => Some("copy url"),
            Action::PrevPeriod => Some("earlier"),
            Action::NextRunbookView => Some("view"),
            Action::RunCheck => Some("check"),
            Action::Confirm => Some("confirm"),
            Action::Cancel => Some("cancel"),
            Action::GotoResources
            | Action::GotoContainers
            | Action::GotoAlerts
            | Action::GotoDatabases
            | Action::GotoEndpoints
            | Action::GotoRunbook
            | Action::PrevTab
            | Action::SelectNext
            | Action::SelectPrev
            | Action::PageDown
            | Action::PageUp
            | Action::SelectFirst
            | Action::SelectLast
            | Action::RevealEnv
            | Action::KillContainer
            | Action::ScrollDetailUp
            | Action::PrevMatch
            | Action::PrevDatabase
            | Action::NextPeriod
            | Action::PrevHost => None,
        }
    }

    /// An operator action changes something outside the console (a signal, a container, an
    /// alert's acknowledgement or silence, a database session) through an `OperatorCommand`:
    /// `--read-only` and `--watch` refuse it, and the footer does not offer it there. Revealing
    /// env values is not one: it changes nothing, and only `--watch` refuses it.
    pub fn is_operator(self) -> bool {
        match self {
            Action::TerminateProcess
            | Action::KillProcess
            | Action::RestartContainer
            | Action::StopContainer
            | Action::StartContainer
            | Action::PauseContainer
            | Action::KillContainer
            | Action::AckAlert
            | Action::UnackAlert
            | Action::SilenceAlert
            | Action::SilenceRule
            | Action::ExpireSilence
            | Action::CancelQuery
            | Action::TerminateSession
            | Action::TerminateIdle
            | Action::TickDone
            | Action::TickSkipped
            | Action::TickFailed
            | Action::AddNote
            | Action::RunStepAction => true,
            Action::Quit
            | Action::Help
            | Action::NextTab
            | Action::PrevTab
            | Action::GotoResources
            | Action::GotoContainers
            | Action::GotoAlerts
            | Action::GotoDatabases
            | Action::GotoEndpoints
            | Action::GotoRunbook
            | Action::Filter
            | Action::SelectNext
            | Action::SelectPrev
            | Action::PageDown
            | Action::PageUp
            | Action::SelectFirst
            | Action::SelectLast
            | Action::ToggleRotation
            | Action::SortByCpu
            | Action::SortByMemory
            | Action::SortByPid
            | Action::SortByName
            | Action::ReverseSort
            | Action::SortNextColumn
            | Action::ToggleDetail
            | Action::OpenLogs
            | Action::RevealEnv
            | Action::ScrollDetailDown
            | Action::ScrollDetailUp
            | Action::NextMatch
            | Action::PrevMatch
            | Action::ToggleFollow
            | Action::ToggleWrap
            | Action::ToggleTimestamps
            | Action::ToggleResolved
            | Action::NextAlertView
            | Action::GotoSubject
            | Action::NextDatabase
            | Action::PrevDatabase
            | Action::NextHost
            | Action::PrevHost
            | Action::ScanBigKeys
            | Action::PollNow
            | Action::ToggleGroups
            | Action::OpenRunbook
            | Action::CopyRunbookUrl
            | Action::PrevPeriod
            | Action::NextPeriod
            | Action::NextRunbookView
            | Action::RunCheck
            | Action::Confirm
            | Action::Cancel => false,
        }
    }
}
