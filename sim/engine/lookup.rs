//! Hash maps for the engine's hot, lookup-only tables (transaction owners, metric slots).
//!
//! A [`LookupMap`] is only ever asked for, given and removed keys: never iterated, so its
//! internal order cannot leak into a run, which stays deterministic. The hasher is fixed and
//! seedless (the same on every machine and run) and cheap: a multiply-rotate over 8-byte words,
//! enough for keys that are random ids or short names. Anything that is iterated stays a
//! `BTreeMap` or a `Vec`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map that is never iterated (see the module documentation).
pub type LookupMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// A new, empty [`LookupMap`].
pub fn lookup_map<K, V>() -> LookupMap<K, V> {
    HashMap::with_hasher(BuildHasherDefault::default())
}

/// Folds 8-byte words with a multiply and a rotate (the scheme of rustc's `FxHasher`).
#[derive(Default, Clone, Copy, Debug)]
pub struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl WordHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::B256;
    use std::hash::BuildHasher;

    #[test]
    fn hashes_are_fixed_and_spread() {
        let build = BuildHasherDefault::<WordHasher>::default();
        let a = build.hash_one(B256::repeat_byte(1));
        // The same value on every machine and run (no random seed).
        assert_eq!(a, build.hash_one(B256::repeat_byte(1)));
        assert_ne!(a, build.hash_one(B256::repeat_byte(2)));
        assert_ne!(
            build.hash_one("tx.included"),
            build.hash_one("tx.submitted")
        );
        // A difference in the last, partial word counts.
        assert_ne!(build.hash_one("gas.used1"), build.hash_one("gas.used2"));
    }

    #[test]
    fn map_inserts_finds_and_removes() {
        let mut m: LookupMap<B256, u32> = lookup_map();
        for i in 0..1000u32 {
            m.insert(B256::left_padding_from(&i.to_be_bytes()), i);
        }
        for i in (0..1000u32).step_by(7) {
            assert_eq!(
                m.remove(&B256::left_padding_from(&i.to_be_bytes())),
                Some(i)
            );
        }
        assert_eq!(m.len(), 1000 - 143);
        assert_eq!(
            m.get(&B256::left_padding_from(&8u32.to_be_bytes())),
            Some(&8)
        );
        assert!(!m.contains_key(&B256::left_padding_from(&7u32.to_be_bytes())));
    }
}
