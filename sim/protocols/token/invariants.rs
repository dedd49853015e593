//! Invariants of the token protocol.

use super::{Shared, Token};
use crate::check::{Invariant, Probe};
use crate::trace::CheckKind;
use alloy_primitives::U256;

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(Conservation(shared.clone())),
        Box::new(TransfersLand(shared.clone())),
        Box::new(SlowInclusionSeen(shared.clone())),
    ]
}

/// `always`: the holders' balances add up to the total supply, which equals what was minted.
struct Conservation(Shared);

impl Invariant for Conservation {
    fn name(&self) -> &str {
        "token.conservation"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let l = self.0.borrow();
        let supply = probe
            .view(l.chain, l.token, &Token::totalSupplyCall {})
            .map_err(|e| format!("totalSupply: {e}"))?;
        if supply != l.minted {
            return Err(format!("total supply {supply} != minted {}", l.minted));
        }
        let mut sum = U256::ZERO;
        for h in &l.holders {
            sum += probe
                .view(l.chain, l.token, &Token::balanceOfCall { account: *h })
                .map_err(|e| format!("balanceOf: {e}"))?;
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
        let mut stuck = l.in_flight.iter().filter(|(tx, f)| {
            now.saturating_sub(f.submitted_ms) > l.slow_inclusion_ms
                && probe.awaiting_inclusion(**tx)
        });
        match stuck.next() {
            None => Ok(()),
            Some((tx, f)) => Err(format!(
                "{} transfers never included (first: {tx} by {} at {}ms)",
                1 + stuck.count(),
                f.payer,
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
