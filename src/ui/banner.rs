//! The banner of a source that cannot be reached, one line above the list it feeds: what it is,
//! where, why, what of it is still shown, and when it is tried again.

use ratatui::text::Line;

use super::RenderCtx;
use super::format::duration;
use crate::state::source::{SourceHealth, SourceStatus};

/// `✖ engine local unavailable at unix:///…: refused · last answered 2m ago · retry in 4s`, or
/// nothing while the source answers. `last` says what is shown of it, given how long ago it last
/// answered (`2m`); a source that never answered says so.
pub fn source_down(
    what: &str,
    address: &str,
    health: &SourceHealth,
    last: impl FnOnce(&str) -> String,
    ctx: &RenderCtx,
) -> Option<Line<'static>> {
    let SourceStatus::Down {
        error,
        retry_at,
        last_ok,
        ..
    } = &health.status
    else {
        return None;
    };
    let last = last_ok.map_or("never answered".to_string(), |at| {
        last(&duration((ctx.now - at).to_std().unwrap_or_default()))
    });
    let retry = retry_at
        .map(|at| format!(" · retry in {}s", (at - ctx.now).num_seconds().max(0)))
        .unwrap_or_default();
    // The error usually names the address already: say it once.
    let at = if error.contains(address) {
        String::new()
    } else {
        format!(" at {address}")
    };
    Some(Line::styled(
        format!(" ✖ {what} unavailable{at}: {error} · {last}{retry}"),
        ctx.theme.crit,
    ))
}
