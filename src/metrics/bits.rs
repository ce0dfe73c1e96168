//! Bit streams packed most significant bit first into 64-bit words, for the value and time codecs.

/// Appends the low `count` bits of `value` (`count` at most 64) to the stream of `len` bits.
pub(super) fn write(words: &mut Vec<u64>, len: &mut u32, value: u64, count: u32) {
    if count == 0 {
        return;
    }
    let value = if count == 64 {
        value
    } else {
        value & ((1 << count) - 1)
    };
    let used = *len % 64;
    if used == 0 {
        words.push(0);
    }
    let free = 64 - used;
    if let Some(last) = words.last_mut() {
        if count <= free {
            *last |= value << (free - count);
        } else {
            *last |= value >> (count - free);
            words.push(value << (64 - (count - free)));
        }
    }
    *len += count;
}

/// Reads a stream written by [`write`]; past its end it reads zeros.
#[derive(Debug, Clone)]
pub(super) struct BitReader<'a> {
    words: &'a [u64],
    position: usize,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(words: &'a [u64]) -> Self {
        Self { words, position: 0 }
    }

    /// The next `count` bits (at most 64) as the low bits of the result.
    pub(super) fn read(&mut self, count: u32) -> u64 {
        if count == 0 {
            return 0;
        }
        let word = |index: usize| self.words.get(index).copied().unwrap_or(0);
        let used = (self.position % 64) as u32;
        let available = 64 - used;
        let head = word(self.position / 64) << used;
        let mut value = head >> (64 - count);
        if count > available {
            value |= word(self.position / 64 + 1) >> (64 - (count - available));
        }
        self.position += count as usize;
        value
    }

    pub(super) fn read_bit(&mut self) -> bool {
        self.read(1) == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_every_width_round_trip_across_word_boundaries() {
        let mut words = Vec::new();
        let mut len = 0;
        let fields: Vec<(u64, u32)> = (0..=64u32)
            .chain((0..=64).rev())
            .map(|count| (0xDEAD_BEEF_F00D_CAFE_u64.rotate_left(count), count))
            .collect();
        for &(value, count) in &fields {
            write(&mut words, &mut len, value, count);
        }
        assert_eq!(len, fields.iter().map(|f| f.1).sum::<u32>());
        assert_eq!(words.len(), (len as usize).div_ceil(64));
        let mut reader = BitReader::new(&words);
        for &(value, count) in &fields {
            let mask = if count == 64 {
                u64::MAX
            } else {
                (1 << count) - 1
            };
            assert_eq!(reader.read(count), value & mask, "{count} bits");
        }
        assert_eq!(reader.read(64), 0, "past the end reads zeros");
    }
}
