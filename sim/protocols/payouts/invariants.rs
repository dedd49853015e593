//! Invariants of the payouts pipeline (spec §6): nothing paid twice, per payee and period
//! owed = paid + held, and the receipts the payer collected match the chains' token balances.

use super::accountant::L1;
use super::bindings::Token;
use super::raiden_method::RAIDEN;
use super::Shared;
use crate::check::{Invariant, Probe};
use crate::protocols::raiden::TokenNetwork;
use crate::trace::CheckKind;
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;

pub(crate) fn all(book: &Shared) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(NoDoublePayment {
            book: book.clone(),
            seen: 0,
        }),
        Box::new(OwedPaidHeld { book: book.clone() }),
        Box::new(ReceiptsMatchChain { book: book.clone() }),
    ]
}

/// Every confirmed payout is a planned one, paid once and for exactly its amount.
struct NoDoublePayment {
    book: Shared,
    /// Confirmed transfers already checked.
    seen: usize,
}

impl Invariant for NoDoublePayment {
    fn name(&self) -> &str {
        "payouts.no_double_payment"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        self.book.borrow_mut().sync_raiden();
        let b = self.book.borrow();
        let count: usize = b.confirmed.values().map(|v| v.len()).sum();
        if count == self.seen {
            return Ok(());
        }
        self.seen = count;
        let expected = b.expected();
        for ((p, m, w), amounts) in &b.confirmed {
            let want = expected.get(&(*p, m.clone(), *w));
            if amounts.len() != 1 || want != Some(&amounts[0]) {
                return Err(format!(
                    "period {p} {m} payout to {w:#x}: paid {amounts:?}, planned {want:?}"
                ));
            }
        }
        Ok(())
    }
}

/// Per payee and period: owed (invoiced plus carried in) = paid (rows whose payout is confirmed
/// on chain) + held.
struct OwedPaidHeld {
    book: Shared,
}

impl Invariant for OwedPaidHeld {
    fn name(&self) -> &str {
        "payouts.owed_paid_held"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        self.book.borrow_mut().sync_raiden();
        let b = self.book.borrow();
        for plan in &b.plans {
            let mut owed: BTreeMap<&str, U256> = BTreeMap::new();
            let mut paid: BTreeMap<&str, U256> = BTreeMap::new();
            for (row, method) in &plan.assigned {
                *owed.entry(&row.payee).or_default() += row.owed;
                let key = (plan.period, method.clone(), row.wallet);
                let planned = plan.payouts.get(method).and_then(|m| m.get(&row.wallet));
                let got = b.confirmed.get(&key);
                if got.is_some_and(|v| v.len() == 1 && Some(&v[0]) == planned) {
                    *paid.entry(&row.payee).or_default() += row.owed;
                }
            }
            for row in &plan.held {
                *owed.entry(&row.payee).or_default() += row.owed;
                *paid.entry(&row.payee).or_default() += row.owed;
            }
            for (payee, o) in &owed {
                let ph = paid.get(payee).copied().unwrap_or_default();
                if ph != *o {
                    return Err(format!(
                        "period {}: payee {payee} owed {o}, paid + held {ph}",
                        plan.period
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The payout token balance of every paid wallet, on l1 and on the l2, equals the sum of its
/// confirmed payouts there (wallets receive the payout token only from the payer); a raiden
/// wallet's accepted payouts equal what its node holds off-chain, and each channel still open
/// holds a payer deposit that covers them.
struct ReceiptsMatchChain {
    book: Shared,
}

impl Invariant for ReceiptsMatchChain {
    fn name(&self) -> &str {
        "payouts.receipts_match_chain"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        self.book.borrow_mut().sync_raiden();
        let (l1, token, l2, l2_token, sums) = {
            let b = self.book.borrow();
            let mut sums: BTreeMap<(bool, Address), U256> = BTreeMap::new();
            for ((_, m, w), v) in &b.confirmed {
                if m == RAIDEN {
                    continue;
                }
                *sums.entry((m != L1, *w)).or_default() += v.iter().copied().sum::<U256>();
            }
            (b.l1, b.token, b.l2, b.l2_token, sums)
        };
        raiden_receipts(&self.book, probe)?;
        for ((on_l2, w), want) in sums {
            let (chain, t) = if on_l2 {
                match (l2, l2_token) {
                    (Some(c), Some(t)) => (c, t),
                    _ => return Err("l2 payouts without an l2".into()),
                }
            } else {
                (l1, token)
            };
            let have = probe
                .view(chain, t, &Token::balanceOfCall { account: w })
                .map_err(|e| format!("balanceOf({w:#x}): {e}"))?;
            if have != want {
                return Err(format!(
                    "wallet {w:#x} holds {have} on {}, receipts say {want}",
                    if on_l2 { "l2" } else { "l1" }
                ));
            }
        }
        Ok(())
    }
}

/// The `raiden` receipts against the off-chain and on-chain state: per wallet, the accepted
/// payouts sum to the transferred amount of the newest payer proof its node holds, and each of
/// the payer's open channels holds a deposit of at least what the payer has transferred on it.
fn raiden_receipts(book: &Shared, probe: &mut Probe) -> Result<(), String> {
    let b = book.borrow();
    let Some(link) = b.raiden.as_ref() else {
        return Ok(());
    };
    for (w, pos) in b.raiden_positions() {
        let confirmed: U256 = b
            .confirmed
            .iter()
            .filter(|((_, m, wallet), _)| m == RAIDEN && *wallet == w)
            .flat_map(|(_, v)| v.iter().copied())
            .sum();
        if confirmed != pos.accepted || pos.held != pos.accepted {
            return Err(format!(
                "raiden wallet {w:#x}: receipts say {confirmed}, accepted proofs {}, its node holds {}",
                pos.accepted, pos.held
            ));
        }
    }
    for (w, lane) in &b.raiden_book.lanes {
        let Some(id) = lane.channel.filter(|_| !lane.closed) else {
            continue;
        };
        let info = probe
            .view(
                link.chain,
                link.tn,
                &TokenNetwork::getChannelParticipantInfoCall {
                    channel_identifier: U256::from(id),
                    participant: b.payer,
                    partner: *w,
                },
            )
            .map_err(|e| format!("getChannelParticipantInfo: {e}"))?;
        if info.deposit < lane.transferred {
            return Err(format!(
                "raiden channel {id} to {w:#x}: payer deposit {} < transferred {}",
                info.deposit, lane.transferred
            ));
        }
    }
    Ok(())
}
