//! The coordination seed (spec section 3).

use sha2::{Digest, Sha256};

/// `sha256(wallet_pkh || blockhash(w - 32))`: one SHA-256 pass over the 52-byte preimage, no
/// prefix or length. `wallet_pkh` is the HASH160 of the wallet's compressed public key. Every
/// member computes the same value once the safe block exists, which is what makes the leader
/// and the checklist agree without communication.
pub fn coordination_seed(wallet_pkh: &[u8; 20], safe_block_hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(wallet_pkh);
    h.update(safe_block_hash);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn golden_seed() {
        let pkh: [u8; 20] = hex::decode("aa768412ceed10bd423c025542ca90071f9fb62d")
            .unwrap()
            .try_into()
            .unwrap();
        let hash: [u8; 32] =
            hex::decode("1322996cbcbc38fc924a46f4df5f9064279d3ab43396e58386dac9b87440d64f")
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(
            hex::encode(coordination_seed(&pkh, &hash)),
            "e55c779d6d83183409ddc90c6cd5130567f0593349a9c82494b402048ec2d03d"
        );
    }
}
