//! Keys: every actor has a secp256k1 key derived from the seed tree, and the address that key
//! controls. Signatures are recoverable (r, s, v) and verify with `ecrecover` on chain.

use super::seed::SeedTree;
use alloy_primitives::{keccak256, Address, B256};
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::BatchNormalize;
use k256::{AffinePoint, FieldElement, NonZeroScalar, ProjectivePoint, Scalar};
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

    /// The keys of many labels at once, equal to [`Key::derive`] of each. Many keys go through
    /// [`mul_generator_many`] (affine additions sharing one inversion per comb step); a few are
    /// multiplied one by one and normalized together (one inversion for all).
    pub fn derive_many(tree: &SeedTree, labels: &[String]) -> Vec<Key> {
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
        if secrets.len() >= BATCH_MIN {
            let scalars: Vec<Scalar> = secrets.iter().map(|k| **k).collect();
            return secrets
                .into_iter()
                .zip(mul_generator_many(&scalars))
                .map(|(secret, xy)| Key::from_xy(secret, &xy))
                .collect();
        }
        if secrets.is_empty() {
            // Batch inversion of nothing is not defined.
            return Vec::new();
        }
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
        Key::from_xy(secret, &coordinates(public))
    }

    /// The key of a secret whose public point has the big-endian coordinates `x ‖ y`.
    fn from_xy(secret: NonZeroScalar, xy: &[u8; 64]) -> Key {
        let hash = keccak256(xy);
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
/// once per process (about 8,000 point additions and one batch inversion, [`comb_table`]), then
/// at most 32 mixed additions per key. Variable time, which is fine for keys of simulated actors. Every actor of
/// every run derives its key, so a sweep or fuzz campaign of many small worlds spends much of
/// its set-up here; the table pays for itself after a few hundred keys.
fn mul_generator(k: &Scalar) -> ProjectivePoint {
    let table = comb_table();
    let bytes = k.to_bytes();
    let mut acc = ProjectivePoint::IDENTITY;
    for (i, &digit) in bytes.iter().rev().enumerate() {
        if digit != 0 {
            acc += &table[i * 255 + digit as usize - 1];
        }
    }
    acc
}

/// The comb's table `j·256^i·G` (i < 32, 1 ≤ j < 256), entry `i·255 + j − 1`.
fn comb_table() -> &'static [AffinePoint] {
    static TABLE: OnceLock<Vec<AffinePoint>> = OnceLock::new();
    TABLE.get_or_init(|| {
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
    })
}

/// Keys at or above this count are derived by [`mul_generator_many`]: its shared inversion per
/// comb step (32 of them) costs about as much as the additions it saves for eight keys.
const BATCH_MIN: usize = 16;

/// The comb's table as field elements `(x, y)` (same order), for [`mul_generator_many`].
fn comb_table_xy() -> &'static [(FieldElement, FieldElement)] {
    static TABLE: OnceLock<Vec<(FieldElement, FieldElement)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        comb_table()
            .iter()
            .map(|p| {
                let xy = coordinates(p);
                let field = |bytes: &[u8]| {
                    let mut repr = k256::FieldBytes::default();
                    repr.copy_from_slice(bytes);
                    Option::<FieldElement>::from(FieldElement::from_bytes(&repr))
                        .expect("a coordinate of a curve point is a field element")
                };
                (field(&xy[..32]), field(&xy[32..]))
            })
            .collect()
    })
}

/// `k·G` for many nonzero scalars at once, as big-endian affine coordinates `x ‖ y`: the same
/// 8-bit comb as [`mul_generator`], but all keys step through it together in affine
/// coordinates, and the slopes of one step share a single field inversion (Montgomery's trick).
/// An affine addition then costs three multiplications and a squaring, a third of a complete
/// projective one. Equal to [`mul_generator`] for every scalar (tested).
fn mul_generator_many(ks: &[Scalar]) -> Vec<[u8; 64]> {
    let table = comb_table_xy();
    let digits: Vec<[u8; 32]> = ks.iter().map(|k| k.to_bytes().into()).collect();
    // Running sums, `None` until a key's first nonzero digit.
    let mut acc: Vec<Option<(FieldElement, FieldElement)>> = vec![None; ks.len()];
    // Keys whose sum met `±` the table point (a doubling or a cancellation): never for scalars
    // below the group order, but such a key would be finished by the projective comb.
    let mut odd = vec![false; ks.len()];
    let mut active = Vec::with_capacity(ks.len());
    let mut prefix = Vec::with_capacity(ks.len());
    for i in 0..32 {
        active.clear();
        prefix.clear();
        let mut product = FieldElement::ONE;
        for (j, d) in digits.iter().enumerate() {
            let digit = d[31 - i];
            if digit == 0 || odd[j] {
                continue;
            }
            let (x2, y2) = table[i * 255 + digit as usize - 1];
            match acc[j] {
                None => acc[j] = Some((x2, y2)),
                Some((x1, _)) => {
                    let den = (x2 - x1).normalize_weak();
                    if bool::from(den.normalizes_to_zero()) {
                        odd[j] = true;
                        continue;
                    }
                    product = product.mul(&den);
                    prefix.push(product);
                    active.push((j, den, x2, y2));
                }
            }
        }
        if active.is_empty() {
            continue;
        }
        let mut inv = Option::<FieldElement>::from(product.invert())
            .expect("a product of nonzero field elements is nonzero");
        for n in (0..active.len()).rev() {
            let (j, den, x2, y2) = active[n];
            let inv_den = if n == 0 { inv } else { inv.mul(&prefix[n - 1]) };
            inv = inv.mul(&den);
            let (x1, y1) = acc[j].expect("an active key has a running sum");
            let slope = (y2 - y1).mul(&inv_den);
            let x3 = (slope.square() - x1 - x2).normalize_weak();
            let y3 = ((x1 - x3).mul(&slope) - y1).normalize_weak();
            acc[j] = Some((x3, y3));
        }
    }
    ks.iter()
        .zip(acc)
        .zip(odd)
        .map(|((k, sum), odd)| {
            let (x, y) = match sum {
                Some(xy) if !odd => xy,
                _ => return coordinates(&mul_generator(k).to_affine()),
            };
            let mut xy = [0u8; 64];
            xy[..32].copy_from_slice(&x.to_bytes());
            xy[32..].copy_from_slice(&y.to_bytes());
            xy
        })
        .collect()
}

/// The big-endian affine coordinates `x ‖ y` of a point (its uncompressed SEC1 encoding without
/// the tag byte): what an address is the keccak256 of.
fn coordinates(p: &AffinePoint) -> [u8; 64] {
    let point = p.to_encoded_point(false);
    let mut xy = [0u8; 64];
    xy.copy_from_slice(&point.as_bytes()[1..]);
    xy
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
        for k in &scalars {
            assert_eq!(
                mul_generator(k).to_affine(),
                ProjectivePoint::mul_by_generator(k).to_affine()
            );
        }
        assert_eq!(mul_generator(&Scalar::ZERO), ProjectivePoint::IDENTITY);
        // The batched comb gives the same points, in the same order.
        let nonzero: Vec<Scalar> = scalars
            .iter()
            .copied()
            .filter(|k| !bool::from(k.is_zero()))
            .collect();
        let many = mul_generator_many(&nonzero);
        assert_eq!(many.len(), nonzero.len());
        for (k, xy) in nonzero.iter().zip(&many) {
            let point = ProjectivePoint::mul_by_generator(k)
                .to_affine()
                .to_encoded_point(false);
            assert_eq!(&point.as_bytes()[1..], &xy[..], "scalar {k:?}");
        }
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
        // Enough labels for the batched comb.
        let labels: Vec<String> = (0..BATCH_MIN * 3 + 1)
            .map(|i| format!("actor/p{i}"))
            .collect();
        let many = Key::derive_many(&tree, &labels);
        for (k, label) in many.iter().zip(&labels) {
            assert_eq!(k.address(), Key::derive(&tree, label).address(), "{label}");
        }
        assert_eq!(many.len(), labels.len());
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
