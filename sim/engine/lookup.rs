//! Hash maps for the engine's hot, lookup-only tables (mempool queues by sender, metric slots,
//! call names).
//!
//! A [`LookupMap`] is only ever asked for, given and removed keys: it offers no iteration, so
//! its internal order cannot leak into a run, which stays deterministic. It is the only hash map
//! in `sim/` (a test below greps for others). The hasher is fixed and
//! seedless (the same on every machine and run) and cheap: a multiply-rotate over 8-byte words,
//! enough for keys that are random ids or short names. Anything that is iterated stays a
//! `BTreeMap` or a `Vec`.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A hash map that can only be asked, given and relieved of keys: it has no iteration (and its
/// `Debug` shows only its length), so its internal order cannot reach a run.
pub struct LookupMap<K, V>(HashMap<K, V, BuildHasherDefault<WordHasher>>);

/// A new, empty [`LookupMap`].
pub fn lookup_map<K, V>() -> LookupMap<K, V> {
    LookupMap(HashMap::with_hasher(BuildHasherDefault::default()))
}

impl<K: Hash + Eq, V> LookupMap<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.contains_key(key)
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.remove(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K, V> Default for LookupMap<K, V> {
    fn default() -> Self {
        lookup_map()
    }
}

impl<K: Clone, V: Clone> Clone for LookupMap<K, V> {
    fn clone(&self) -> Self {
        LookupMap(self.0.clone())
    }
}

impl<K, V> std::fmt::Debug for LookupMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LookupMap({} entries)", self.0.len())
    }
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

    /// The determinism rule of the README: no `HashMap` or `HashSet` anywhere in `sim/` but
    /// here, behind a type without iteration.
    #[test]
    fn no_other_hash_collections_in_sim() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("sim/ is readable") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("engine/lookup.rs")
                {
                    let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                    for (i, line) in text.lines().enumerate() {
                        if line.contains(concat!("Hash", "Map"))
                            || line.contains(concat!("Hash", "Set"))
                        {
                            found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sim"),
            &mut found,
        );
        assert!(
            found.is_empty(),
            "hash collections in sim/:\n{}",
            found.join("\n")
        );
    }
}
