//! The app loop: one owner of the state. It waits on terminal input, source updates, command
//! results, a 1 Hz tick and signals; drains what is ready; and redraws only when something
//! changed, at most about 30 times a second. It never awaits I/O itself.

use std::time::Duration;

use chrono::{DateTime, Local, Offset, Utc};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::alerts::alertmanager::to_push;
use crate::collect;
use crate::collect::endpoints::ProbeTriggers;
use crate::collect::supervisor::SourceTasks;
use crate::config::Loaded;
use crate::effect::Executor;
use crate::input::{route_key, route_mouse};
use crate::model::alertmanager::PushedAlert;
use crate::msg::Msg;
use crate::screen;
use crate::sources::SourceRegistry;
use crate::sources::start::Wiring;
use crate::state::AppState;
use crate::ui::RenderCtx;
use crate::update::update;

const FRAME: Duration = Duration::from_millis(33);
/// How long a source's report waits for the others before it is drawn: sources report on the
/// second, a few milliseconds apart, and one frame for all of them costs half of one each.
const SETTLE: Duration = Duration::from_millis(25);
const CHANNEL_CAPACITY: usize = 256;
/// How long an exit waits for the alerts' last save (a slow disk must not hold the console).
const SAVE_ON_EXIT: Duration = Duration::from_secs(3);

/// Why the loop ended, for the log and the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(&'static str),
    InputClosed,
}

pub struct App {
    state: AppState,
    loaded: Loaded,
    executor: Executor,
    sender: mpsc::Sender<Msg>,
    receiver: mpsc::Receiver<Msg>,
    /// The sources to start, and their running tasks.
    registry: SourceRegistry,
    sources: SourceTasks,
    cancel: CancellationToken,
    probes: ProbeTriggers,
    /// Tells the host sampler whether the process table is on screen.
    processes_wanted: watch::Sender<bool>,
    /// The console's own alerts, for the Alertmanagers with `push`, and the evaluation they are of.
    pushed: watch::Sender<Vec<PushedAlert>>,
    pushed_evaluation: Option<DateTime<Utc>>,
}

impl App {
    pub fn new(
        state: AppState,
        loaded: Loaded,
        registry: SourceRegistry,
        make_executor: impl FnOnce(mpsc::Sender<Msg>) -> Executor,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let probes = ProbeTriggers::new(loaded.config.endpoint.iter().map(|e| e.name.as_str()));
        let executor = make_executor(sender.clone()).with_probe_triggers(probes.clone());
        let cancel = CancellationToken::new();
        let processes_wanted = watch::Sender::new(state.shows_processes());
        Self {
            state,
            loaded,
            executor,
            sender,
            receiver,
            registry,
            sources: SourceTasks::new(cancel.clone()),
            cancel,
            probes,
            processes_wanted,
            pushed: watch::Sender::new(Vec::new()),
            pushed_evaluation: None,
        }
    }

    /// Starts every source of the registry; [`SourceTasks`] starts again any that dies.
    fn start_sources(&mut self) {
        let wiring = Wiring {
            sender: self.sender.clone(),
            cancel: self.cancel.clone(),
            processes_wanted: &self.processes_wanted,
            pushed: &self.pushed,
            probes: &self.probes,
        };
        for source in self.registry.iter() {
            source.start(&mut self.sources, &wiring);
        }
    }

    fn dispatch(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg, Utc::now()) {
            self.executor.spawn(effect);
        }
        let shown = self.state.shows_processes();
        self.processes_wanted.send_if_modified(|wanted| {
            let changed = *wanted != shown;
            *wanted = shown;
            changed
        });
        if self.pushed.receiver_count() > 0
            && self.state.alerts.evaluated_at != self.pushed_evaluation
        {
            self.pushed_evaluation = self.state.alerts.evaluated_at;
            let alerts = to_push(&self.state.alerts.alerts, &self.state.host);
            self.pushed.send_if_modified(|pushed| {
                let changed = *pushed != alerts;
                if changed {
                    *pushed = alerts;
                }
                changed
            });
        }
    }

    pub async fn run(mut self, terminal: &mut DefaultTerminal) -> std::io::Result<Exit> {
        self.start_sources();
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut events = EventStream::new();
        // Tick a quarter second after each wall-clock second: sources poll on the second, so their
        // frame already shows the new time and the tick usually finds nothing left to draw.
        let mut tick = tokio::time::interval_at(
            collect::next_second(Duration::from_millis(250)),
            Duration::from_secs(1),
        );
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut dirty = true;
        // Input is answered at once; only frames for data wait out the frame cap, so a key that
        // lands just after a data frame is not held back by it.
        let mut answer_input = false;
        let mut next_frame = Instant::now();
        let mut last_draw = Instant::now();
        let mut size = terminal.size().map(Rect::from)?;

        let exit = loop {
            tokio::select! {
                _ = terminate.recv() => break Exit::Signal("SIGTERM"),
                _ = hangup.recv() => break Exit::Signal("SIGHUP"),
                _ = interrupt.recv() => break Exit::Signal("SIGINT"),
                event = events.next() => match event {
                    Some(Ok(event)) => {
                        let msg = match event {
                            Event::Key(key) => route_key(&self.state, &self.loaded.keymap, key),
                            Event::Mouse(mouse) => route_mouse(&self.state, size, mouse),
                            Event::Resize(width, height) => {
                                size = Rect::new(0, 0, width, height);
                                dirty = true;
                                None
                            }
                            _ => None,
                        };
                        if let Some(msg) = msg {
                            self.dispatch(msg);
                            dirty = true;
                            answer_input = true;
                        }
                    }
                    Some(Err(error)) => {
                        tracing::error!(%error, "terminal input failed");
                        break Exit::InputClosed;
                    }
                    None => break Exit::InputClosed,
                },
                death = self.sources.next_death() => {
                    self.dispatch(Msg::SourceDied(death));
                    dirty = true;
                }
                Some(msg) = self.receiver.recv() => {
                    self.dispatch(msg);
                    while let Ok(msg) = self.receiver.try_recv() {
                        self.dispatch(msg);
                    }
                    if !dirty {
                        next_frame = next_frame.max(Instant::now() + SETTLE);
                    }
                    dirty = true;
                }
                _ = tick.tick() => {
                    // Redraw for the tick only if it changed something or nothing else drew this
                    // second: with a 1 s refresh the sample's frame already shows the new time.
                    // A source going stale is news too, even while the others keep drawing.
                    let before = (self.state.toasts.len(), self.state.tab);
                    let sources_before = self.state.sources.clone();
                    self.dispatch(Msg::Tick);
                    let stale = last_draw.elapsed() >= Duration::from_millis(950);
                    dirty |= stale
                        || before != (self.state.toasts.len(), self.state.tab)
                        || sources_before != self.state.sources;
                }
                _ = tokio::time::sleep_until(if answer_input { Instant::now() } else { next_frame }), if dirty => {
                    let now = Utc::now();
                    let ctx = RenderCtx { theme: &self.loaded.theme, keymap: &self.loaded.keymap, now, offset: Local::now().offset().fix() };
                    let mut rows_in_view = None;
                    terminal.draw(|frame| rows_in_view = screen::draw(frame, &self.state, &ctx))?;
                    // What the frame had room for moves nothing on screen: no redraw for it.
                    if let Some(rows_in_view) = rows_in_view {
                        self.dispatch(Msg::Drawn { rows_in_view });
                    }
                    dirty = false;
                    answer_input = false;
                    last_draw = Instant::now();
                    next_frame = last_draw + FRAME;
                }
            }
            if self.state.should_quit {
                break Exit::Quit;
            }
        };
        self.cancel.cancel();
        self.executor.finish_saves(SAVE_ON_EXIT).await;
        Ok(exit)
    }
}
