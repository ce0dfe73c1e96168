//! The panic hook while the UI runs: a panic in a task leaves the screen alone, since the app goes
//! on (a source task is restarted); only a panic of the UI thread restores the terminal.
//! Its own test binary: a panic hook is global to the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use watchdeck::tui::ui_thread_only;

#[test]
fn only_a_panic_on_the_ui_thread_restores_the_terminal() {
    let restores = Arc::new(AtomicU32::new(0));
    let counted = restores.clone();
    std::panic::set_hook(ui_thread_only(
        std::thread::current().id(),
        Box::new(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        }),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let task = runtime.block_on(async { tokio::spawn(async { panic!("source task") }).await });
    let task_panicked = task.is_err_and(|e| e.is_panic());
    let in_task = restores.load(Ordering::SeqCst);
    let ui = std::panic::catch_unwind(|| panic!("ui thread"));
    let on_ui = restores.load(Ordering::SeqCst);
    drop(std::panic::take_hook());
    assert!(task_panicked);
    assert_eq!(in_task, 0, "a task's panic left the terminal as it was");
    assert!(ui.is_err());
    assert_eq!(on_ui, 1, "the UI thread's panic restored the terminal");
}
