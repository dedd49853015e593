//! Obligation sources: what the protocol modules owe, read from their on-chain events.
//!
//! A source is a pure function from one event log to obligations. The payer's accountant applies
//! it to the logs it is told about during the run, and `crucible verify` applies the same function
//! to the `Log` records of the trace, so the derived invoices match what was executed. Adding a
//! source is one more [`ObligationSource`] in [`SOURCES`].

use super::bindings::FeeLedger;
use crate::protocols::avs::bindings::RewardsLite;
use crate::protocols::bold::bindings::ReimbursementLedger;
use alloy_primitives::{Address, Log as PrimLog, LogData, B256, U256};
use alloy_sol_types::SolEvent;

/// One amount owed to one payee, as a source reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub payee: Address,
    /// The payee's role in the source protocol (`operator`, `service`, …).
    pub role: &'static str,
    /// Qualified source name (`avs.rewards`).
    pub source: &'static str,
    /// Base units of the payout token.
    pub owed: U256,
}

/// An event log as both the world and the trace give it.
#[derive(Clone, Copy, Debug)]
pub struct LogView<'a> {
    pub address: Address,
    pub topics: &'a [B256],
    pub data: &'a [u8],
}

/// A protocol module's obligations, read from one contract's events.
pub trait ObligationSource: Sync {
    /// Qualified source name, written in the invoices' `source` column.
    fn name(&self) -> &'static str;
    /// Qualified name of the contract whose logs it reads (as registered at genesis).
    fn contract(&self) -> &'static str;
    /// First topic of those logs.
    fn topic0(&self) -> B256;
    /// The obligations a log carries (none for logs it does not understand).
    fn decode(&self, log: &LogView) -> Vec<Obligation>;
}

fn prim(log: &LogView) -> Option<PrimLog> {
    LogData::new(log.topics.to_vec(), log.data.to_vec().into()).map(|data| PrimLog {
        address: log.address,
        data,
    })
}

/// AVS operator rewards (spec `avs.md` §8): every `RewardsSubmitted(epoch, operators, amounts)`
/// of `RewardsLite`, one obligation per operator with a non-zero amount.
pub struct AvsRewards;

impl ObligationSource for AvsRewards {
    fn name(&self) -> &'static str {
        "avs.rewards"
    }
    fn contract(&self) -> &'static str {
        "avs.RewardsLite"
    }
    fn topic0(&self) -> B256 {
        RewardsLite::RewardsSubmitted::SIGNATURE_HASH
    }
    fn decode(&self, log: &LogView) -> Vec<Obligation> {
        let Some(l) = prim(log) else {
            return Vec::new();
        };
        let Ok(ev) = RewardsLite::RewardsSubmitted::decode_log(&l) else {
            return Vec::new();
        };
        ev.operators
            .iter()
            .zip(&ev.amounts)
            .filter(|(_, a)| !a.is_zero())
            .map(|(op, a)| Obligation {
                payee: *op,
                role: "operator",
                source: self.name(),
                owed: *a,
            })
            .collect()
    }
}

/// Service fees recorded in the payouts module's own `FeeLedger` (`FeesOwed(payees, amounts)`).
pub struct ServiceFees;

impl ObligationSource for ServiceFees {
    fn name(&self) -> &'static str {
        "payouts.fees"
    }
    fn contract(&self) -> &'static str {
        "payouts.FeeLedger"
    }
    fn topic0(&self) -> B256 {
        FeeLedger::FeesOwed::SIGNATURE_HASH
    }
    fn decode(&self, log: &LogView) -> Vec<Obligation> {
        let Some(l) = prim(log) else {
            return Vec::new();
        };
        let Ok(ev) = FeeLedger::FeesOwed::decode_log(&l) else {
            return Vec::new();
        };
        ev.payees
            .iter()
            .zip(&ev.amounts)
            .filter(|(_, a)| !a.is_zero())
            .map(|(p, a)| Obligation {
                payee: *p,
                role: "service",
                source: self.name(),
                owed: *a,
            })
            .collect()
    }
}

/// Payout-token base units per wei of a BOLD reimbursement: the proposal pays in the native
/// currency and the payout token has 18 decimals, so one wei is one base unit (the payout
/// token stands for wrapped ether).
pub const BASE_UNITS_PER_WEI: u64 = 1;

/// BOLD spec-mode reimbursements (spec `bold.md` §8.2: gas of honest essential moves and the
/// assertion service fee), as the reimbursement watcher records them in the
/// `ReimbursementLedger` (`ReimbursementOwed(payee, kind, amountWei)`): one obligation per
/// non-zero payment, role `validator`, converted at [`BASE_UNITS_PER_WEI`].
pub struct BoldReimbursements;

impl ObligationSource for BoldReimbursements {
    fn name(&self) -> &'static str {
        "bold.reimbursement"
    }
    fn contract(&self) -> &'static str {
        "bold.ReimbursementLedger"
    }
    fn topic0(&self) -> B256 {
        ReimbursementLedger::ReimbursementOwed::SIGNATURE_HASH
    }
    fn decode(&self, log: &LogView) -> Vec<Obligation> {
        let Some(l) = prim(log) else {
            return Vec::new();
        };
        let Ok(ev) = ReimbursementLedger::ReimbursementOwed::decode_log(&l) else {
            return Vec::new();
        };
        if ev.amountWei.is_zero() {
            return Vec::new();
        }
        vec![Obligation {
            payee: ev.payee,
            role: "validator",
            source: self.name(),
            owed: ev.amountWei.saturating_mul(U256::from(BASE_UNITS_PER_WEI)),
        }]
    }
}

/// Every registered obligation source.
pub static SOURCES: &[&dyn ObligationSource] = &[&AvsRewards, &ServiceFees, &BoldReimbursements];

/// A source bound to its deployed contract in one world.
#[derive(Clone, Copy)]
pub struct Bound {
    pub source: &'static dyn ObligationSource,
    pub chain: u16,
    pub address: Address,
}

/// The sources whose contracts are deployed, given a lookup of contracts by qualified name.
pub fn bind(lookup: impl Fn(&str) -> Option<(u16, Address)>) -> Vec<Bound> {
    SOURCES
        .iter()
        .filter_map(|s| {
            lookup(s.contract()).map(|(chain, address)| Bound {
                source: *s,
                chain,
                address,
            })
        })
        .collect()
}

/// Obligations a log on `chain` carries, from whichever bound source emitted it.
pub fn from_log(bound: &[Bound], chain: u16, log: &LogView) -> Vec<Obligation> {
    bound
        .iter()
        .filter(|b| {
            b.chain == chain
                && b.address == log.address
                && log.topics.first() == Some(&b.source.topic0())
        })
        .flat_map(|b| b.source.decode(log))
        .collect()
}
