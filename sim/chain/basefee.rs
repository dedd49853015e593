//! EIP-1559 base fee rule and congestion spikes.

use super::{BaseFeeRule, BaseFeeSpike};
use crate::engine::time::SimTime;
use alloy_primitives::U256;

/// Rule base fee of a block whose parent had rule base fee `parent_fee` and used
/// `parent_gas_used` of `gas_limit` (EIP-1559, with a floor of `rule.min_wei`).
pub fn next_base_fee(
    rule: &BaseFeeRule,
    parent_fee: u128,
    parent_gas_used: u64,
    gas_limit: u64,
) -> u128 {
    let target = gas_limit / rule.elasticity.max(1);
    let denom = rule.max_change_denominator.max(1);
    let next = if target == 0 || parent_gas_used == target {
        parent_fee
    } else if parent_gas_used == 0 {
        // An empty parent: `parent · target / target / denom` is `parent / denom` exactly,
        // without the 256-bit arithmetic (most blocks of a long run are empty).
        parent_fee - parent_fee / u128::from(denom)
    } else {
        let parent = U256::from(parent_fee);
        if parent_gas_used > target {
            let delta = parent * U256::from(parent_gas_used - target)
                / U256::from(target)
                / U256::from(denom);
            let delta = to_u128(delta).max(1);
            parent_fee.saturating_add(delta)
        } else {
            let delta = parent * U256::from(target - parent_gas_used)
                / U256::from(target)
                / U256::from(denom);
            parent_fee.saturating_sub(to_u128(delta))
        }
    };
    next.max(rule.min_wei)
}

/// The fee cap a transaction gets when its sender sets none: twice the base fee plus the tip,
/// enough to stay includable through several blocks of rising base fee.
pub fn default_max_fee(base_fee: u128, tip: u128) -> u128 {
    base_fee.saturating_mul(2).saturating_add(tip)
}

/// Product of the multipliers of all spikes covering `now` (`from <= now < to`); 1 if none.
pub fn spike_multiplier(spikes: &[BaseFeeSpike], now: SimTime) -> u128 {
    spikes
        .iter()
        .filter(|s| s.from <= now && now < s.to)
        .fold(1u128, |m, s| m.saturating_mul(u128::from(s.multiplier)))
}

fn to_u128(v: U256) -> u128 {
    u128::try_from(v).unwrap_or(u128::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> BaseFeeRule {
        BaseFeeRule {
            initial_wei: 1_000_000_000,
            elasticity: 2,
            max_change_denominator: 8,
            min_wei: 7,
        }
    }

    #[test]
    fn full_block_raises_by_an_eighth() {
        assert_eq!(
            next_base_fee(&rule(), 1_000_000_000, 30_000_000, 30_000_000),
            1_125_000_000
        );
    }

    #[test]
    fn empty_block_lowers_by_an_eighth() {
        assert_eq!(
            next_base_fee(&rule(), 1_000_000_000, 0, 30_000_000),
            875_000_000
        );
    }

    #[test]
    fn empty_parent_shortcut_equals_the_256_bit_rule() {
        for denom in [1u64, 2, 7, 8, 1000] {
            for gas_limit in [30_000_000u64, 3, 1 << 40] {
                let r = BaseFeeRule {
                    max_change_denominator: denom,
                    min_wei: 0,
                    ..rule()
                };
                let target = U256::from(gas_limit / r.elasticity);
                for fee in [0u128, 1, 7, 9, 1_000_000_007, u128::MAX / 3, u128::MAX] {
                    let p = U256::from(fee);
                    let delta = to_u128(p * target / target / U256::from(denom));
                    assert_eq!(
                        next_base_fee(&r, fee, 0, gas_limit),
                        fee - delta,
                        "fee {fee}, denom {denom}, gas limit {gas_limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn target_keeps_fee_and_min_is_respected() {
        assert_eq!(next_base_fee(&rule(), 1000, 15_000_000, 30_000_000), 1000);
        assert_eq!(next_base_fee(&rule(), 8, 0, 30_000_000), 7);
        // A tiny fee above target still moves by at least one wei.
        assert_eq!(next_base_fee(&rule(), 7, 15_000_001, 30_000_000), 8);
    }

    #[test]
    fn spikes_cover_half_open_windows() {
        let spikes = vec![BaseFeeSpike {
            from: SimTime(10),
            to: SimTime(20),
            multiplier: 3,
        }];
        assert_eq!(spike_multiplier(&spikes, SimTime(9)), 1);
        assert_eq!(spike_multiplier(&spikes, SimTime(10)), 3);
        assert_eq!(spike_multiplier(&spikes, SimTime(19)), 3);
        assert_eq!(spike_multiplier(&spikes, SimTime(20)), 1);
    }
}
