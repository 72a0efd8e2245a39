//! A small structure-unaware mutator, in the spirit of libFuzzer's: bit
//! flips, boundary integers, inserted, deleted and duplicated ranges,
//! splices of another input and dictionary tokens. Deterministic for a
//! given [`Rng`] seed, so a failing run can be repeated.

/// xorshift64*: fast, seedable, good enough to pick mutations.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value; 0 is remapped).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Integers at the edges parsers get wrong: zero, one, the sign bits and
/// the maxima of each width.
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// Changes `input` in place with one to four mutations, keeping it at most
/// `max_len` bytes. `other` is another corpus entry to splice from, `dict`
/// the target's tokens.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8], dict: &[&[u8]], max_len: usize) {
    for _ in 0..1 + rng.below(4) {
        mutate_once(rng, input, other, dict);
    }
    input.truncate(max_len);
}

fn mutate_once(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8], dict: &[&[u8]]) {
    let len = input.len();
    let at = rng.below(len + 1);
    match rng.below(10) {
        0 | 1 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            input[i] = rng.next_u64() as u8;
        }
        3 => {
            // A boundary integer, little- or big-endian, 1 to 8 bytes wide.
            let width = [1, 2, 4, 8][rng.below(4)];
            let v = INTERESTING[rng.below(INTERESTING.len())];
            let bytes = if rng.below(2) == 0 {
                v.to_le_bytes()
            } else {
                (v << (64 - 8 * width as u32).min(63)).to_be_bytes()
            };
            overwrite(input, at, &bytes[..width]);
        }
        4 if len > 0 => {
            let end = (at + 1 + rng.below(64)).min(len);
            input.drain(at.min(end)..end);
        }
        5 if len > 0 => {
            // Duplicate a range (repeated structures, nesting).
            let start = rng.below(len);
            let end = (start + 1 + rng.below(256)).min(len);
            let piece = input[start..end].to_vec();
            input.splice(at..at, piece);
        }
        6 if !other.is_empty() => {
            let start = rng.below(other.len());
            let end = (start + 1 + rng.below(512)).min(other.len());
            input.splice(at..at, other[start..end].iter().copied());
        }
        7 | 8 if !dict.is_empty() => {
            let word = dict[rng.below(dict.len())];
            if rng.below(2) == 0 {
                input.splice(at..at, word.iter().copied());
            } else {
                overwrite(input, at, word);
            }
        }
        _ => {
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            input.splice(at..at, bytes);
        }
    }
}

/// Writes `bytes` at `at`, growing `input` if they run past its end.
fn overwrite(input: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    let end = at + bytes.len();
    if input.len() < end {
        input.resize(end, 0);
    }
    input[at..end].copy_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_is_deterministic_and_bounded() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            let mut v = b"#hal.pipeline.layout<constants = 1>".to_vec();
            for _ in 0..1000 {
                mutate(&mut rng, &mut v, b"other input", &[b"token"], 64);
                assert!(v.len() <= 64);
            }
            v
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
