//! Entering and leaving the terminal UI; the terminal is restored on every way out, panics
//! included (ratatui's hook restores raw mode and the screen; ours also releases the mouse).

use std::io::stdout;
use std::panic::PanicHookInfo;
use std::thread::ThreadId;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;

pub type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>;

pub fn enter(mouse: bool) -> std::io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    let restore = std::panic::take_hook();
    std::panic::set_hook(ui_thread_only(
        std::thread::current().id(),
        Box::new(move |info| {
            if mouse {
                // Best effort while panicking: nothing more can be done if the terminal is gone.
                let _ = execute!(stdout(), DisableMouseCapture);
            }
            restore(info);
        }),
    ));
    Ok(terminal)
}

/// The panic hook while the UI runs. Only a panic on the UI thread ends the UI, so only that one
/// runs `on_ui_panic` (restore the terminal, print the panic). Any other is a task on the
/// runtime, caught by tokio (a source task is restarted by its supervisor): it goes to the log,
/// and the screen is left alone, since the UI goes on.
pub fn ui_thread_only(ui_thread: ThreadId, on_ui_panic: PanicHook) -> PanicHook {
    Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            on_ui_panic(info);
        } else {
            tracing::error!(panic = %info, "a task panicked");
        }
    })
}

/// Leaves the UI; errors are ignored because the terminal may be gone (a dropped SSH session).
pub fn leave(mouse: bool) {
    if mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    let _ = ratatui::try_restore();
}
