//! Invariants of the token protocol.

use super::{InFlight, Shared};
use crate::check::{mapping_slot, Invariant, Probe};
use crate::trace::CheckKind;
use alloy_primitives::{B256, U256};

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(Conservation {
            ledger: shared.clone(),
            slots: Vec::new(),
        }),
        Box::new(TransfersLand(shared.clone())),
        Box::new(SlowInclusionSeen(shared.clone())),
    ]
}

/// `always`: the holders' balances add up to the total supply, which equals what was minted.
///
/// It runs every block, so it reads `Token`'s storage directly (slots from the contract's
/// layout, checked against the public getters by a test) instead of making one EVM call per
/// holder.
struct Conservation {
    ledger: Shared,
    /// `balanceOf` slot of each holder, in holder order (holders are only ever appended).
    slots: Vec<U256>,
}

/// `Token` storage layout: `name` 0, `symbol` 1, `totalSupply` 2, `minter` 3, `balanceOf` 4.
pub(super) const TOTAL_SUPPLY_SLOT: u64 = 2;
pub(super) const BALANCE_OF_SLOT: u64 = 4;

impl Invariant for Conservation {
    fn name(&self) -> &str {
        "token.conservation"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let l = self.ledger.borrow();
        let supply = probe.storage(l.chain, l.token, U256::from(TOTAL_SUPPLY_SLOT));
        if supply != l.minted {
            return Err(format!("total supply {supply} != minted {}", l.minted));
        }
        let mut sum = U256::ZERO;
        for h in &l.holders[self.slots.len()..] {
            self.slots.push(mapping_slot(*h, BALANCE_OF_SLOT));
        }
        for slot in &self.slots {
            sum += probe.storage(l.chain, l.token, *slot);
        }
        if sum != supply {
            return Err(format!(
                "balances add up to {sum}, total supply is {supply}"
            ));
        }
        Ok(())
    }
}

/// `eventually`: after faults stop and the quiet period passes, no transfer has been waiting
/// for inclusion longer than `slow_inclusion`.
///
/// The chain decides what is still waiting, not the payer's bookkeeping: a payer that was
/// offline or crashed when its transfer was included never hears the receipt, and payers keep
/// paying through the quiet period, so a transfer submitted moments before the end is in flight
/// without anything being wrong. (Both were found by `crucible fuzz`.)
struct TransfersLand(Shared);

impl Invariant for TransfersLand {
    fn name(&self) -> &str {
        "token.transfers_land"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let l = self.0.borrow();
        let now = probe.now().ms();
        let stuck: Vec<(&B256, &InFlight)> = l
            .in_flight
            .iter()
            .filter(|(tx, f)| {
                now.saturating_sub(f.submitted_ms) > l.slow_inclusion_ms
                    && probe.awaiting_inclusion(**tx)
            })
            .collect();
        // The one named is the lowest transaction id, whatever order the book keeps.
        match stuck.iter().min_by_key(|(tx, _)| **tx) {
            None => Ok(()),
            Some((tx, f)) => Err(format!(
                "{} transfers never included (first: {tx} by {} at {}ms)",
                stuck.len(),
                probe.actor_name(f.payer),
                f.submitted_ms
            )),
        }
    }
}

/// `sometimes`: some transfer waited longer than `slow_inclusion` (the faults bit).
struct SlowInclusionSeen(Shared);

impl Invariant for SlowInclusionSeen {
    fn name(&self) -> &str {
        "token.slow_inclusion_seen"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Sometimes
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let l = self.0.borrow();
        if l.slowest_ms >= l.slow_inclusion_ms {
            Ok(())
        } else {
            Err(format!(
                "slowest inclusion {}ms < {}ms",
                l.slowest_ms, l.slow_inclusion_ms
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{BaseFeeRule, Chain, ChainConfig};
    use crate::protocols::token::Token;
    use alloy_primitives::{Address, Bytes};
    use alloy_sol_types::SolCall;

    /// The slots the conservation check reads are the ones the public getters return.
    #[test]
    fn storage_slots_match_the_getters() {
        let mut chain = Chain::new(ChainConfig {
            name: "l1".into(),
            chain_id: 1337,
            block_time_ms: 12_000,
            gas_limit: 30_000_000,
            base_fee: BaseFeeRule {
                initial_wei: 1_000_000_000,
                elasticity: 2,
                max_change_denominator: 8,
                min_wei: 7,
            },
            spikes: Vec::new(),
            genesis_timestamp: 1_700_000_000,
            coinbase: Address::with_last_byte(0xc0),
        });
        let deployer = Address::with_last_byte(1);
        chain.fund(deployer, U256::from(10u128.pow(20)));
        let token = chain
            .deploy(deployer, crate::protocols::token::initcode("T", "T").into())
            .unwrap()
            .address;
        let holders: Vec<Address> = (2..7u8).map(Address::with_last_byte).collect();
        for (i, h) in holders.iter().enumerate() {
            let mint = Token::mintCall {
                to: *h,
                amount: U256::from(1000 + i as u64),
            };
            chain
                .genesis_call(deployer, token, mint.abi_encode().into(), U256::ZERO)
                .unwrap();
        }
        let view = |chain: &mut Chain, data: Vec<u8>| {
            U256::from_be_slice(&chain.view(deployer, token, Bytes::from(data)).unwrap())
        };
        let supply = view(&mut chain, Token::totalSupplyCall {}.abi_encode());
        assert_eq!(supply, U256::from(5010));
        assert_eq!(chain.storage(token, U256::from(TOTAL_SUPPLY_SLOT)), supply);
        for h in holders.iter().chain([&deployer]) {
            let got = view(
                &mut chain,
                Token::balanceOfCall { account: *h }.abi_encode(),
            );
            assert_eq!(
                chain.storage(token, mapping_slot(*h, BALANCE_OF_SLOT)),
                got,
                "{h}"
            );
        }
    }
}
