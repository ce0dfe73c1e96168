//! Entering and leaving the terminal UI; the terminal is restored on every way out, panics
//! included (ratatui's hook restores raw mode and the screen; ours also releases the mouse).

use std::io::stdout;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;

pub fn enter(mouse: bool) -> std::io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Best effort while panicking: nothing more can be done if the terminal is gone.
            let _ = execute!(stdout(), DisableMouseCapture);
            previous(info);
        }));
    }
    Ok(terminal)
}

/// Leaves the UI; errors are ignored because the terminal may be gone (a dropped SSH session).
pub fn leave(mouse: bool) {
    if mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    let _ = ratatui::try_restore();
}
