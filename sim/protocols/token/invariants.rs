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

/// `eventually`: after faults stop and the quiet period passes, no transfer is still pending.
struct TransfersLand(Shared);

impl Invariant for TransfersLand {
    fn name(&self) -> &str {
        "token.transfers_land"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let l = self.0.borrow();
        match l.in_flight.iter().next() {
            None => Ok(()),
            Some((tx, f)) => Err(format!(
                "{} transfers never included (first: {tx} by {} at {}ms)",
                l.in_flight.len(),
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
