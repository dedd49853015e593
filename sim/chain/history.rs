//! The hash of every block of a chain, by number.

use alloy_primitives::B256;

/// Hashes per chunk: 16,384 × 32 bytes = 512 KiB.
const CHUNK: usize = 1 << 14;

/// Every block hash, appended in block order and stored in fixed-size chunks, so appending
/// never moves what is stored. A year of 12 s blocks is 2.6 million hashes (84 MB): a single
/// doubling `Vec` would copy the history at every growth and have the fresh pages faulted in
/// and zeroed twice, which cost a long run about a tenth of its time.
#[derive(Debug, Clone, Default)]
pub(super) struct HashHistory {
    chunks: Vec<Vec<B256>>,
    len: usize,
}

impl HashHistory {
    /// Number of hashes stored.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Appends the hash of the next block.
    pub(super) fn push(&mut self, hash: B256) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks.last_mut().expect("a chunk").push(hash);
        self.len += 1;
    }

    /// The hash of block `n`, if stored.
    pub(super) fn get(&self, n: usize) -> Option<&B256> {
        if n >= self.len {
            return None;
        }
        self.chunks.get(n / CHUNK)?.get(n % CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_every_hash_across_chunks() {
        let mut h = HashHistory::default();
        assert_eq!(h.get(0), None);
        let n = 2 * CHUNK + 3;
        let hash = |i: usize| B256::left_padding_from(&(i as u64).to_be_bytes());
        for i in 0..n {
            h.push(hash(i));
            assert_eq!(h.len(), i + 1);
        }
        for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, n - 1] {
            assert_eq!(h.get(i), Some(&hash(i)), "block {i}");
        }
        assert_eq!(h.get(n), None);
        assert_eq!(h.get(usize::MAX), None);
    }
}
