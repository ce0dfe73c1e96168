//! Shared timestamp columns. The series of one report are recorded at one instant, so they share
//! a timeline: its timestamps are stored once, and a series' samples name timeline slots by
//! sequence number. Timestamps are nanoseconds, delta-of-delta encoded in chunks of `chunk_len`
//! slots: a regular cadence costs a bit a timestamp, a few milliseconds of jitter 27 bits.

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;

use chrono::{DateTime, Utc};

use super::bits::{self, BitReader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct TimelineId(u32);

/// A timeline slot: the timeline and the sequence number of one timestamp on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Slot {
    pub(super) timeline: TimelineId,
    pub(super) seq: u64,
}

#[derive(Debug, Clone)]
struct TimeChunk {
    first_seq: u64,
    /// Value chunks that hold samples on this chunk's slots; the oldest chunk is dropped at zero.
    refs: u32,
    words: Vec<u64>,
}

#[derive(Debug, Clone)]
struct Timeline {
    /// Contiguous: every chunk but the newest holds exactly `chunk_len` slots.
    chunks: VecDeque<TimeChunk>,
    next_seq: u64,
    newest: DateTime<Utc>,
    encoder: DeltaEncoder,
    /// Value chunks on this timeline; the timeline is freed at zero.
    refs: u32,
}

#[derive(Debug, Clone, Copy)]
struct DeltaEncoder {
    previous: i128,
    delta: i128,
    len: u32,
}

/// Every timeline of a store.
#[derive(Debug, Clone)]
pub(super) struct Timelines {
    slots: Vec<Option<Timeline>>,
    free: Vec<u32>,
    /// The timeline each newest timestamp was last pushed on, so a series can join its report.
    by_newest: HashMap<DateTime<Utc>, TimelineId>,
    /// The timelines started at [`forks_at`](Self::forks_at) by series that left a timeline,
    /// keyed by the slot they left from: the series of one report that left together.
    forks: HashMap<Slot, TimelineId>,
    forks_at: Option<DateTime<Utc>>,
    chunk_len: u64,
}

impl Timelines {
    pub(super) fn new(chunk_len: u64) -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            by_newest: HashMap::new(),
            forks: HashMap::new(),
            forks_at: None,
            chunk_len: chunk_len.max(1),
        }
    }

    fn get(&self, id: TimelineId) -> Option<&Timeline> {
        self.slots.get(id.0 as usize)?.as_ref()
    }

    fn get_mut(&mut self, id: TimelineId) -> Option<&mut Timeline> {
        self.slots.get_mut(id.0 as usize)?.as_mut()
    }

    /// The newest slot of `id` and its timestamp.
    pub(super) fn newest(&self, id: TimelineId) -> Option<(Slot, DateTime<Utc>)> {
        let timeline = self.get(id)?;
        let seq = timeline.next_seq.checked_sub(1)?;
        Some((Slot { timeline: id, seq }, timeline.newest))
    }

    /// The newest slot of the timeline whose newest timestamp is `at`, if there is one.
    pub(super) fn newest_at(&self, at: DateTime<Utc>) -> Option<Slot> {
        let id = *self.by_newest.get(&at)?;
        self.newest(id)
            .filter(|(_, newest)| *newest == at)
            .map(|(slot, _)| slot)
    }

    /// A new timeline holding `at`. It lives while value chunks [`retain`](Self::retain) it.
    pub(super) fn create(&mut self, at: DateTime<Utc>) -> Slot {
        let timeline = Timeline {
            chunks: VecDeque::new(),
            next_seq: 0,
            newest: at,
            encoder: DeltaEncoder {
                previous: 0,
                delta: 0,
                len: 0,
            },
            refs: 0,
        };
        let id = match self.free.pop() {
            Some(index) => {
                self.slots[index as usize] = Some(timeline);
                TimelineId(index)
            }
            None => {
                self.slots.push(Some(timeline));
                TimelineId(self.slots.len() as u32 - 1)
            }
        };
        self.push(id, at).unwrap_or(Slot {
            timeline: id,
            seq: 0,
        })
    }

    /// A slot at `at` for a series whose newest sample is at `left`, on a timeline that went on
    /// without it: the timeline started by the first such series of this report, or a new one.
    /// Only the latest report's forks are remembered: a report's series come one after another.
    pub(super) fn fork(&mut self, left: Slot, at: DateTime<Utc>) -> Slot {
        if self.forks_at != Some(at) {
            self.forks.clear();
            self.forks_at = Some(at);
        }
        if let Some(&id) = self.forks.get(&left)
            && let Some((slot, newest)) = self.newest(id)
            && newest == at
        {
            return slot;
        }
        let slot = self.create(at);
        self.forks.insert(left, slot.timeline);
        slot
    }

    /// Appends `at` to timeline `id`, returning its slot.
    pub(super) fn push(&mut self, id: TimelineId, at: DateTime<Utc>) -> Option<Slot> {
        let chunk_len = self.chunk_len;
        let timeline = self.get_mut(id)?;
        let seq = timeline.next_seq;
        let nanos = nanos(at);
        if seq % chunk_len == 0 {
            if let Some(sealed) = timeline.chunks.back_mut() {
                sealed.words.shrink_to_fit();
            }
            let mut words = Vec::new();
            let mut len = 0;
            bits::write(&mut words, &mut len, (nanos >> 64) as u64, 64);
            bits::write(&mut words, &mut len, nanos as u64, 64);
            timeline.chunks.push_back(TimeChunk {
                first_seq: seq,
                refs: 0,
                words,
            });
            timeline.encoder = DeltaEncoder {
                previous: nanos,
                delta: 0,
                len,
            };
        } else if let Some(chunk) = timeline.chunks.back_mut() {
            let encoder = &mut timeline.encoder;
            let delta = nanos - encoder.previous;
            write_delta_of_delta(&mut chunk.words, &mut encoder.len, delta - encoder.delta);
            encoder.previous = nanos;
            encoder.delta = delta;
        }
        timeline.next_seq += 1;
        let previous = std::mem::replace(&mut timeline.newest, at);
        if self.by_newest.get(&previous) == Some(&id) {
            self.by_newest.remove(&previous);
        }
        self.by_newest.insert(at, id);
        Some(Slot { timeline: id, seq })
    }

    /// A value chunk starts at `slot`: keep the time chunk holding it.
    pub(super) fn retain(&mut self, slot: Slot) {
        let chunk_len = self.chunk_len;
        if let Some(timeline) = self.get_mut(slot.timeline) {
            timeline.refs += 1;
            if let Some(index) = chunk_of(timeline, slot.seq, chunk_len) {
                timeline.chunks[index].refs += 1;
            }
        }
    }

    /// The value chunk that started at `slot` is gone: drop the time chunks and the timeline
    /// no value chunk needs any more.
    pub(super) fn release(&mut self, slot: Slot) {
        let chunk_len = self.chunk_len;
        let Some(timeline) = self.get_mut(slot.timeline) else {
            return;
        };
        timeline.refs = timeline.refs.saturating_sub(1);
        if let Some(index) = chunk_of(timeline, slot.seq, chunk_len) {
            let chunk = &mut timeline.chunks[index];
            chunk.refs = chunk.refs.saturating_sub(1);
        }
        while timeline.chunks.len() > 1 && timeline.chunks.front().is_some_and(|c| c.refs == 0) {
            timeline.chunks.pop_front();
        }
        if timeline.refs == 0 {
            let newest = timeline.newest;
            self.slots[slot.timeline.0 as usize] = None;
            self.free.push(slot.timeline.0);
            if self.by_newest.get(&newest) == Some(&slot.timeline) {
                self.by_newest.remove(&newest);
            }
        }
    }

    /// The timestamps from `slot` on, in order.
    pub(super) fn times_from(&self, slot: Slot) -> Option<Times<'_>> {
        let timeline = self.get(slot.timeline)?;
        let chunk = &timeline.chunks[chunk_of(timeline, slot.seq, self.chunk_len)?];
        let mut times = Times {
            reader: BitReader::new(&chunk.words),
            previous: None,
            delta: 0,
        };
        for _ in chunk.first_seq..slot.seq {
            times.next_nanos();
        }
        Some(times)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    pub(super) fn memory_bytes(&self) -> usize {
        let timelines: usize = self
            .slots
            .iter()
            .flatten()
            .map(|t| {
                t.chunks.capacity() * size_of::<TimeChunk>()
                    + t.chunks
                        .iter()
                        .map(|c| c.words.capacity() * size_of::<u64>())
                        .sum::<usize>()
            })
            .sum();
        timelines
            + self.slots.capacity() * size_of::<Option<Timeline>>()
            + self.free.capacity() * size_of::<u32>()
            + super::memory::hash_map_bytes(&self.by_newest)
            + super::memory::hash_map_bytes(&self.forks)
    }
}

/// The index in `timeline.chunks` of the chunk holding `seq`.
fn chunk_of(timeline: &Timeline, seq: u64, chunk_len: u64) -> Option<usize> {
    let first = timeline.chunks.front()?.first_seq;
    let index = (seq.checked_sub(first)? / chunk_len) as usize;
    (index < timeline.chunks.len() && seq < timeline.next_seq).then_some(index)
}

/// Nanoseconds since the epoch, wider than chrono's i64 so every `DateTime` fits. chrono
/// represents a leap second as a second with 1e9 or more nanoseconds; it never makes one from the
/// system clock, and one here reads back as the next second.
fn nanos(at: DateTime<Utc>) -> i128 {
    match at.timestamp_nanos_opt() {
        Some(nanos) => i128::from(nanos),
        None => {
            i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos())
        }
    }
}

fn from_nanos(nanos: i128) -> DateTime<Utc> {
    if let Ok(nanos) = i64::try_from(nanos) {
        return DateTime::from_timestamp_nanos(nanos);
    }
    let seconds = nanos.div_euclid(1_000_000_000) as i64;
    let subsec = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(seconds, subsec).unwrap_or_default()
}

/// Prefix `0` for an unchanged delta, then ever wider signed fields, then the whole value.
const BUCKETS: [(u64, u32, u32); 3] = [(0b10, 2, 14), (0b110, 3, 24), (0b1110, 4, 34)];

fn write_delta_of_delta(words: &mut Vec<u64>, len: &mut u32, value: i128) {
    if value == 0 {
        bits::write(words, len, 0, 1);
        return;
    }
    for (prefix, prefix_len, width) in BUCKETS {
        let half = 1i128 << (width - 1);
        if (-half..half).contains(&value) {
            bits::write(words, len, prefix, prefix_len);
            bits::write(words, len, value as u64, width);
            return;
        }
    }
    bits::write(words, len, 0b1111, 4);
    bits::write(words, len, (value >> 64) as u64, 64);
    bits::write(words, len, value as u64, 64);
}

/// Decodes the timestamps of one time chunk.
#[derive(Debug, Clone)]
pub(super) struct Times<'a> {
    reader: BitReader<'a>,
    previous: Option<i128>,
    delta: i128,
}

impl Times<'_> {
    fn next_nanos(&mut self) -> i128 {
        let Some(previous) = self.previous else {
            let value = self.read_i128();
            self.previous = Some(value);
            return value;
        };
        let mut ones = 0usize;
        while ones < 4 && self.reader.read_bit() {
            ones += 1;
        }
        let delta_of_delta = match ones.checked_sub(1).map(|i| BUCKETS.get(i)) {
            None => 0,
            Some(Some(&(_, _, width))) => {
                let raw = self.reader.read(width);
                i128::from(((raw << (64 - width)) as i64) >> (64 - width))
            }
            Some(None) => self.read_i128(),
        };
        self.delta += delta_of_delta;
        let value = previous + self.delta;
        self.previous = Some(value);
        value
    }

    fn read_i128(&mut self) -> i128 {
        let high = self.reader.read(64);
        let low = self.reader.read(64);
        ((u128::from(high) << 64) | u128::from(low)) as i128
    }

    pub(super) fn next_time(&mut self) -> DateTime<Utc> {
        from_nanos(self.next_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::xor::tests::Rng;
    use chrono::TimeZone;

    /// The timestamps of `count` slots from `slot` on, within its time chunk.
    fn collect(timelines: &Timelines, slot: Slot, count: usize) -> Vec<DateTime<Utc>> {
        let mut times = timelines.times_from(slot).expect("the slot is kept");
        (0..count).map(|_| times.next_time()).collect()
    }

    #[test]
    fn timestamps_round_trip_whatever_their_spacing() {
        let mut rng = Rng(3);
        let base = Utc
            .timestamp_opt(1_700_000_000, 123_456_789)
            .single()
            .expect("valid");
        let mut at = base;
        let mut expected = Vec::new();
        for i in 0..2000 {
            let step = match i % 7 {
                0 => chrono::Duration::seconds(1),
                1 => chrono::Duration::nanoseconds(1_000_000_000 + rng.below(4_000_000) as i64),
                2 => chrono::Duration::nanoseconds(rng.below(10_000) as i64 - 5_000),
                3 => chrono::Duration::days(400),
                4 => -chrono::Duration::days(30_000),
                5 => chrono::Duration::zero(),
                _ => chrono::Duration::seconds(15),
            };
            at += step;
            expected.push(at);
        }
        let extremes = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, base];
        expected.extend(extremes);

        let mut timelines = Timelines::new(64);
        let first = timelines.create(expected[0]);
        timelines.retain(first);
        for at in &expected[1..] {
            timelines.push(first.timeline, *at);
        }
        for (seq, want) in expected.iter().enumerate() {
            let slot = Slot {
                seq: seq as u64,
                ..first
            };
            assert_eq!(collect(&timelines, slot, 1), [*want], "slot {seq}");
        }
        let chunk = Slot { seq: 1024, ..first };
        assert_eq!(collect(&timelines, chunk, 64), expected[1024..1088]);
    }

    #[test]
    fn a_regular_cadence_costs_a_bit_a_timestamp() {
        let mut timelines = Timelines::new(1024);
        let start = Utc.timestamp_opt(1_700_000_000, 0).single().expect("valid");
        let slot = timelines.create(start);
        timelines.retain(slot);
        for i in 1..1024 {
            timelines.push(slot.timeline, start + chrono::Duration::seconds(i));
        }
        let timeline = timelines.get(slot.timeline).expect("kept");
        assert_eq!(timeline.encoder.len, 128 + 38 + 1022);
    }

    #[test]
    fn chunks_go_when_no_value_chunk_needs_them_and_the_timeline_with_the_last() {
        let mut timelines = Timelines::new(4);
        let start = Utc.timestamp_opt(1_700_000_000, 0).single().expect("valid");
        let first = timelines.create(start);
        timelines.retain(first);
        let mut later = first;
        for i in 1..10 {
            later = timelines
                .push(first.timeline, start + chrono::Duration::seconds(i))
                .expect("pushed");
        }
        timelines.retain(later);
        assert_eq!(
            timelines.get(first.timeline).map(|t| t.chunks.len()),
            Some(3)
        );
        assert_eq!(
            timelines.newest_at(start + chrono::Duration::seconds(9)),
            Some(later)
        );
        timelines.release(first);
        assert_eq!(
            timelines.get(first.timeline).map(|t| t.chunks.len()),
            Some(1)
        );
        assert!(timelines.times_from(first).is_none());
        assert_eq!(
            collect(&timelines, later, 1),
            [start + chrono::Duration::seconds(9)]
        );
        timelines.release(later);
        assert!(timelines.get(first.timeline).is_none());
        assert!(
            timelines
                .newest_at(start + chrono::Duration::seconds(9))
                .is_none()
        );
    }
}
