//! Views: pure functions of the state, the theme and the keymap.

pub(crate) mod banner;
pub mod format;
pub(crate) mod history;
pub mod layout;
pub(crate) mod list;
pub(crate) mod placeholder;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::config::{Keymap, Theme};
use crate::findings::Severity;

/// What a view needs besides the state, passed explicitly so views stay pure.
#[derive(Debug, Clone, Copy)]
pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    /// The local time zone's offset, for the clock.
    pub offset: FixedOffset,
}

/// The row at `y` from column `x`, at most `width` wide, clipped to `area`: all that a one-line
/// write there may cover. Empty when the spot is outside `area`, so no write leaves its area, nor
/// the screen when the terminal is smaller than the layout.
pub fn row_at(area: Rect, x: u16, y: u16, width: u16) -> Rect {
    Rect::new(x, y, width, 1).intersection(area)
}

/// The theme's style for a severity: how every tab colours ok, warning and critical.
pub fn severity_style(severity: Severity, ctx: &RenderCtx) -> Style {
    match severity {
        Severity::Ok => ctx.theme.ok,
        Severity::Warning => ctx.theme.warn,
        Severity::Critical => ctx.theme.crit,
    }
}
