//! Wallet public key hashes (spec 3): the seed's `wallet_pkh` is the Bitcoin HASH160 of the
//! wallet's *compressed* secp256k1 public key, `RIPEMD-160(SHA-256(0x02|0x03 ‖ x))`. A simulated
//! wallet gets its key from the run's genesis stream, so its PKH is a real HASH160 of a real
//! public key; the simulated group signs through the cost model and never uses the secret.

use k256::elliptic_curve::sec1::ToEncodedPoint;

/// Bitcoin's HASH160: RIPEMD-160 of SHA-256.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    use ripemd::Digest as _;
    use sha2::Digest as _;
    let sha = sha2::Sha256::digest(data);
    ripemd::Ripemd160::digest(&sha[..]).into()
}

/// The 33-byte SEC1 compressed public key of a 32-byte secret; `None` when the bytes are zero
/// or not below the group order.
pub fn compressed_public_key(secret: &[u8; 32]) -> Option<[u8; 33]> {
    let key = k256::SecretKey::from_slice(secret).ok()?;
    let point = key.public_key().to_encoded_point(true);
    point.as_bytes().try_into().ok()
}

/// A wallet key drawn from `fill` (32 bytes at a time, drawn again in the negligible case of
/// an invalid secret): its compressed public key and that key's HASH160.
pub fn draw_wallet_key(mut fill: impl FnMut(&mut [u8; 32])) -> ([u8; 33], [u8; 20]) {
    loop {
        let mut secret = [0u8; 32];
        fill(&mut secret);
        if let Some(public) = compressed_public_key(&secret) {
            return (public, hash160(&public));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    /// BIP-173's P2WPKH example: the generator point's compressed key (secret 1) and its
    /// HASH160, the witness program of `bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4`.
    #[test]
    fn hash160_of_the_generator_key() {
        let mut one = [0u8; 32];
        one[31] = 1;
        let public = compressed_public_key(&one).unwrap();
        assert_eq!(
            hex::encode(public),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        );
        assert_eq!(
            hex::encode(hash160(&public)),
            "751e76e8199196d454941c45d1b3a323f1433bd6"
        );
    }

    #[test]
    fn invalid_secrets_are_drawn_again() {
        assert_eq!(compressed_public_key(&[0u8; 32]), None);
        assert_eq!(compressed_public_key(&[0xff; 32]), None);
        let mut draws = vec![[0u8; 32], [0xff; 32], [7u8; 32]].into_iter();
        let (public, pkh) = draw_wallet_key(|b| *b = draws.next().unwrap());
        assert_eq!(Some(public), compressed_public_key(&[7u8; 32]));
        assert_eq!(pkh, hash160(&public));
        assert!(public[0] == 2 || public[0] == 3);
    }
}
