//! Values compressed as in Facebook's Gorilla paper (§4.1.2): each value is XORed with the one
//! before it. An unchanged value costs one bit (`0`); otherwise `1` is followed either by `0` and
//! the meaningful bits inside the previous value's window of leading and trailing zeros, or by `1`,
//! the count of leading zeros (5 bits), the count of meaningful bits less one (6 bits) and those
//! bits. The first value of a chunk is stored whole. Bit patterns round-trip exactly: NaN payloads,
//! ±0 and infinities included.

use super::bits::{self, BitReader};

/// What the encoder of a chunk remembers between values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct XorEncoder {
    previous: u64,
    window: Option<Window>,
    /// Bits written so far.
    pub(super) len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    leading: u32,
    trailing: u32,
}

impl Window {
    fn meaningful(self) -> u32 {
        64 - self.leading - self.trailing
    }
}

/// The five bits of the leading zero count hold at most 31.
const MAX_LEADING: u32 = 31;

impl XorEncoder {
    /// Starts a chunk: `words` must be empty.
    pub(super) fn first(words: &mut Vec<u64>, value: f64) -> Self {
        let mut len = 0;
        bits::write(words, &mut len, value.to_bits(), 64);
        Self {
            previous: value.to_bits(),
            window: None,
            len,
        }
    }

    /// The value pushed last.
    pub(super) fn previous(&self) -> f64 {
        f64::from_bits(self.previous)
    }

    pub(super) fn push(&mut self, words: &mut Vec<u64>, value: f64) {
        let xor = value.to_bits() ^ self.previous;
        self.previous = value.to_bits();
        if xor == 0 {
            bits::write(words, &mut self.len, 0, 1);
            return;
        }
        let leading = xor.leading_zeros().min(MAX_LEADING);
        let trailing = xor.trailing_zeros();
        match self.window {
            Some(window) if leading >= window.leading && trailing >= window.trailing => {
                bits::write(words, &mut self.len, 0b10, 2);
                bits::write(
                    words,
                    &mut self.len,
                    xor >> window.trailing,
                    window.meaningful(),
                );
            }
            _ => {
                let window = Window { leading, trailing };
                bits::write(words, &mut self.len, 0b11, 2);
                bits::write(words, &mut self.len, u64::from(leading), 5);
                bits::write(words, &mut self.len, u64::from(window.meaningful() - 1), 6);
                bits::write(words, &mut self.len, xor >> trailing, window.meaningful());
                self.window = Some(window);
            }
        }
    }
}

/// Reads back the values of one chunk, as many as the caller knows it holds.
#[derive(Debug, Clone)]
pub(super) struct XorDecoder<'a> {
    reader: BitReader<'a>,
    previous: Option<u64>,
    window: Window,
}

impl<'a> XorDecoder<'a> {
    pub(super) fn new(words: &'a [u64]) -> Self {
        Self {
            reader: BitReader::new(words),
            previous: None,
            window: Window {
                leading: 0,
                trailing: 0,
            },
        }
    }

    pub(super) fn next_value(&mut self) -> f64 {
        let bits = match self.previous {
            None => self.reader.read(64),
            Some(previous) if !self.reader.read_bit() => previous,
            Some(previous) => {
                if self.reader.read_bit() {
                    let leading = self.reader.read(5) as u32;
                    let meaningful = self.reader.read(6) as u32 + 1;
                    self.window = Window {
                        leading,
                        trailing: 64 - leading - meaningful,
                    };
                }
                let xor = self.reader.read(self.window.meaningful()) << self.window.trailing;
                previous ^ xor
            }
        };
        self.previous = Some(bits);
        f64::from_bits(bits)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// SplitMix64: a small seeded generator, so every run checks the same sequences.
    pub(in crate::metrics) struct Rng(pub u64);

    impl Rng {
        pub(in crate::metrics) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        pub(in crate::metrics) fn below(&mut self, bound: u64) -> u64 {
            self.next_u64() % bound
        }
    }

    fn encode(values: &[f64]) -> (Vec<u64>, u32) {
        let mut words = Vec::new();
        let Some((first, rest)) = values.split_first() else {
            return (words, 0);
        };
        let mut encoder = XorEncoder::first(&mut words, *first);
        for value in rest {
            encoder.push(&mut words, *value);
        }
        (words, encoder.len)
    }

    fn assert_round_trip(values: &[f64]) -> u32 {
        let (words, len) = encode(values);
        assert_eq!(words.len(), (len as usize).div_ceil(64));
        let mut decoder = XorDecoder::new(&words);
        for (i, value) in values.iter().enumerate() {
            let decoded = decoder.next_value();
            assert_eq!(
                decoded.to_bits(),
                value.to_bits(),
                "value {i}: {decoded} for {value} in {values:?}"
            );
        }
        len
    }

    const SPECIALS: [f64; 10] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1.0,
    ];

    #[test]
    fn special_values_round_trip_bit_for_bit() {
        let payload_nan = f64::from_bits(0x7FF8_0000_0000_BEEF);
        let negative_nan = f64::from_bits(0xFFF0_0000_0000_0001);
        let mut values = SPECIALS.to_vec();
        values.extend([payload_nan, negative_nan, 5e-324, -5e-324]);
        assert_round_trip(&values);
        for a in SPECIALS {
            for b in SPECIALS {
                assert_round_trip(&[a, b, a, a, b, b]);
            }
        }
    }

    #[test]
    fn an_unchanged_value_costs_one_bit() {
        let len = assert_round_trip(&[1.0; 1000]);
        assert_eq!(len, 64 + 999);
        let len = assert_round_trip(&[f64::NAN; 100]);
        assert_eq!(len, 64 + 99);
    }

    #[test]
    fn alternating_values_reuse_the_window() {
        let values: Vec<f64> = (0..1000)
            .map(|i| if i % 2 == 0 { 12.5 } else { 13.25 })
            .collect();
        let len = assert_round_trip(&values);
        let xor = 12.5f64.to_bits() ^ 13.25f64.to_bits();
        let meaningful = 64 - xor.leading_zeros() - xor.trailing_zeros();
        assert_eq!(len, 64 + (2 + 5 + 6 + meaningful) + 998 * (2 + meaningful));
    }

    #[test]
    fn random_sequences_round_trip() {
        let mut rng = Rng(7);
        for _ in 0..300 {
            let length = 1 + rng.below(300) as usize;
            let kind = rng.below(5);
            let mut walk = 50.0f64;
            let values: Vec<f64> = (0..length)
                .map(|_| match kind {
                    0 => f64::from_bits(rng.next_u64()),
                    1 => SPECIALS[rng.below(SPECIALS.len() as u64) as usize],
                    2 => {
                        walk += (rng.below(2001) as f64 - 1000.0) / 1000.0;
                        f64::from(walk as f32)
                    }
                    3 => (rng.below(1 << 20) as f64) * 4096.0,
                    _ if rng.below(10) == 0 => f64::from_bits(rng.next_u64()),
                    _ => 1.0,
                })
                .collect();
            assert_round_trip(&values);
        }
    }

    #[test]
    fn a_random_f64_costs_about_its_own_width() {
        let mut rng = Rng(11);
        let values: Vec<f64> = (0..10_000)
            .map(|_| f64::from_bits(rng.next_u64()))
            .collect();
        let len = assert_round_trip(&values);
        let per_value = f64::from(len) / values.len() as f64;
        assert!((64.0..70.0).contains(&per_value), "{per_value}");
    }
}
