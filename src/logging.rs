//! The log file: `WATCHDECK_LOG` chooses the level of watchdeck's own events, and two guards keep
//! secrets out at every level. Dependencies never log below `info` (bollard's debug output is
//! every response body, container environments included), and every line is passed through
//! [`redact_secrets`](crate::redact::redact_secrets) on its way to the file.

use std::io::Write;

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::redact::redact_secrets;

/// The crate whose events `WATCHDECK_LOG=debug` and `trace` are for.
const OWN_TARGET: &str = "watchdeck";

/// Sends every event allowed by `spec` (an `EnvFilter` directive, `info` when absent or invalid)
/// to `writer`, redacted. Call once, before the first event.
pub fn install<W>(spec: Option<&str>, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(layer(spec, writer))
        .init();
}

/// The formatting layer with both guards, for [`install`] and the tests.
pub fn layer<S, W>(spec: Option<&str>, writer: W) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let chosen = spec
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Redacting(writer))
        .with_filter(chosen.and(filter_fn(dependency_below_debug)))
}

/// Whether an event may be logged whatever the chosen level: any of watchdeck's own, and a
/// dependency's only at `info` or more severe.
fn dependency_below_debug(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let own = target == OWN_TARGET || target.starts_with("watchdeck::");
    own || *metadata.level() <= Level::INFO
}

/// A `MakeWriter` whose writers redact what they are given.
struct Redacting<W>(W);

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for Redacting<W> {
    type Writer = RedactingWriter<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

/// The fmt layer writes each event with one `write_all` of whole lines, so each call can be
/// redacted on its own.
struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact_secrets(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what the layer writes.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut bytes) = self.0.lock() {
                bytes.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the log would say, at `spec`, of the events `emit` sends.
    pub(crate) fn logged(spec: &str, emit: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber =
            tracing_subscriber::registry().with(layer(Some(spec), move || sink.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buffer.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn dependencies_never_log_debug_even_at_trace() {
        let text = logged("trace", || {
            tracing::debug!(target: "bollard::docker", "Decoded into string: {{\"Env\":[\"API_TOKEN=hunter2\"]}}");
            tracing::trace!(target: "hyper::proto", "body API_TOKEN=hunter2");
            tracing::info!(target: "bollard::docker", "engine answered");
            tracing::debug!(target: "watchdeck::collect", "polled tcp://ops:hunter2@engine:2375");
        });
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("engine answered"), "{text}");
        assert!(text.contains("polled tcp://ops:***@engine:2375"), "{text}");
    }

    #[test]
    fn the_chosen_level_still_applies_to_watchdeck() {
        let text = logged("warn", || {
            tracing::info!(target: "watchdeck::app", "quiet");
            tracing::warn!(target: "watchdeck::app", "loud");
        });
        assert!(!text.contains("quiet") && text.contains("loud"), "{text}");
    }
}
