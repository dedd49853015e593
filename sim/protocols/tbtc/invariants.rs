//! Invariants of the coordination simulation (spec 11). Nodes check the rules where they act
//! and record the first violation per invariant; the `always` checks report it after the next
//! block, so no check walks the whole state per block.

use super::state::Shared;
use crate::check::{Invariant, Probe};
use crate::trace::CheckKind;

/// Names of the invariants, in check order.
pub const NAMES: &[&str] = &[
    "tbtc.leader_agreement",
    "tbtc.accepted_only_from_leader",
    "tbtc.one_action_per_wallet",
    "tbtc.action_timing",
    "tbtc.heartbeat_matches_predictor",
    "tbtc.content_invalid_no_fault",
    "tbtc.redemptions_within_timeout",
];

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    let mut out: Vec<Box<dyn Invariant>> = NAMES[..6]
        .iter()
        .map(|n| {
            Box::new(Recorded {
                name: n,
                shared: shared.clone(),
            }) as Box<dyn Invariant>
        })
        .collect();
    out.push(Box::new(RedemptionsWithinTimeout(shared.clone())));
    out
}

/// `always`: no node recorded a violation of this rule.
struct Recorded {
    name: &'static str,
    shared: Shared,
}

impl Invariant for Recorded {
    fn name(&self) -> &str {
        self.name
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        match self.shared.borrow().violations.get(self.name) {
            None => Ok(()),
            Some(d) => Err(d.clone()),
        }
    }
}

/// `eventually`: after the quiet period no redemption request is pending beyond the bridge's
/// redemption timeout (a liveness violation).
struct RedemptionsWithinTimeout(Shared);

impl Invariant for RedemptionsWithinTimeout {
    fn name(&self) -> &str {
        "tbtc.redemptions_within_timeout"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let s = self.0.borrow();
        let now = probe.head(s.chain).timestamp;
        let late = s
            .pending
            .values()
            .filter(|r| r.requested_ts + s.redemption_timeout_s <= now)
            .count();
        if late == 0 {
            Ok(())
        } else {
            Err(format!(
                "{late} redemption requests pending beyond the {}s timeout",
                s.redemption_timeout_s
            ))
        }
    }
}
