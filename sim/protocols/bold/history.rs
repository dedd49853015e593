//! The exact algorithms the contracts implement, in Rust: the compact history commitment (a
//! hash chain, spec §3.8), edge and mutual ids (§3.3), the mandatory bisection height (§3.5)
//! and the toy machine's step function (§3.8). Actors, invariants and tests use these; unit
//! tests pin them to hand-computed values and to the contracts.

use alloy_primitives::{keccak256, B256};
use alloy_sol_types::SolValue;

/// `R_0 = keccak(0x00 ‖ x_0)`: the root of a single leaf (33-byte pre-image).
pub fn single_root(leaf: B256) -> B256 {
    let mut buf = [0u8; 33];
    buf[1..].copy_from_slice(leaf.as_slice());
    keccak256(buf)
}

/// `R_h = keccak(R_{h-1} ‖ x_h)` (64-byte pre-image).
pub fn extend(root: B256, leaf: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(root.as_slice());
    buf[32..].copy_from_slice(leaf.as_slice());
    keccak256(buf)
}

/// Every prefix root `R_0..R_h` of `leaves` (`leaves` must not be empty).
pub fn prefix_roots(leaves: &[B256]) -> Vec<B256> {
    let mut out = Vec::with_capacity(leaves.len());
    let mut r = single_root(leaves[0]);
    out.push(r);
    for x in &leaves[1..] {
        r = extend(r, *x);
        out.push(r);
    }
    out
}

/// Root of all of `leaves`.
pub fn root(leaves: &[B256]) -> B256 {
    *prefix_roots(leaves).last().expect("at least one leaf")
}

/// Proof that `x_h` is the last leaf of `R_h`: `[]` at height 0, else `[R_{h-1}]`.
pub fn last_leaf_proof(roots: &[B256], h: u64) -> Vec<B256> {
    if h == 0 {
        Vec::new()
    } else {
        vec![roots[h as usize - 1]]
    }
}

/// Checks a last-leaf proof as the contract does.
pub fn is_last_leaf(root: B256, h: u64, leaf: B256, proof: &[B256]) -> bool {
    if h == 0 {
        proof.is_empty() && root == single_root(leaf)
    } else {
        proof.len() == 1 && root == extend(proof[0], leaf)
    }
}

/// Proof that `R_m ⊑ R_e`: `abi.encode(bytes32[] x_{m+1..e})`.
pub fn prefix_proof(leaves: &[B256], m: u64, e: u64) -> Vec<u8> {
    leaves[(m as usize + 1)..=(e as usize)]
        .to_vec()
        .abi_encode()
}

/// Checks a prefix proof as the contract does.
pub fn is_prefix(prefix: B256, m: u64, root: B256, e: u64, proof: &[u8]) -> bool {
    let Ok(leaves) = <Vec<B256>>::abi_decode(proof) else {
        return false;
    };
    if e < m || leaves.len() as u64 != e - m {
        return false;
    }
    leaves.iter().fold(prefix, |r, x| extend(r, *x)) == root
}

/// The mandatory bisection height of `(start, end)`; `None` when `end - start < 2`.
pub fn mandatory_bisection_height(start: u64, end: u64) -> Option<u64> {
    if end < start || end - start < 2 {
        return None;
    }
    if end - start == 2 {
        return Some(start + 1);
    }
    let diff = start ^ (end - 1);
    let p = 63 - diff.leading_zeros() as u64;
    Some((end - 1) & !((1u64 << p) - 1))
}

/// `mutualId = keccak(uint8 level ‖ originId ‖ uint256 startHeight ‖ startRoot ‖ uint256 endHeight)`.
pub fn mutual_id(level: u8, origin: B256, start: u64, start_root: B256, end: u64) -> B256 {
    let mut buf = Vec::with_capacity(129);
    buf.push(level);
    buf.extend_from_slice(origin.as_slice());
    buf.extend_from_slice(&alloy_primitives::U256::from(start).to_be_bytes::<32>());
    buf.extend_from_slice(start_root.as_slice());
    buf.extend_from_slice(&alloy_primitives::U256::from(end).to_be_bytes::<32>());
    keccak256(buf)
}

/// `edgeId = keccak(mutualId ‖ endRoot)`.
pub fn edge_id(mutual: B256, end_root: B256) -> B256 {
    extend(mutual, end_root)
}

/// `TAG = keccak("crucible.toy.step.v1")`.
pub fn step_tag() -> B256 {
    keccak256(b"crucible.toy.step.v1")
}

/// The tag an evil machine uses from its divergence on: `keccak("crucible.toy.evil.v1" ‖ uint64 salt)`.
pub fn evil_tag(salt: u64) -> B256 {
    let mut buf = b"crucible.toy.evil.v1".to_vec();
    buf.extend_from_slice(&salt.to_be_bytes());
    keccak256(buf)
}

/// `F(x, k) = keccak(tag ‖ x ‖ uint64 k ‖ seed)`.
pub fn step(tag: B256, x: B256, k: u64, seed: B256) -> B256 {
    let mut buf = [0u8; 104];
    buf[..32].copy_from_slice(tag.as_slice());
    buf[32..64].copy_from_slice(x.as_slice());
    buf[64..72].copy_from_slice(&k.to_be_bytes());
    buf[72..].copy_from_slice(seed.as_slice());
    keccak256(buf)
}

/// Toy inbox accumulator after batch `k`: `acc_k = keccak(acc_{k-1} ‖ uint64 k)`, `acc_{-1} = 0`.
pub fn inbox_acc(k: u64) -> B256 {
    let mut acc = B256::ZERO;
    for i in 0..=k {
        let mut buf = [0u8; 40];
        buf[..32].copy_from_slice(acc.as_slice());
        buf[32..].copy_from_slice(&i.to_be_bytes());
        acc = keccak256(buf);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    /// The mandatory bisection height as the spec defines it, computed the slow way: the
    /// largest multiple of the largest power of two that fits strictly inside (start, end).
    fn mbh_reference(start: u64, end: u64) -> u64 {
        if end - start == 2 {
            return start + 1;
        }
        let mut p = 63;
        loop {
            let unit = 1u64 << p;
            // the highest bit where start and end-1 differ is the largest power of two with a
            // multiple in (start, end-1]
            let m = ((end - 1) / unit) * unit;
            if m > start && m < end {
                return m;
            }
            p -= 1;
        }
    }

    #[test]
    fn mbh_hand_values() {
        assert_eq!(mandatory_bisection_height(0, 16), Some(8));
        assert_eq!(mandatory_bisection_height(0, 2), Some(1));
        assert_eq!(mandatory_bisection_height(8, 16), Some(12));
        assert_eq!(mandatory_bisection_height(4, 7), Some(6)); // 4^6=2: p=1 → 6 & !1 = 6
        assert_eq!(mandatory_bisection_height(3, 9), Some(8)); // 3^8=11: p=3 → 8
        assert_eq!(mandatory_bisection_height(5, 8), Some(6)); // 5^7=2: p=1 → 6
        assert_eq!(mandatory_bisection_height(0, 1), None);
        assert_eq!(mandatory_bisection_height(7, 7), None);
    }

    #[test]
    fn mbh_matches_reference_over_small_pairs() {
        for start in 0..130u64 {
            for end in start + 2..start + 140 {
                let m = mandatory_bisection_height(start, end).unwrap();
                assert_eq!(m, mbh_reference(start, end), "({start},{end})");
                assert!(start < m && m < end);
            }
        }
    }

    #[test]
    fn mbh_dyadic_edges_split_at_midpoint() {
        for k in 1..8 {
            let len = 1u64 << k;
            for i in 0..8 {
                let (s, e) = (i * len, (i + 1) * len);
                assert_eq!(mandatory_bisection_height(s, e), Some(s + len / 2));
            }
        }
    }

    #[test]
    fn commitment_hand_values() {
        // R_0 = keccak(0x00 ‖ x0), 33 bytes
        let mut pre = vec![0u8];
        pre.extend_from_slice(h(1).as_slice());
        assert_eq!(single_root(h(1)), keccak256(&pre));
        // R_1 = keccak(R_0 ‖ x1), 64 bytes
        let mut pre1 = keccak256(&pre).to_vec();
        pre1.extend_from_slice(h(2).as_slice());
        let r1 = keccak256(&pre1);
        assert_eq!(root(&[h(1), h(2)]), r1);
        let roots = prefix_roots(&[h(1), h(2), h(3)]);
        assert_eq!(roots[1], r1);
        assert!(is_last_leaf(roots[2], 2, h(3), &last_leaf_proof(&roots, 2)));
        assert!(is_last_leaf(roots[0], 0, h(1), &last_leaf_proof(&roots, 0)));
        assert!(!is_last_leaf(
            roots[2],
            2,
            h(2),
            &last_leaf_proof(&roots, 2)
        ));
        let leaves = [h(1), h(2), h(3), h(4), h(5)];
        let roots = prefix_roots(&leaves);
        let p = prefix_proof(&leaves, 1, 4);
        assert!(is_prefix(roots[1], 1, roots[4], 4, &p));
        assert!(!is_prefix(roots[2], 1, roots[4], 4, &p));
        // the proof is abi.encode(bytes32[]): offset, length, elements
        assert_eq!(p.len(), 32 * (2 + 3));
        assert_eq!(p[63], 3);
    }

    #[test]
    fn ids_hand_values() {
        let mut pre = vec![3u8];
        pre.extend_from_slice(h(7).as_slice());
        let mut five = [0u8; 32];
        five[31] = 5;
        pre.extend_from_slice(&five);
        pre.extend_from_slice(h(8).as_slice());
        let mut nine = [0u8; 32];
        nine[31] = 9;
        pre.extend_from_slice(&nine);
        assert_eq!(pre.len(), 129);
        let m = keccak256(&pre);
        assert_eq!(mutual_id(3, h(7), 5, h(8), 9), m);
        let mut pre2 = m.to_vec();
        pre2.extend_from_slice(h(9).as_slice());
        assert_eq!(edge_id(m, h(9)), keccak256(&pre2));
    }

    #[test]
    fn step_and_inbox_hand_values() {
        let tag = keccak256(b"crucible.toy.step.v1");
        assert_eq!(step_tag(), tag);
        let mut pre = tag.to_vec();
        pre.extend_from_slice(h(1).as_slice());
        pre.extend_from_slice(&7u64.to_be_bytes());
        pre.extend_from_slice(h(2).as_slice());
        assert_eq!(pre.len(), 104);
        assert_eq!(step(tag, h(1), 7, h(2)), keccak256(&pre));
        let mut a0 = [0u8; 40];
        a0[32..].copy_from_slice(&0u64.to_be_bytes());
        let acc0 = keccak256(a0);
        assert_eq!(inbox_acc(0), acc0);
        let mut a1 = acc0.to_vec();
        a1.extend_from_slice(&1u64.to_be_bytes());
        assert_eq!(inbox_acc(1), keccak256(&a1));
    }
}
