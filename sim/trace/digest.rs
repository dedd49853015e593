//! The rolling digest: the fingerprint of a run's behaviour.

use alloy_primitives::B256;

/// Streaming BLAKE3 over record payloads, each preceded by its length as `u32` little endian.
/// Covers records only, not the header, so runs that behave the same share a digest. BLAKE3
/// rather than keccak256: the digest sees every byte of every record, and BLAKE3 is several times
/// cheaper per byte while giving the same bits on every machine.
///
/// Records are gathered into a batch and hashed a batch at a time: BLAKE3 hashes many 1 KiB
/// chunks in parallel SIMD lanes when it gets them together, and small updates pay a fixed cost
/// each. The result is the same as hashing record by record.
#[derive(Clone, Debug)]
pub struct RollingDigest {
    hasher: blake3::Hasher,
    batch: Vec<u8>,
    count: u64,
}

/// Bytes gathered before they are hashed (a multiple of BLAKE3's 1 KiB chunk). BLAKE3 spends
/// fewer instructions per byte on bigger updates (wider subtrees in its SIMD lanes): 64 KiB took
/// a quarter fewer than 16 KiB in the overhead bench, while 128 KiB started to push the block's
/// receipts out of the core's cache.
const BATCH: usize = 64 * 1024;

impl Default for RollingDigest {
    fn default() -> Self {
        RollingDigest {
            hasher: blake3::Hasher::new(),
            batch: Vec::with_capacity(BATCH + 1024),
            count: 0,
        }
    }
}

impl RollingDigest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one encoded record (see [`super::encode_record`]).
    pub fn update(&mut self, payload: &[u8]) {
        self.flush_full();
        self.batch
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        self.batch.extend_from_slice(payload);
        self.count += 1;
    }

    /// Adds the record that `encode` appends to the buffer it is given, encoded in place (no
    /// copy), and returns its encoded bytes. The same digest as [`RollingDigest::update`] of
    /// those bytes.
    pub fn update_with(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
        self.flush_full();
        let start = self.batch.len();
        self.batch.extend_from_slice(&[0; 4]);
        encode(&mut self.batch);
        let len = (self.batch.len() - start - 4) as u32;
        self.batch[start..start + 4].copy_from_slice(&len.to_le_bytes());
        self.count += 1;
        &self.batch[start + 4..]
    }

    /// Hashes the gathered records once they fill a batch. Done before a record is added rather
    /// than after, so the bytes of the record just added stay readable until the next one.
    fn flush_full(&mut self) {
        if self.batch.len() >= BATCH {
            self.hasher.update(&self.batch);
            self.batch.clear();
        }
    }

    /// Digest of the records so far; the digest keeps accepting records.
    pub fn current(&self) -> B256 {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.batch);
        B256::from(*hasher.finalize().as_bytes())
    }

    /// Number of records hashed so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// A 32-byte content fingerprint (BLAKE3) for engine-internal ids and message bodies: cheap,
/// and the same on every machine. Protocol-visible hashes stay keccak256.
pub fn fingerprint(bytes: &[u8]) -> B256 {
    B256::from(*blake3::hash(bytes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encoding in place gives the digest of copying the same bytes in, across batch flushes,
    /// and hands back exactly the bytes encoded.
    #[test]
    fn update_with_equals_update() {
        let mut copied = RollingDigest::new();
        let mut in_place = RollingDigest::new();
        for i in 0..3000u32 {
            let payload: Vec<u8> = (0..(i % 97)).map(|j| (i ^ j) as u8).collect();
            copied.update(&payload);
            let got = in_place.update_with(|buf| buf.extend_from_slice(&payload));
            assert_eq!(got, &payload[..]);
            if i % 500 == 0 {
                assert_eq!(copied.current(), in_place.current());
            }
        }
        assert_eq!(copied.count(), in_place.count());
        assert_eq!(copied.current(), in_place.current());
    }
}
