//! One series' samples: values XOR-compressed in chunks of consecutive slots of one timeline.
//! A chunk never spans two time chunks, so a time chunk is kept exactly as long as a value chunk
//! on it; whole chunks are dropped once every sample in them has left the window.

use std::mem::size_of;

use chrono::{DateTime, Utc};

use super::Sample;
use super::symbols::Symbol;
use super::timeline::{Slot, TimelineId, Timelines, Times};
use super::xor::{XorDecoder, XorEncoder};

#[derive(Debug, Clone)]
pub(super) struct ValueChunk {
    first_seq: u64,
    timeline: TimelineId,
    len: u32,
    /// The time of its newest sample: a chunk all older than the store's retention is dropped.
    newest: DateTime<Utc>,
    words: Vec<u64>,
}

impl ValueChunk {
    fn start(&self) -> Slot {
        Slot {
            timeline: self.timeline,
            seq: self.first_seq,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Series {
    pub(super) name: Symbol,
    /// Sorted by key, then value, as text.
    pub(super) labels: Box<[(Symbol, Symbol)]>,
    /// Oldest first. A series holds a handful, so it grows by one and drops from the front.
    chunks: Vec<ValueChunk>,
    /// Samples in `chunks`, and how many of the oldest of them are already out of the window.
    stored: u32,
    hidden: u32,
    /// Encodes into the newest chunk; its previous value is the latest sample's.
    encoder: Option<XorEncoder>,
    newest: Option<DateTime<Utc>>,
}

impl Series {
    pub(super) fn new(name: Symbol, labels: Box<[(Symbol, Symbol)]>) -> Self {
        Self {
            name,
            labels,
            chunks: Vec::new(),
            stored: 0,
            hidden: 0,
            encoder: None,
            newest: None,
        }
    }

    /// The slot of the newest sample.
    pub(super) fn last_slot(&self) -> Option<Slot> {
        let chunk = self.chunks.last()?;
        Some(Slot {
            timeline: chunk.timeline,
            seq: chunk.first_seq + u64::from(chunk.len) - 1,
        })
    }

    pub(super) fn newest(&self) -> Option<DateTime<Utc>> {
        self.newest
    }

    pub(super) fn latest(&self) -> Option<f64> {
        self.encoder.map(|e| e.previous())
    }

    pub(super) fn len(&self) -> usize {
        (self.stored - self.hidden) as usize
    }

    /// Stores `value` at `slot` (at `at`), keeping the newest `capacity` samples, and of the
    /// older ones no whole chunk older than `horizon`.
    #[allow(clippy::too_many_arguments)] // the store's settings, passed rather than kept per series
    pub(super) fn append(
        &mut self,
        slot: Slot,
        at: DateTime<Utc>,
        value: f64,
        capacity: usize,
        horizon: Option<DateTime<Utc>>,
        timelines: &mut Timelines,
        chunk_len: u64,
    ) {
        let follows = self.last_slot().is_some_and(|last| {
            last.timeline == slot.timeline
                && last.seq + 1 == slot.seq
                && !slot.seq.is_multiple_of(chunk_len)
        });
        match (self.chunks.last_mut(), &mut self.encoder) {
            (Some(chunk), Some(encoder)) if follows => {
                encoder.push(&mut chunk.words, value);
                chunk.len += 1;
                chunk.newest = at;
            }
            (sealed, _) => {
                if let Some(sealed) = sealed {
                    sealed.words.shrink_to_fit();
                }
                timelines.retain(slot);
                let mut words = Vec::new();
                self.encoder = Some(XorEncoder::first(&mut words, value));
                self.chunks.reserve_exact(1);
                self.chunks.push(ValueChunk {
                    first_seq: slot.seq,
                    timeline: slot.timeline,
                    len: 1,
                    newest: at,
                    words,
                });
            }
        }
        self.stored += 1;
        self.newest = Some(at);
        if self.len() > capacity {
            self.hidden += 1;
        }
        // A series that reports less often than the store's cadence would keep `capacity`
        // samples of a longer time than the store's window: its whole chunks past it go too.
        while let Some(oldest) = self.chunks.first()
            && (oldest.len <= self.hidden
                || self.chunks.len() > 1 && horizon.is_some_and(|h| oldest.newest < h))
        {
            self.hidden = self.hidden.saturating_sub(oldest.len);
            self.stored -= oldest.len;
            timelines.release(oldest.start());
            self.chunks.remove(0);
        }
    }

    /// Gives back every time chunk this series holds, before it is dropped.
    pub(super) fn release(&self, timelines: &mut Timelines) {
        for chunk in &self.chunks {
            timelines.release(chunk.start());
        }
    }

    pub(super) fn history<'a>(&'a self, timelines: &'a Timelines) -> History<'a> {
        History {
            chunks: self.chunks.iter(),
            timelines,
            current: None,
            skip: self.hidden,
            remaining: self.len(),
        }
    }

    /// Heap bytes held by this series (its labels and chunks), not the series itself.
    pub(super) fn heap_bytes(&self) -> usize {
        self.labels.len() * size_of::<(Symbol, Symbol)>()
            + self.chunks.capacity() * size_of::<ValueChunk>()
            + self
                .chunks
                .iter()
                .map(|c| c.words.capacity() * size_of::<u64>())
                .sum::<usize>()
    }
}

/// A series' samples, oldest first.
#[derive(Debug, Clone)]
pub struct History<'a> {
    chunks: std::slice::Iter<'a, ValueChunk>,
    timelines: &'a Timelines,
    current: Option<(XorDecoder<'a>, Times<'a>, u32)>,
    skip: u32,
    remaining: usize,
}

impl History<'_> {
    pub(super) fn empty(timelines: &Timelines) -> History<'_> {
        History {
            chunks: [].iter(),
            timelines,
            current: None,
            skip: 0,
            remaining: 0,
        }
    }
}

impl Iterator for History<'_> {
    type Item = Sample;

    fn next(&mut self) -> Option<Sample> {
        while self.remaining > 0 {
            if let Some((values, times, left)) = &mut self.current
                && *left > 0
            {
                *left -= 1;
                let value = values.next_value();
                let at = times.next_time();
                if self.skip > 0 {
                    self.skip -= 1;
                    continue;
                }
                self.remaining -= 1;
                return Some(Sample { at, value });
            }
            let next = self.chunks.next().and_then(|chunk| {
                let times = self.timelines.times_from(chunk.start())?;
                Some((XorDecoder::new(&chunk.words), times, chunk.len))
            });
            if next.is_none() {
                self.remaining = 0;
            }
            self.current = next;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for History<'_> {}
