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

/// Bytes gathered before they are hashed (a multiple of BLAKE3's 1 KiB chunk).
const BATCH: usize = 16 * 1024;

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
        self.batch
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        self.batch.extend_from_slice(payload);
        if self.batch.len() >= BATCH {
            self.hasher.update(&self.batch);
            self.batch.clear();
        }
        self.count += 1;
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
