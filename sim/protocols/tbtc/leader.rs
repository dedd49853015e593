//! Leader selection (spec section 5).
//!
//! The client takes the distinct operator address strings of the wallet's signing group, sorts
//! them byte-wise, shuffles them with a fresh Go generator seeded from the coordination seed
//! and takes the first. Byte-wise order on EIP-55 strings puts `'0'..'9' < 'A'..'F' < 'a'..'f'`,
//! which is not numeric order, so operators must be rendered exactly as the client prints them
//! ([`super::eip55`]) before calling [`select_leader`].

use super::eip55::{self, AddressError};
use super::gorand::GoRand;

/// The outcome of leader selection with its intermediate orders, for reports and cross-checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderSelection {
    /// Distinct operator strings in ascending byte-wise order.
    pub sorted: Vec<String>,
    /// `sorted` after the Go shuffle.
    pub shuffled: Vec<String>,
    /// `shuffled[0]`.
    pub leader: String,
}

/// Distinct strings (exact-string comparison) in ascending byte-wise order, like the client's
/// set-then-`sort.Slice` on `chain.Address` strings.
pub fn unique_sorted<S: AsRef<str>>(operators: &[S]) -> Vec<String> {
    let mut out: Vec<String> = operators.iter().map(|s| s.as_ref().to_owned()).collect();
    out.sort();
    out.dedup();
    out
}

/// Selects the leader among `operators` (one entry per seat; duplicates allowed) for the Go
/// seed `s` (see [`super::gorand::seed_i64`]): dedupe, sort, shuffle with a fresh
/// `GoRand::new(s)`, take the first. `None` for an empty list.
pub fn select_leader<S: AsRef<str>>(operators: &[S], s: i64) -> Option<LeaderSelection> {
    let sorted = unique_sorted(operators);
    let mut shuffled = sorted.clone();
    GoRand::new(s).shuffle(&mut shuffled);
    let leader = shuffled.first()?.clone();
    Some(LeaderSelection {
        sorted,
        shuffled,
        leader,
    })
}

/// The seat the leader speaks through: the lowest member index it holds. `seats` lists the
/// operator of each seat in seat order; member indices are 1-based as in the client, so the
/// first entry is seat 1. `None` if `operator` holds no seat.
pub fn sender_seat<S: AsRef<str>>(seats: &[S], operator: &str) -> Option<u32> {
    seats
        .iter()
        .position(|s| s.as_ref() == operator)
        .map(|i| i as u32 + 1)
}

/// Renders 20-byte operator addresses as the client's EIP-55 `0x` strings.
pub fn operator_strings(addrs: &[[u8; 20]]) -> Vec<String> {
    addrs.iter().map(eip55::to_checksum).collect()
}

/// Normalizes operator strings in any case (with or without `0x`) to EIP-55 `0x` strings,
/// keeping seat order. On failure returns the position of the first bad entry and why.
pub fn normalize_operators<S: AsRef<str>>(
    operators: &[S],
) -> Result<Vec<String>, (usize, AddressError)> {
    operators
        .iter()
        .enumerate()
        .map(|(i, s)| eip55::normalize(s.as_ref()).map_err(|e| (i, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_strings_byte_wise_not_numerically() {
        // 0xAb58... < 0xa0Ee... as strings although 0xa0... < 0xab... as numbers.
        let a = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
        let b = "0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B";
        assert_eq!(eip55::normalize(a).unwrap(), a);
        assert_eq!(eip55::normalize(b).unwrap(), b);
        assert_eq!(unique_sorted(&[a, b, a]), vec![b.to_owned(), a.to_owned()]);
        let nums = unique_sorted(&["10", "9", "1", "9"]);
        assert_eq!(nums, ["1", "10", "9"]);
    }

    #[test]
    fn leader_is_first_of_the_shuffled_sorted_list() {
        // Go seed 0 shuffles three elements to [b, a, c] (hand-derived in gorand's tests).
        let sel = select_leader(&["c", "a", "b", "a", "c"], 0).unwrap();
        assert_eq!(sel.sorted, ["a", "b", "c"]);
        assert_eq!(sel.shuffled, ["b", "a", "c"]);
        assert_eq!(sel.leader, "b");
        // A single operator leads whatever the seed.
        assert_eq!(select_leader(&["x", "x"], 12345).unwrap().leader, "x");
        assert_eq!(select_leader::<&str>(&[], 1), None);
        // The seat order of the input does not matter, only the set.
        let other = select_leader(&["b", "c", "a"], 0).unwrap();
        assert_eq!(other, sel);
    }

    #[test]
    fn sender_seat_is_lowest_one_based_index() {
        let seats = ["x", "y", "z", "y"];
        assert_eq!(sender_seat(&seats, "x"), Some(1));
        assert_eq!(sender_seat(&seats, "y"), Some(2));
        assert_eq!(sender_seat(&seats, "z"), Some(3));
        assert_eq!(sender_seat(&seats, "w"), None);
    }

    #[test]
    fn normalization_keeps_seat_order_and_reports_bad_entries() {
        let ops = [
            "0xde709f2102306220921060314715629080e2fb77",
            "52908400098527886e0f7030069857d2e4169ee7",
        ];
        assert_eq!(
            normalize_operators(&ops).unwrap(),
            [
                "0xde709f2102306220921060314715629080e2fb77",
                "0x52908400098527886E0F7030069857D2E4169EE7"
            ]
        );
        let err = normalize_operators(&[ops[0], "0x12"]).unwrap_err();
        assert_eq!(err, (1, AddressError::Length(2)));
        let addr = eip55::parse_address(ops[1]).unwrap();
        assert_eq!(
            operator_strings(&[addr]),
            ["0x52908400098527886E0F7030069857D2E4169EE7"]
        );
    }
}
