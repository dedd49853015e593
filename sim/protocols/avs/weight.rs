//! The registry's weight at call time, `weightNow(op)` (spec §3), as a model: the operator-set
//! weight plus, on the M2 path, the M2 quorum weight, with quirk Q4 (double counting).

use alloy_primitives::U256;

/// `WAD = 10¹⁸`.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// Basis points of a quorum's multipliers.
pub const BPS: U256 = U256::from_limbs([10_000, 0, 0, 0]);

/// One strategy of the operator set as the allocation manager holds it for an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub shares: U256,
    pub current_magnitude: U256,
    pub max_magnitude: U256,
}

/// What `weightNow(op)` depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightInputs {
    /// `op` is a member of the AVS's operator set.
    pub member: bool,
    /// The set's strategies for `op`.
    pub set: Vec<Allocation>,
    /// `(shares(op, s), multiplier_s)` for each strategy of the M2 quorum.
    pub quorum: Vec<(U256, U256)>,
    pub minimum_weight: U256,
    /// Mode: the M2 quorum weight counts.
    pub m2_path: bool,
    /// Q4 intended: a member of the set counts its set weight only.
    pub no_double_count: bool,
}

/// `Σ_s shares · (currentMag · WAD / maxMag) / WAD`, floor divisions in that order; 0 for a
/// non-member. Strategies with `maxMag = 0` (never allocated) add nothing.
pub fn operator_set_weight(member: bool, set: &[Allocation]) -> U256 {
    if !member {
        return U256::ZERO;
    }
    set.iter()
        .filter(|a| !a.max_magnitude.is_zero())
        .map(|a| a.shares * (a.current_magnitude * WAD / a.max_magnitude) / WAD)
        .sum()
}

/// `Σ_s shares(op,s) · multiplier_s / 10 000`: the products are summed, then floored once, as
/// EigenLayer's ECDSA stake registry computes the M2 weight.
pub fn m2_weight(quorum: &[(U256, U256)]) -> U256 {
    quorum.iter().map(|(s, m)| *s * *m).sum::<U256>() / BPS
}

/// `weightNow(op)`: each component is 0 below the minimum weight. Faithful Q4 adds the two
/// components, so an operator on both paths counts its stake twice; intended counts the set
/// weight alone for a member of the set and the M2 weight for an operator outside it.
pub fn weight_now(w: &WeightInputs) -> U256 {
    let floor = |x: U256| if x < w.minimum_weight { U256::ZERO } else { x };
    let set = floor(operator_set_weight(w.member, &w.set));
    if !w.m2_path {
        return set;
    }
    let m2 = floor(m2_weight(&w.quorum));
    match (w.no_double_count, w.member) {
        (true, true) => set,
        (true, false) => m2,
        (false, _) => set + m2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(shares: u64) -> Allocation {
        Allocation {
            shares: U256::from(shares),
            current_magnitude: WAD,
            max_magnitude: WAD,
        }
    }

    fn inputs(member: bool, m2_path: bool, no_double_count: bool) -> WeightInputs {
        WeightInputs {
            member,
            set: vec![full(100)],
            quorum: vec![(U256::from(100), BPS)],
            minimum_weight: U256::ZERO,
            m2_path,
            no_double_count,
        }
    }

    #[test]
    fn double_counting_is_q4() {
        let w = |m, p, n| weight_now(&inputs(m, p, n)).to::<u64>();
        assert_eq!(w(true, false, false), 100, "set path only");
        assert_eq!(w(true, true, false), 200, "faithful: both paths added");
        assert_eq!(w(true, true, true), 100, "intended: set weight only");
        assert_eq!(w(false, true, false), 100, "outside the set: M2 only");
        assert_eq!(w(false, true, true), 100, "outside the set: M2 only");
        assert_eq!(w(false, false, false), 0, "outside the set, no M2 path");
    }

    #[test]
    fn m2_floors_once_after_the_sum() {
        // 3 · 3333 + 3 · 6667 = 30 000 → 3; flooring each term would give 0 + 2 = 2.
        let q = [
            (U256::from(3), U256::from(3333)),
            (U256::from(3), U256::from(6667)),
        ];
        assert_eq!(m2_weight(&q), U256::from(3));
    }

    #[test]
    fn minimum_applies_to_each_component() {
        let mut i = inputs(true, true, false);
        i.quorum = vec![(U256::from(40), BPS)];
        i.minimum_weight = U256::from(50);
        assert_eq!(weight_now(&i), U256::from(100), "M2 part below the minimum");
        i.minimum_weight = U256::from(101);
        assert_eq!(weight_now(&i), U256::ZERO);
    }

    #[test]
    fn set_weight_floors_in_order() {
        // shares 10, magnitude 1/3: 10 · floor(WAD/3) / WAD = 3 (not 3.33).
        let a = Allocation {
            shares: U256::from(10),
            current_magnitude: WAD / U256::from(3),
            max_magnitude: WAD,
        };
        assert_eq!(operator_set_weight(true, &[a]), U256::from(3));
    }
}
