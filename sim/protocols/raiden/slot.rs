//! The earliest time a monitoring service may monitor a closed channel (specs §6.2), computed
//! exactly as `MonitoringService.firstTimestampAllowedToMonitor` does.

use alloy_primitives::{Address, U256};

/// `close + ⌊30·T/100⌋ + (p1 + p2 + ms) mod ⌊50·T/100⌋`, with addresses as uint160 summed in
/// uint256. `None` when the range is zero (`T < 2`), where the contract divides by zero.
pub fn first_allowed(
    closed_at: U256,
    settle_timeout: U256,
    p1: Address,
    p2: Address,
    ms: Address,
) -> Option<U256> {
    let hundred = U256::from(100u64);
    let best = closed_at + U256::from(30u64) * settle_timeout / hundred;
    let range = U256::from(50u64) * settle_timeout / hundred;
    if range.is_zero() {
        return None;
    }
    let sum = as_uint(p1) + as_uint(p2) + as_uint(ms);
    Some(best + sum % range)
}

fn as_uint(a: Address) -> U256 {
    U256::from_be_slice(a.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> Address {
        Address::with_last_byte(last)
    }

    #[test]
    fn small_addresses_give_their_sum_as_offset() {
        // T = 240: best = 1000 + 72, range = 120, offset = (1 + 2 + 3) mod 120 = 6.
        let t = first_allowed(
            U256::from(1000u64),
            U256::from(240u64),
            addr(1),
            addr(2),
            addr(3),
        );
        assert_eq!(t, Some(U256::from(1078u64)));
        // The participants' order does not matter.
        let u = first_allowed(
            U256::from(1000u64),
            U256::from(240u64),
            addr(2),
            addr(1),
            addr(3),
        );
        assert_eq!(t, u);
    }

    #[test]
    fn largest_addresses_wrap_modulo_the_range() {
        // 2^160 ≡ 16 (mod 120), so 3·(2^160 − 1) ≡ 3·15 = 45.
        let max = Address::repeat_byte(0xff);
        let t = first_allowed(U256::from(1000u64), U256::from(240u64), max, max, max);
        assert_eq!(t, Some(U256::from(1000u64 + 72 + 45)));
        // T = 15000: best = close + 4500, range = 7500; 2^160 ≡ 5476 (mod 7500)
        // (≡ 0 mod 4, ≡ 1726 mod 1875), so 3·5475 = 16425 ≡ 1425.
        let t = first_allowed(U256::ZERO, U256::from(15_000u64), max, max, max);
        assert_eq!(t, Some(U256::from(4500u64 + 1425)));
    }

    #[test]
    fn integer_division_multiplies_first() {
        // T = 7: best = ⌊210/100⌋ = 2, range = ⌊350/100⌋ = 3; offset (1+2+3) mod 3 = 0.
        assert_eq!(
            first_allowed(
                U256::from(10u64),
                U256::from(7u64),
                addr(1),
                addr(2),
                addr(3)
            ),
            Some(U256::from(12u64))
        );
        // T = 3: best 0, range 1.
        assert_eq!(
            first_allowed(
                U256::from(10u64),
                U256::from(3u64),
                addr(1),
                addr(2),
                addr(4)
            ),
            Some(U256::from(10u64))
        );
    }

    #[test]
    fn timeout_below_two_has_no_slot() {
        assert_eq!(
            first_allowed(U256::ZERO, U256::from(1u64), addr(1), addr(2), addr(3)),
            None
        );
        assert!(first_allowed(U256::ZERO, U256::from(2u64), addr(1), addr(2), addr(3)).is_some());
    }
}
