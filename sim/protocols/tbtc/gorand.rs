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
//! The stream is exactly ggstd's `int63`, but a fresh generator is seeded lazily: Go's `Seed`
//! fills all 607 words of the feedback register (1,881 sequential Park–Miller steps), while a
//! coordination decision reads only a few outputs, and output `n < 273` of a freshly seeded
//! source is `vec[333 - n] + vec[606 - n]` of the seeded register, words no earlier output has
//! overwritten. Seeded word `i` is three Park–Miller values at known positions of the chain
//! that starts at the reduced seed `r`, `r·48271^k mod (2^31 - 1)` for `k = 21 + 3i, 22 + 3i,
//! 23 + 3i`, XORed with Go's `rngCooked[i]` ([`super::gorand_cooked`]); with the powers of
//! 48271 precomputed, each word costs three modular products. Past output 272 the generator
//! seeds ggstd's source and advances it to the same position. The tests hold the lazy stream
//! equal to ggstd's over many seeds and draws.
//!
//! Everything derived from the `int63` stream is written here, and `shuffle` never calls a
//! public `Int31n`/`Intn` of any port (those reject by modulo and differ).

use super::gorand_cooked::RNG_COOKED;
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

/// Words in Go's feedback register.
const RNG_LEN: usize = 607;
/// Go's `rngTap`: the outputs `n < RNG_TAP` of a fresh source read only seeded words.
const RNG_TAP: usize = 273;
/// Where `feed` starts reading (`feed` starts at `RNG_LEN - RNG_TAP` and is decremented first).
const FIRST_FEED: usize = RNG_LEN - RNG_TAP - 1;
/// Park–Miller multiplier of Go's `seedrand`.
const SEEDRAND_A: u64 = 48_271;
/// `2^31 - 1` as the Park–Miller modulus.
const SEEDRAND_M: u64 = (1 << 31) - 1;
/// Highest chain position seeding reaches: 20 warm-up steps, then three per word.
const CHAIN_LEN: usize = 20 + 3 * RNG_LEN + 1;

/// `48271^k mod (2^31 - 1)` for every chain position `k` seeding uses: `seedrand` applied
/// `k` times to `r` is `r · POW[k] mod (2^31 - 1)` (Schrage's method computes exactly the
/// modular product).
const POW: [u64; CHAIN_LEN] = {
    let mut t = [0u64; CHAIN_LEN];
    t[0] = 1;
    let mut k = 1;
    while k < CHAIN_LEN {
        t[k] = t[k - 1] * SEEDRAND_A % SEEDRAND_M;
        k += 1;
    }
    t
};

/// Word `i` of the register Go's `Seed` builds from the reduced seed `r`:
/// `(x₁ << 40) ^ (x₂ << 20) ^ x₃ ^ rngCooked[i]` for the chain values `x` at positions
/// `21 + 3i`, `22 + 3i`, `23 + 3i` (shifts drop the high bits, as Go's `int64` shifts do).
fn seeded_word(r: u64, i: usize) -> u64 {
    let x = |k: usize| r * POW[k] % SEEDRAND_M;
    let k = 21 + 3 * i;
    (x(k) << 40) ^ (x(k + 1) << 20) ^ x(k + 2) ^ RNG_COOKED[i] as u64
}

/// A Go `math/rand` v1 generator, `rand.New(rand.NewSource(s))`, restricted to the operations
/// the keep-core client uses for coordination. Build a fresh one per use (the leader shuffle
/// and the heartbeat draw each get their own); building one costs nothing until it is read
/// (see the module documentation).
pub struct GoRand {
    /// The reduced seed ([`reduce_seed`]), the start of the Park–Miller chain.
    r: u64,
    /// Outputs drawn so far.
    drawn: usize,
    /// ggstd's source, seeded and advanced to `drawn` once the lazy range is exhausted.
    full: Option<Box<dyn Source>>,
}

impl fmt::Debug for GoRand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoRand")
            .field("r", &self.r)
            .field("drawn", &self.drawn)
            .field("lazy", &self.full.is_none())
            .finish()
    }
}

impl GoRand {
    /// `rand.New(rand.NewSource(s))`.
    pub fn new(s: i64) -> GoRand {
        GoRand {
            r: reduce_seed(s) as u64,
            drawn: 0,
            full: None,
        }
    }

    /// The generator the client builds from a 32-byte coordination seed (see [`seed_i64`]).
    pub fn from_seed(seed: &[u8; 32]) -> GoRand {
        GoRand::new(seed_i64(seed))
    }

    /// Go's `rngSource.Uint64`: the raw 64-bit register sum.
    pub fn uint64(&mut self) -> u64 {
        if let Some(src) = self.full.as_mut() {
            return src.uint64();
        }
        let n = self.drawn;
        if n < RNG_TAP {
            self.drawn += 1;
            let feed = FIRST_FEED - n;
            return seeded_word(self.r, feed).wrapping_add(seeded_word(self.r, feed + RNG_TAP));
        }
        // Past the lazy range: Go's full seeding, advanced past the values already drawn.
        let mut src: Box<dyn Source> = new_source(self.r as i64);
        for _ in 0..n {
            src.uint64();
        }
        self.full = Some(src);
        self.uint64()
    }

    /// `Int63`: a non-negative 63-bit value, the raw stream.
    pub fn int63(&mut self) -> i64 {
        (self.uint64() & (u64::MAX >> 1)) as i64
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

    /// Seeds covering Go's normalization: zero (the 89482311 substitute), negatives, multiples
    /// of `2^31 - 1`, the extremes, and a spread of large values.
    fn seeds() -> Vec<i64> {
        let mut v = vec![
            0,
            1,
            -1,
            2,
            42,
            INT32_MAX,
            -INT32_MAX,
            INT32_MAX - 1,
            INT32_MAX + 1,
            INT32_MAX * 3,
            89_482_311,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            0x1780_dead_beef_d837,
        ];
        // A deterministic spread over the whole i64 range (splitmix64).
        let mut z: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200 {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            v.push((x ^ (x >> 31)) as i64);
        }
        v
    }

    #[test]
    fn power_table_is_the_seedrand_chain() {
        // Go's seedrand (Schrage) applied k times equals r * 48271^k mod (2^31 - 1).
        fn seedrand(x: i32) -> i32 {
            let (hi, lo) = (x / 44_488, x % 44_488);
            let x = 48_271 * lo - 3_399 * hi;
            if x < 0 {
                x + i32::MAX
            } else {
                x
            }
        }
        for r in [1i32, 2, 89_482_311, i32::MAX - 1, 123_456_789] {
            let mut x = r;
            for (k, pow) in POW.iter().enumerate().skip(1) {
                x = seedrand(x);
                assert_eq!(x as u64, r as u64 * pow % SEEDRAND_M, "r {r}, k {k}");
            }
        }
    }

    #[test]
    fn lazy_stream_equals_ggstd_source() {
        // Past the lazy range (273 outputs) into the fallback and through a full turn of the
        // register, for every seed; uint64 and int63 alike.
        for s in seeds() {
            let mut lazy = GoRand::new(s);
            let mut go = new_source(s);
            for n in 0..700 {
                if n % 2 == 0 {
                    assert_eq!(lazy.uint64(), go.uint64(), "seed {s}, output {n}");
                } else {
                    assert_eq!(lazy.int63(), go.int63(), "seed {s}, output {n}");
                }
            }
        }
    }

    #[test]
    fn fallback_at_every_boundary_draw() {
        // Entering the fallback right at, before and after the boundary gives the same stream.
        for s in [7i64, -7, 0, i64::MAX] {
            let mut go = new_source(s);
            let reference: Vec<u64> = (0..RNG_TAP + 3).map(|_| go.uint64()).collect();
            let mut g = GoRand::new(s);
            for (n, want) in reference.iter().enumerate() {
                assert_eq!(g.uint64(), *want, "seed {s}, output {n}");
                assert_eq!(g.full.is_some(), n >= RNG_TAP, "seed {s}, output {n}");
            }
        }
    }

    #[test]
    fn derived_draws_equal_those_over_ggstd_source() {
        // uint32, float64, int31n and shuffle computed over ggstd's raw stream with the same
        // formulas must equal the lazy generator's.
        for s in seeds() {
            let mut go = new_source(s);
            let mut g = GoRand::new(s);
            for _ in 0..20 {
                assert_eq!(g.uint32(), (go.int63() >> 31) as u32, "seed {s}");
            }
            let mut go = new_source(s);
            let mut g = GoRand::new(s);
            for _ in 0..20 {
                let want = loop {
                    let f = int63_to_unit(go.int63());
                    if f != 1.0 {
                        break f;
                    }
                };
                assert_eq!(g.float64(), want, "seed {s}");
            }
            for n in [1u32, 2, 3, 7, 100, 1 << 20, (1 << 31) - 1] {
                let mut go = new_source(s);
                let mut g = GoRand::new(s);
                let want = int31n_from(n, || (go.int63() >> 31) as u32);
                assert_eq!(g.int31n(n), want, "seed {s}, n {n}");
            }
            // Shuffles short (the simulation's 20 operators), long (past the lazy range:
            // 400 elements draw at least 399 values) and of the predictor's sizes.
            for len in [0usize, 1, 2, 3, 20, 100, 400] {
                let mut go = new_source(s);
                let mut want: Vec<usize> = (0..len).collect();
                for i in (1..len).rev() {
                    let j = int31n_from(i as u32 + 1, || (go.int63() >> 31) as u32) as usize;
                    want.swap(i, j);
                }
                let mut got: Vec<usize> = (0..len).collect();
                GoRand::new(s).shuffle(&mut got);
                assert_eq!(got, want, "seed {s}, len {len}");
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
