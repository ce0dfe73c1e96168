//! How the console was started, which decides whether operator commands may run.

/// How the console was started; the read-only modes refuse every operator command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    ReadOnly,
    Watch,
}

impl Mode {
    /// Why operator commands are refused, or `None` when they are allowed.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            Mode::Interactive => None,
            Mode::ReadOnly => Some("read-only mode (--read-only): actions are disabled"),
            Mode::Watch => Some("watch mode (--watch) is read-only: actions are disabled"),
        }
    }
}
