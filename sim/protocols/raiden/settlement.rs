//! Settlement arithmetic of specs §3, mirrored in Rust: what `settleChannel` pays each side and
//! what it keeps locked, and what an honest participant expects to receive.

use alloy_primitives::U256;

/// One side's totals as settlement sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Side {
    pub deposit: U256,
    pub withdrawn: U256,
    pub transferred: U256,
    pub locked: U256,
}

/// Payouts and the locked remainders kept for `unlock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amounts {
    pub p1: U256,
    pub p2: U256,
    /// Side 1's locks still held for side 2 (L1').
    pub locked1: U256,
    /// Side 2's locks still held for side 1 (L2').
    pub locked2: U256,
}

/// `a + b`, or `2²⁵⁶ − 1` on overflow.
pub fn sat_add(a: U256, b: U256) -> U256 {
    a.saturating_add(b)
}

/// `a > b ? (a − b, b) : (0, a)`.
pub fn fsub(a: U256, b: U256) -> (U256, U256) {
    if a > b {
        (a - b, b)
    } else {
        (U256::ZERO, a)
    }
}

/// The amounts `settleChannel` computes; `None` where the contract reverts ("transfers not
/// ordered", or arithmetic underflow of the available deposit).
pub fn amounts(s1: Side, s2: Side) -> Option<Amounts> {
    if sat_add(s2.transferred, s2.locked) < sat_add(s1.transferred, s1.locked) {
        return None;
    }
    let tad = s1
        .deposit
        .checked_add(s2.deposit)?
        .checked_sub(s1.withdrawn)?
        .checked_sub(s2.withdrawn)?;
    let diff = sat_add(s2.transferred, s2.locked) - sat_add(s1.transferred, s1.locked);
    let p1max = fsub(sat_add(diff, s1.deposit), s1.withdrawn).0;
    let p1 = p1max.min(tad);
    let p2 = tad - p1;
    let (p1, locked2) = fsub(p1, s2.locked);
    let (p2, locked1) = fsub(p2, s1.locked);
    Some(Amounts {
        p1,
        p2,
        locked1,
        locked2,
    })
}

/// Orders two sides as the contract requires (side 2 transferred at least as much) and returns
/// whether they were swapped.
pub fn ordered(a: Side, b: Side) -> (Side, Side, bool) {
    if sat_add(b.transferred, b.locked) >= sat_add(a.transferred, a.locked) {
        (a, b, false)
    } else {
        (b, a, true)
    }
}

/// What side `me` should end with, without locks: `D − W + T_partner − T_me` (never negative).
pub fn expected_payout(me: Side, partner: Side) -> U256 {
    (me.deposit + partner.transferred)
        .saturating_sub(me.withdrawn)
        .saturating_sub(me.transferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(d: u64, w: u64, t: u64, l: u64) -> Side {
        Side {
            deposit: U256::from(d),
            withdrawn: U256::from(w),
            transferred: U256::from(t),
            locked: U256::from(l),
        }
    }

    fn amt(p1: u64, p2: u64, l1: u64, l2: u64) -> Amounts {
        Amounts {
            p1: U256::from(p1),
            p2: U256::from(p2),
            locked1: U256::from(l1),
            locked2: U256::from(l2),
        }
    }

    #[test]
    fn table() {
        // (side 1, side 2, expected) — hand-computed from the formulas of §3.
        let cases = [
            // No transfers: each gets its deposit.
            (side(100, 0, 0, 0), side(50, 0, 0, 0), amt(100, 50, 0, 0)),
            // Side 2 paid 30 net to side 1.
            (side(100, 0, 10, 0), side(50, 0, 40, 0), amt(130, 20, 0, 0)),
            // Withdrawals reduce what is available: TAD = 150 − 20 − 5 = 125.
            (side(100, 20, 10, 0), side(50, 5, 40, 0), amt(110, 15, 0, 0)),
            // Locks: side 2 locked 8 towards side 1, side 1 locked 4 towards side 2.
            // TAD 150; p1max = (40+8) − (10+4) + 100 = 134; p2 = 16;
            // (p1, L2') = fsub(134, 8) = (126, 8); (p2, L1') = fsub(16, 4) = (12, 4).
            (side(100, 0, 10, 4), side(50, 0, 40, 8), amt(126, 12, 4, 8)),
            // Side 2 transferred more than it ever had: side 1 gets everything.
            (side(10, 0, 0, 0), side(10, 0, 500, 0), amt(20, 0, 0, 0)),
            // Locks larger than what is left for the receiver: fsub takes all.
            (side(10, 0, 0, 0), side(10, 0, 5, 15), amt(5, 0, 0, 15)),
            // Equal to what is left: the receiver gets nothing now, all stays locked.
            (side(10, 0, 0, 0), side(10, 0, 5, 20), amt(0, 0, 0, 20)),
        ];
        for (i, (s1, s2, want)) in cases.into_iter().enumerate() {
            let got = amounts(s1, s2).unwrap();
            assert_eq!(got, want, "case {i}");
            let tad = s1.deposit + s2.deposit - s1.withdrawn - s2.withdrawn;
            assert_eq!(got.p1 + got.p2 + got.locked1 + got.locked2, tad, "case {i}");
        }
        assert_eq!(amounts(side(10, 0, 5, 0), side(10, 0, 1, 0)), None);
    }

    #[test]
    fn an_older_partner_proof_never_pays_the_submitter_more() {
        // B paid A in steps; A (side 1) closes. Using an older B proof (smaller T_B) gives A less.
        let a = side(100, 0, 30, 0);
        let mut last = None;
        for t_b in [0u64, 10, 20, 30, 40, 60] {
            let b = side(100, 0, t_b, 0);
            let (s1, s2, swapped) = ordered(a, b);
            let got = amounts(s1, s2).unwrap();
            let to_a = if swapped { got.p2 } else { got.p1 };
            if let Some(prev) = last {
                assert!(to_a >= prev, "A's payout fell when B's proof got newer");
            }
            last = Some(to_a);
            assert_eq!(to_a, expected_payout(a, b));
        }
    }
}
