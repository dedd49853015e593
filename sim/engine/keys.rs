//! Keys: every actor has a secp256k1 key derived from the seed tree, and the address that key
//! controls. Signatures are recoverable (r, s, v) and verify with `ecrecover` on chain.

use super::seed::SeedTree;
use alloy_primitives::{keccak256, Address, B256};
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::BatchNormalize;
use k256::{AffinePoint, NonZeroScalar, ProjectivePoint, Scalar};
use std::cell::OnceCell;
use std::sync::OnceLock;

const KEY_DOMAIN: &[u8] = b"crucible/key/v1";

/// A secp256k1 key pair of one actor. The address is computed at once (every actor needs it);
/// the ECDSA signing key only on first use, since most actors never sign.
#[derive(Clone)]
pub struct Key {
    secret: NonZeroScalar,
    signing: OnceCell<SigningKey>,
    address: Address,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.address)
    }
}

/// A 65-byte recoverable signature: r ‖ s ‖ v with v ∈ {27, 28}.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Signature(pub [u8; 65]);

impl Signature {
    pub fn to_bytes(self) -> alloy_primitives::Bytes {
        alloy_primitives::Bytes::copy_from_slice(&self.0)
    }
}

impl Key {
    /// The key of `label` (e.g. `"actor/alice"`) under the run's seed tree.
    pub fn derive(tree: &SeedTree, label: &str) -> Key {
        let mut material = tree.derive(KEY_DOMAIN, label);
        loop {
            if let Some(key) = Key::from_secret(material) {
                return key;
            }
            // Zero or not below the group order: rehash (probability ~2^-128).
            material = keccak256(material);
        }
    }

    /// The keys of many labels at once, equal to [`Key::derive`] of each: the public points
    /// are normalized together (one field inversion for all instead of one per key).
    pub fn derive_many(tree: &SeedTree, labels: &[String]) -> Vec<Key> {
        if labels.is_empty() {
            // Batch inversion of nothing is not defined.
            return Vec::new();
        }
        let secrets: Vec<NonZeroScalar> = labels
            .iter()
            .map(|label| {
                let mut material = tree.derive(KEY_DOMAIN, label);
                loop {
                    if let Some(secret) = scalar_of(material) {
                        return secret;
                    }
                    material = keccak256(material);
                }
            })
            .collect();
        let points: Vec<ProjectivePoint> = secrets.iter().map(|k| mul_generator(k)).collect();
        let affine =
            <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&points);
        secrets
            .into_iter()
            .zip(affine)
            .map(|(secret, public)| Key::from_parts(secret, &public))
            .collect()
    }

    /// A key from raw secret bytes (tests, fixed well-known accounts); `None` when the bytes are
    /// zero or not below the group order.
    pub fn from_secret(secret: B256) -> Option<Key> {
        let secret = scalar_of(secret)?;
        let public = mul_generator(&secret).to_affine();
        Some(Key::from_parts(secret, &public))
    }

    fn from_parts(secret: NonZeroScalar, public: &AffinePoint) -> Key {
        let point = public.to_encoded_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        Key {
            secret,
            signing: OnceCell::new(),
            address: Address::from_slice(&hash[12..]),
        }
    }

    fn signing(&self) -> &SigningKey {
        self.signing.get_or_init(|| SigningKey::from(self.secret))
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest as is (the caller applies any EIP-191 prefix).
    pub fn sign_hash(&self, digest: B256) -> Signature {
        let (sig, recid) = self
            .signing()
            .sign_prehash_recoverable(digest.as_slice())
            .expect("signing a 32-byte prehash cannot fail");
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + recid.to_byte();
        Signature(out)
    }

    /// Signs `keccak256("\x19Ethereum Signed Message:\n32" ‖ digest)` (EIP-191 personal sign).
    pub fn sign_eth_message(&self, digest: B256) -> Signature {
        self.sign_hash(eth_message_hash(digest))
    }
}

/// `k·G` with an 8-bit fixed-base comb: a table of `j·256^i·G` (i < 32, 1 ≤ j < 256) computed
/// once per process (about 8,000 point additions and one batch inversion), then at most 32 mixed
/// additions per key. Variable time, which is fine for keys of simulated actors. Every actor of
/// every run derives its key, so a sweep or fuzz campaign of many small worlds spends much of
/// its set-up here; the table pays for itself after a few hundred keys.
fn mul_generator(k: &Scalar) -> ProjectivePoint {
    static TABLE: OnceLock<Vec<AffinePoint>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut points = Vec::with_capacity(32 * 255);
        let mut base = ProjectivePoint::GENERATOR;
        for _ in 0..32 {
            let mut multiple = base;
            for _ in 1..256 {
                points.push(multiple);
                multiple += base;
            }
            base = multiple; // 256 · base
        }
        <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&points)
    });
    let bytes = k.to_bytes();
    let mut acc = ProjectivePoint::IDENTITY;
    for (i, &digit) in bytes.iter().rev().enumerate() {
        if digit != 0 {
            acc += &table[i * 255 + digit as usize - 1];
        }
    }
    acc
}

/// The secret scalar of 32 bytes; `None` when zero or not below the group order.
fn scalar_of(bytes: B256) -> Option<NonZeroScalar> {
    Option::<NonZeroScalar>::from(NonZeroScalar::from_repr(k256::FieldBytes::from(bytes.0)))
}

/// EIP-191 hash of a 32-byte message, as `ecrecover`-based contracts expect.
pub fn eth_message_hash(digest: B256) -> B256 {
    let mut buf = Vec::with_capacity(60);
    buf.extend_from_slice(b"\x19Ethereum Signed Message:\n32");
    buf.extend_from_slice(digest.as_slice());
    keccak256(buf)
}

/// Recovers the signer of `digest` (off-chain `ecrecover`).
pub fn recover(digest: B256, sig: &Signature) -> Option<Address> {
    use k256::ecdsa::{RecoveryId, Signature as KSig, VerifyingKey};
    let s = KSig::from_slice(&sig.0[..64]).ok()?;
    let v = sig.0[64];
    let recid = RecoveryId::from_byte(v.checked_sub(27)?)?;
    let vk = VerifyingKey::recover_from_prehash(digest.as_slice(), &s, recid).ok()?;
    let public = vk.to_encoded_point(false);
    let hash = keccak256(&public.as_bytes()[1..]);
    Some(Address::from_slice(&hash[12..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};

    #[test]
    fn known_secret_gives_known_address() {
        // Well-known development account #0 (secret 0xac09…ff80).
        let k = Key::from_secret(b256!(
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        ))
        .unwrap();
        assert_eq!(
            k.address(),
            address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
    }

    #[test]
    fn comb_multiplication_matches_the_generic_one() {
        use k256::elliptic_curve::ops::MulByGenerator;
        use k256::elliptic_curve::PrimeField;
        let mut scalars = vec![
            Scalar::ONE,
            Scalar::ONE.negate(),
            Scalar::from(15u64),
            Scalar::from(255u64),
            Scalar::from(256u64),
            Scalar::from(u64::MAX),
        ];
        for i in 0..40u64 {
            let bytes = keccak256(i.to_le_bytes());
            let repr = k256::FieldBytes::from(bytes.0);
            scalars.push(Option::from(Scalar::from_repr(repr)).unwrap_or(Scalar::from(i)));
        }
        for k in scalars {
            assert_eq!(
                mul_generator(&k).to_affine(),
                ProjectivePoint::mul_by_generator(&k).to_affine()
            );
        }
        assert_eq!(mul_generator(&Scalar::ZERO), ProjectivePoint::IDENTITY);
    }

    #[test]
    fn batch_derivation_equals_one_by_one() {
        let tree = SeedTree::new(7);
        let labels: Vec<String> = (0..9).map(|i| format!("actor/a{i}")).collect();
        let many = Key::derive_many(&tree, &labels);
        assert_eq!(many.len(), labels.len());
        for (k, label) in many.iter().zip(&labels) {
            let one = Key::derive(&tree, label);
            assert_eq!(k.address(), one.address());
            assert_eq!(k.secret.to_bytes(), one.secret.to_bytes());
        }
        assert!(Key::derive_many(&tree, &[]).is_empty());
    }

    #[test]
    fn derivation_is_stable_and_label_specific() {
        let t = SeedTree::new(42);
        assert_eq!(
            Key::derive(&t, "actor/alice").address(),
            Key::derive(&t, "actor/alice").address()
        );
        assert_ne!(
            Key::derive(&t, "actor/alice").address(),
            Key::derive(&t, "actor/bob").address()
        );
        assert_ne!(
            Key::derive(&t, "actor/alice").address(),
            Key::derive(&SeedTree::new(43), "actor/alice").address()
        );
    }

    #[test]
    fn signatures_recover_to_the_signer() {
        let k = Key::derive(&SeedTree::new(1), "actor/x");
        let d = keccak256(b"balance proof");
        let sig = k.sign_hash(d);
        assert!(sig.0[64] == 27 || sig.0[64] == 28);
        assert_eq!(recover(d, &sig), Some(k.address()));
        let sig2 = k.sign_eth_message(d);
        assert_eq!(recover(eth_message_hash(d), &sig2), Some(k.address()));
        // Deterministic (RFC 6979).
        assert_eq!(k.sign_hash(d), sig);
        let mut bad = sig;
        bad.0[10] ^= 1;
        assert_ne!(recover(d, &bad), Some(k.address()));
    }
}
