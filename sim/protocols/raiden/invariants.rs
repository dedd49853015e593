//! The invariants of specs §9, wired into the framework. Event-based checks are evaluated while
//! the block's receipts are ingested (see `observe`); state-based ones read the contracts.

use super::observe::Shared;
use super::TokenNetwork;
use crate::check::{Invariant, Probe};
use crate::protocols::token::Token;
use crate::trace::CheckKind;
use alloy_primitives::{keccak256, U256};
use alloy_sol_types::SolValue;

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    let mut out: Vec<Box<dyn Invariant>> =
        vec![Box::new(TokenConservation(shared.clone(), Ok(())))];
    for name in [
        "raiden.settlement_conservation",
        "raiden.monotone_nonces",
        "raiden.access_windows",
    ] {
        out.push(Box::new(EventCheck {
            shared: shared.clone(),
            name,
        }));
    }
    out.push(Box::new(RewardAccounting(shared.clone(), Ok(()))));
    for name in ["raiden.no_replay", "raiden.honest_outcome"] {
        out.push(Box::new(EventCheck {
            shared: shared.clone(),
            name,
        }));
    }
    out.push(Box::new(ChannelsSettle(shared.clone())));
    out
}

/// `always`: the token network holds exactly the deposits of its live channels plus the
/// amounts kept for unlock.
struct TokenConservation(Shared, Result<(), String>);

impl Invariant for TokenConservation {
    fn name(&self) -> &str {
        "raiden.token_conservation"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        if other_chain(&self.0, probe) {
            return self.1.clone();
        }
        self.1 = self.conservation(probe);
        self.1.clone()
    }
}

/// Whether the block just produced is on another chain than the token network's: nothing the
/// state-based checks read has changed, so their last result stands (a scenario with a fast l2
/// next to the Raiden chain would otherwise repeat every view once per l2 block).
fn other_chain(shared: &Shared, probe: &Probe) -> bool {
    let chain = shared.borrow().chain;
    probe.last_block().is_some_and(|(c, _)| c != chain)
}

impl TokenConservation {
    fn conservation(&mut self, probe: &mut Probe) -> Result<(), String> {
        let mut s = self.0.borrow_mut();
        s.ingest(probe);
        let (chain, tn, token) = (s.chain, s.tn, s.token);
        let mut owed = U256::ZERO;
        for ch in s.channels.values() {
            let id = U256::from(ch.id);
            let state = probe
                .view(
                    chain,
                    tn,
                    &TokenNetwork::getChannelStateCall {
                        channel_identifier: id,
                        participant1: ch.a.address,
                        participant2: ch.b.address,
                    },
                )
                .map_err(|e| format!("getChannelState: {e}"))?;
            // Opened = 1, Closed = 2.
            if state == 1 || state == 2 {
                for (p, q) in [(ch.a.address, ch.b.address), (ch.b.address, ch.a.address)] {
                    let info = probe
                        .view(
                            chain,
                            tn,
                            &TokenNetwork::getChannelParticipantInfoCall {
                                channel_identifier: id,
                                participant: p,
                                partner: q,
                            },
                        )
                        .map_err(|e| format!("getChannelParticipantInfo: {e}"))?;
                    owed += info.deposit - info.withdrawn_amount;
                }
            }
            for (sender, receiver) in [(ch.a.address, ch.b.address), (ch.b.address, ch.a.address)] {
                let key = keccak256((id, sender, receiver).abi_encode_packed());
                let u = probe
                    .view(
                        chain,
                        tn,
                        &TokenNetwork::unlock_identifier_to_unlock_dataCall(key),
                    )
                    .map_err(|e| format!("unlock data: {e}"))?;
                owed += u.locked_amount;
            }
        }
        let held = probe
            .view(chain, token, &Token::balanceOfCall { account: tn })
            .map_err(|e| format!("balanceOf: {e}"))?;
        if held != owed {
            return Err(format!(
                "token network holds {held}, live deposits and unlock amounts add up to {owed}"
            ));
        }
        Ok(())
    }
}

/// `always`: a check evaluated on the events of each block while it is ingested.
struct EventCheck {
    shared: Shared,
    name: &'static str,
}

impl Invariant for EventCheck {
    fn name(&self) -> &str {
        self.name
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let mut s = self.shared.borrow_mut();
        s.ingest(probe);
        match s.fresh.get(self.name) {
            Some(d) => Err(d.clone()),
            None => Ok(()),
        }
    }
}

/// `always`: at most one claim per record, each paying the recorded amount, covered by a reward
/// proof; the UserDeposit's books add up and it holds the tokens for them.
struct RewardAccounting(Shared, Result<(), String>);

impl Invariant for RewardAccounting {
    fn name(&self) -> &str {
        "raiden.reward_accounting"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        if other_chain(&self.0, probe) {
            return self.1.clone();
        }
        self.1 = self.accounting(probe);
        self.1.clone()
    }
}

impl RewardAccounting {
    fn accounting(&mut self, probe: &mut Probe) -> Result<(), String> {
        let mut s = self.0.borrow_mut();
        s.ingest(probe);
        if let Some(d) = s.fresh.get("raiden.reward_accounting") {
            return Err(d.clone());
        }
        let (sum, whole, held) = s.udc_balances(probe)?;
        if sum != whole {
            return Err(format!(
                "UDC balances add up to {sum}, whole_balance is {whole}"
            ));
        }
        if held < whole {
            return Err(format!(
                "UDC holds {held} tokens for a whole balance of {whole}"
            ));
        }
        Ok(())
    }
}

/// `eventually`: every closed channel has been settled.
struct ChannelsSettle(Shared);

impl Invariant for ChannelsSettle {
    fn name(&self) -> &str {
        "raiden.channels_settle"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let mut s = self.0.borrow_mut();
        s.ingest(probe);
        let open: Vec<u64> = s
            .channels
            .values()
            .filter(|c| c.closed.is_some() && c.settled.is_none())
            .map(|c| c.id)
            .collect();
        if open.is_empty() {
            Ok(())
        } else {
            Err(format!("closed channels never settled: {open:?}"))
        }
    }
}
