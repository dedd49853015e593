//! The rolling digest: the fingerprint of a run's behaviour.

use alloy_primitives::{Keccak256, B256};

/// Streaming keccak256 over record payloads, each preceded by its length as `u32` little
/// endian. Covers records only, not the header, so runs that behave the same share a digest.
#[derive(Clone, Debug, Default)]
pub struct RollingDigest {
    hasher: Keccak256,
    count: u64,
}

impl RollingDigest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one encoded record (see [`super::encode_record`]).
    pub fn update(&mut self, payload: &[u8]) {
        self.hasher.update((payload.len() as u32).to_le_bytes());
        self.hasher.update(payload);
        self.count += 1;
    }

    /// Digest of the records so far; the digest keeps accepting records.
    pub fn current(&self) -> B256 {
        self.hasher.clone().finalize()
    }

    /// Number of records hashed so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}
