//! Go `math/rand` v1 compatible randomness, bit for bit (spec section 4).
//!
//! The keep-core client draws its leader shuffle and its heartbeat decision from
//! `rand.New(rand.NewSource(s))`, Go's additive lagged Fibonacci `rngSource`. Any deviation
//! changes leaders and heartbeats, so this module reproduces exactly the operations the client
//! uses: seeding, `Uint32`, `Float64`, the *unexported* Lemire `int31n` and `Shuffle`.
//!
//! The raw `int63` stream (seeding, the `rngCooked` table, the feedback register) comes from
//! the `ggstd` crate, version pinned to 0.1.0, used under its licence:
//!
//! > Copyright (c) 2023 The rust-ggstd authors. All rights reserved.
//! > Copyright (c) 2009 The Go Authors. All rights reserved.
//! >
//! > Redistribution and use in source and binary forms, with or without modification, are
//! > permitted provided that the following conditions are met: Redistributions of source code
//! > must retain the above copyright notice, this list of conditions and the following
//! > disclaimer. Redistributions in binary form must reproduce the above copyright notice, this
//! > list of conditions and the following disclaimer in the documentation and/or other
//! > materials provided with the distribution. Neither the name of Google Inc. nor the names of
//! > its contributors may be used to endorse or promote products derived from this software
//! > without specific prior written permission.
//! >
//! > THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS
//! > OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
//! > MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
//! > COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
//! > EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
//! > SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
//! > HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
//! > TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
//! > SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
//!
//! Only ggstd's `int63` is used; everything derived from it is written here, and `shuffle`
//! never calls a public `Int31n`/`Intn` of any port (those reject by modulo and differ).

use ggstd::math::rand::{new_source, Source};
use std::fmt;

/// `2^31 - 1`, the modulus Go reduces seeds by.
const INT32_MAX: i64 = (1 << 31) - 1;
/// What Go substitutes for a seed that reduces to 0.
const ZERO_SEED_SUBSTITUTE: i32 = 89_482_311;
/// `2^63` as an `f64` (exact).
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// The Go seed the client derives from a 32-byte coordination seed: the first 8 bytes read
/// big-endian and reinterpreted as signed (so it may be negative).
pub fn seed_i64(seed: &[u8; 32]) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&seed[..8]);
    i64::from_be_bytes(first)
}

/// The value Go's `rngSource.Seed` actually starts from: `s mod (2^31 - 1)` made non-negative,
/// with 0 replaced by 89482311. Only these ~31 bits of the seed influence the stream; two seeds
/// with the same reduction give identical generators.
pub fn reduce_seed(s: i64) -> i32 {
    let r = s.rem_euclid(INT32_MAX);
    if r == 0 {
        ZERO_SEED_SUBSTITUTE
    } else {
        r as i32
    }
}

/// Go's `float64(x) / (1 << 63)` for one `int63` value: the `i64 → f64` cast rounds to nearest,
/// ties to even (same in Go and Rust), and the division by a power of two is exact.
pub fn int63_to_unit(x: i64) -> f64 {
    x as f64 / TWO_POW_63
}

/// Lemire's multiply-shift with rejection, exactly Go's unexported `(*Rand).int31n`, over an
/// arbitrary `uint32` stream. Returns a value in `[0, n)`. Panics unless `1 <= n < 2^31`.
///
/// Separated from [`GoRand`] so the rejection path can be tested with scripted draws.
pub fn int31n_from(n: u32, mut uint32: impl FnMut() -> u32) -> u32 {
    assert!((1..(1 << 31)).contains(&n), "int31n: n = {n} out of range");
    let n64 = u64::from(n);
    let mut prod = u64::from(uint32()) * n64;
    if (prod as u32) < n {
        let thresh = n.wrapping_neg() % n;
        while (prod as u32) < thresh {
            prod = u64::from(uint32()) * n64;
        }
    }
    (prod >> 32) as u32
}

/// A Go `math/rand` v1 generator, `rand.New(rand.NewSource(s))`, restricted to the operations
/// the keep-core client uses for coordination. Build a fresh one per use (the leader shuffle
/// and the heartbeat draw each get their own).
pub struct GoRand {
    src: Box<dyn Source>,
    /// Values `int63` returns before reading the source again, last first (see
    /// [`GoRand::with_first_float64`]).
    replay: Vec<i64>,
}

impl fmt::Debug for GoRand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GoRand { .. }")
    }
}

impl GoRand {
    /// `rand.New(rand.NewSource(s))`.
    pub fn new(s: i64) -> GoRand {
        GoRand {
            src: new_source(s),
            replay: Vec::new(),
        }
    }

    /// The first `float64()` of a fresh `GoRand::new(s)`, and a generator in exactly the fresh
    /// state of `GoRand::new(s)` for another use (the leader shuffle). Seeding dominates the
    /// cost of a coordination decision, so the source is seeded once: the values the draw took
    /// are replayed before the source is read again. The two uses remain independent fresh
    /// generators, as spec 4.7 requires; nothing is shared but the seeding work.
    pub fn with_first_float64(s: i64) -> (f64, GoRand) {
        let mut g = GoRand::new(s);
        let mut taken = Vec::with_capacity(1);
        let f = loop {
            let x = g.src.int63();
            taken.push(x);
            let f = int63_to_unit(x);
            if f != 1.0 {
                break f;
            }
        };
        taken.reverse();
        g.replay = taken;
        (f, g)
    }

    /// [`GoRand::with_first_float64`] on an existing generator: reseeds its source in place
    /// (Go's `Seed(s)`, which resets the whole state exactly as `NewSource(s)` builds it), so a
    /// simulation deciding thousands of windows does not allocate a new 607-word source for
    /// each. Returns the first `float64()`; the generator is then in the fresh state of
    /// `GoRand::new(s)`.
    pub fn reseed_with_first_float64(&mut self, s: i64) -> f64 {
        self.src.seed(s);
        self.replay.clear();
        let f = loop {
            let x = self.src.int63();
            self.replay.push(x);
            let f = int63_to_unit(x);
            if f != 1.0 {
                break f;
            }
        };
        self.replay.reverse();
        f
    }

    /// The generator the client builds from a 32-byte coordination seed (see [`seed_i64`]).
    pub fn from_seed(seed: &[u8; 32]) -> GoRand {
        GoRand::new(seed_i64(seed))
    }

    /// `Int63`: a non-negative 63-bit value, the raw stream.
    pub fn int63(&mut self) -> i64 {
        match self.replay.pop() {
            Some(x) => x,
            None => self.src.int63(),
        }
    }

    /// `Uint32`: the top 32 of the 63 bits, `int63() >> 31`.
    pub fn uint32(&mut self) -> u32 {
        (self.int63() >> 31) as u32
    }

    /// `Float64` in `[0, 1)`: `int63() / 2^63`, drawn again in the (rounding) case of 1.0.
    pub fn float64(&mut self) -> f64 {
        loop {
            let f = int63_to_unit(self.int63());
            if f != 1.0 {
                return f;
            }
        }
    }

    /// Go's unexported `int31n(n)` (Lemire), the bounded draw `Shuffle` uses. Not Go's public
    /// `Int31n`, which rejects by modulo and returns different values. Requires `1 <= n < 2^31`.
    pub fn int31n(&mut self, n: u32) -> u32 {
        int31n_from(n, || self.uint32())
    }

    /// Go's `Shuffle`: top-down Fisher–Yates, `for i in (1..len).rev() { swap(i, int31n(i+1)) }`.
    /// Lengths 0 and 1 draw nothing. Go switches to `Int63n` only for `i >= 2^31 - 1`, so
    /// longer slices are rejected rather than silently diverging.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        assert!(
            items.len() <= INT32_MAX as usize,
            "shuffle: slice too long for the int31n path"
        );
        for i in (1..items.len()).rev() {
            let j = self.int31n(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_float64_and_a_fresh_generator_from_one_seeding() {
        for s in [0, 1, -1, 42, i64::MAX, i64::MIN, 0x1780_dead_beef_d837] {
            let (f, mut g) = GoRand::with_first_float64(s);
            assert_eq!(f, GoRand::new(s).float64(), "seed {s}");
            let mut fresh = GoRand::new(s);
            for _ in 0..50 {
                assert_eq!(g.int63(), fresh.int63(), "seed {s}");
            }
        }
    }

    #[test]
    fn a_reseeded_generator_is_a_fresh_one() {
        let mut g = GoRand::new(7);
        for _ in 0..700 {
            g.int63();
        }
        for s in [0, 1, -1, 42, i64::MAX, i64::MIN, 0x1780_dead_beef_d837] {
            let f = g.reseed_with_first_float64(s);
            assert_eq!(f, GoRand::new(s).float64(), "seed {s}");
            let mut fresh = GoRand::new(s);
            for _ in 0..700 {
                assert_eq!(g.int63(), fresh.int63(), "seed {s}");
            }
        }
    }

    #[test]
    fn new_source_1_sanity_values() {
        let mut r = GoRand::new(1);
        assert_eq!(r.int63(), 5577006791947779410);
        assert_eq!(r.int63(), 8674665223082153551);
        assert_eq!(r.int63(), 6129484611666145821);
    }

    // Go's math/rand regression goldens (regress_test.go), each from a fresh `Seed(0)`; seed 0
    // exercises the 89482311 substitution.
    #[test]
    fn seed_0_goldens() {
        let mut r = GoRand::new(0);
        assert_eq!(r.int63(), 8717895732742165505);
        assert_eq!(r.int63(), 2259404117704393152);
        assert_eq!(r.int63(), 6050128673802995827);
        let mut r = GoRand::new(0);
        assert_eq!(r.uint32(), 4059586549);
        assert_eq!(r.uint32(), 1052117029);
        assert_eq!(r.uint32(), 2817310706);
        let mut r = GoRand::new(0);
        assert_eq!(r.float64(), 0.9451961492941164);
        assert_eq!(r.float64(), 0.24496508529377975);
        assert_eq!(r.float64(), 0.6559562651954052);
    }

    #[test]
    fn seed_reduction() {
        assert_eq!(reduce_seed(0), 89_482_311);
        assert_eq!(reduce_seed(1), 1);
        assert_eq!(reduce_seed(INT32_MAX), 89_482_311);
        assert_eq!(reduce_seed(INT32_MAX + 5), 5);
        assert_eq!(reduce_seed(-1), (INT32_MAX - 1) as i32);
        assert_eq!(
            reduce_seed(i64::MIN),
            (i64::MIN % INT32_MAX + INT32_MAX) as i32
        );
        // Equal reductions give equal streams, including negative seeds and the 0 substitute.
        for s in [
            -1i64,
            i64::MIN,
            i64::MAX,
            0,
            INT32_MAX * 3,
            -INT32_MAX,
            123_456_789_012,
        ] {
            let mut a = GoRand::new(s);
            let mut b = GoRand::new(i64::from(reduce_seed(s)));
            for _ in 0..5 {
                assert_eq!(a.int63(), b.int63(), "seed {s}");
            }
        }
    }

    #[test]
    fn seed_bytes_are_big_endian_signed() {
        let mut seed = [0u8; 32];
        seed[7] = 1;
        seed[8] = 0xff; // ignored
        assert_eq!(seed_i64(&seed), 1);
        seed[0] = 0x80;
        assert_eq!(seed_i64(&seed), i64::MIN + 1);
        let mut a = GoRand::from_seed(&seed);
        let mut b = GoRand::new(i64::MIN + 1);
        assert_eq!(a.int63(), b.int63());
    }

    #[test]
    fn float_conversion_matches_integer_threshold_for_one_sixteenth() {
        // For p = 0.0625 the draw succeeds iff int63 < 2^59 - 32 (ties round to even).
        let edge = (1i64 << 59) - 32;
        assert!(int63_to_unit(edge - 1) < 0.0625);
        assert!(int63_to_unit(edge) >= 0.0625);
        assert!(int63_to_unit(1 << 59) >= 0.0625);
        assert_eq!(int63_to_unit(i64::MAX), 1.0); // why float64 redraws
        assert_eq!(int63_to_unit(0), 0.0);
    }

    fn scripted(values: &[u32]) -> impl FnMut() -> u32 + '_ {
        let mut it = values.iter();
        move || *it.next().expect("script exhausted")
    }

    #[test]
    fn int31n_hand_cases() {
        // 4059586549 * 10 = 40595865490 = 9 * 2^32 + 1941159826: high word 9, no rejection.
        assert_eq!(int31n_from(10, scripted(&[4059586549])), 9);
        // n = 3: thresh = (2^32 - 3) % 3 = 1. A draw of 0 has low word 0 < 1: rejected;
        // 2^31 * 3 = 2^32 + 2^31: high word 1, low word 2^31 >= 1: accepted.
        assert_eq!(int31n_from(3, scripted(&[0, 1 << 31])), 1);
        // Low word below n but not below thresh: accepted without a redraw. n = 5 has
        // thresh = (2^32 - 5) % 5 = 1; 858993460 * 5 = 2^32 + 4: low word 4, high word 1.
        assert_eq!(int31n_from(5, scripted(&[858993460])), 1);
        // n = 2^31 - 1 (largest allowed), thresh = (2^31 + 1) % (2^31 - 1) = 2.
        // (2^32 - 1)(2^31 - 1) = (2^31 - 2) * 2^32 + 2^31 + 1: low word >= n, high 2^31 - 2.
        assert_eq!(
            int31n_from((1 << 31) - 1, scripted(&[u32::MAX])),
            (1 << 31) - 2
        );
        // Draw 0: low 0 < thresh 2, rejected; draw 2: prod = 2^32 - 2, low >= 2, high 0.
        assert_eq!(int31n_from((1 << 31) - 1, scripted(&[0, 2])), 0);
        // n = 1 never rejects (thresh 0) and always returns 0.
        assert_eq!(int31n_from(1, scripted(&[0])), 0);
        // Through the generator: the first Uint32 of seed 0 is 4059586549 (see above).
        assert_eq!(GoRand::new(0).int31n(10), 9);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn int31n_rejects_zero() {
        int31n_from(0, || 0);
    }

    #[test]
    fn shuffle_hand_cases() {
        // Seed 0 draws Uint32 4059586549 then 1052117029.
        // i = 2: 4059586549 * 3 = 12178759647 -> high word 2, swap(2, 2).
        // i = 1: 1052117029 * 2 = 2104234058 < 2^32 -> high word 0 (low >= 2), swap(1, 0).
        let mut v = ["a", "b", "c"];
        GoRand::new(0).shuffle(&mut v);
        assert_eq!(v, ["b", "a", "c"]);
        // Two elements: i = 1, 4059586549 * 2 = 8119173098 = 2^32 + 3824205802 -> 1, no swap.
        let mut v = [1, 2];
        GoRand::new(0).shuffle(&mut v);
        assert_eq!(v, [1, 2]);
        // Lengths 0 and 1 draw nothing: the generator continues at its first value.
        let mut r = GoRand::new(0);
        r.shuffle::<u8>(&mut []);
        r.shuffle(&mut [7]);
        assert_eq!(r.int63(), 8717895732742165505);
    }

    #[test]
    fn shuffle_consumes_one_bounded_draw_per_step() {
        // A shuffle of n elements equals the Fisher-Yates walk over explicit int31n draws.
        let mut v: Vec<u32> = (0..20).collect();
        GoRand::new(42).shuffle(&mut v);
        let mut w: Vec<u32> = (0..20).collect();
        let mut r = GoRand::new(42);
        for i in (1..20usize).rev() {
            let j = int31n_from(i as u32 + 1, || r.uint32()) as usize;
            w.swap(i, j);
        }
        assert_eq!(v, w);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }
}
