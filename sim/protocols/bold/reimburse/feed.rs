//! What the reimbursement module reads: blocks with their base fee and, in execution order,
//! every transaction's sender, calldata, status, gas and logs (spec §8, "trace contents"). Run B builds
//! the feed from a recorded trace; the online watcher (Run A) builds it from the blocks the
//! chain produces, as an L1 client reading block receipts would.

use crate::chain::{Block, TxStatus};
use crate::derived::RunTrace;
use crate::trace::{Outcome, Record};
use alloy_primitives::{Address, Bytes, B256};
use std::collections::BTreeMap;

/// One log of an included transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedLog {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// One included transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedTx {
    pub hash: B256,
    /// Position in its block.
    pub index: u32,
    pub from: Address,
    /// The transaction's calldata.
    pub input: Bytes,
    pub ok: bool,
    pub gas_used: u64,
    pub effective_gas_price: u128,
    pub logs: Vec<FeedLog>,
}

/// One block of the chain the protocol runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedBlock {
    pub number: u64,
    pub base_fee: u128,
    pub txs: Vec<FeedTx>,
}

impl FeedBlock {
    /// From a block the chain produced (the online run).
    pub fn from_block(b: &Block) -> FeedBlock {
        FeedBlock {
            number: b.header.number,
            base_fee: b.header.base_fee,
            txs: b
                .receipts
                .iter()
                .map(|r| FeedTx {
                    hash: r.tx,
                    index: r.index,
                    from: r.from,
                    input: r.input.clone(),
                    ok: matches!(r.status, TxStatus::Success),
                    gas_used: r.gas_used,
                    effective_gas_price: r.effective_gas_price,
                    logs: r
                        .logs
                        .iter()
                        .map(|l| FeedLog {
                            address: l.address,
                            topics: l.topics.clone(),
                            data: l.data.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The blocks of chain `chain` (header index) as the trace records them. Senders and calldata
/// come from the `TxSubmitted` records (actor index → address in the header).
pub fn from_trace(run: &RunTrace, chain: u16) -> Result<Vec<FeedBlock>, String> {
    let mut senders: BTreeMap<B256, (Address, &Bytes)> = BTreeMap::new();
    let mut out: Vec<FeedBlock> = Vec::new();
    for r in &run.records {
        match r {
            Record::TxSubmitted {
                chain: c,
                actor,
                tx,
                input,
                ..
            } if *c == chain => {
                let from = run
                    .header
                    .actors
                    .get(*actor as usize)
                    .map(|a| a.address)
                    .unwrap_or(Address::ZERO);
                senders.insert(*tx, (from, input));
            }
            Record::Block {
                chain: c,
                number,
                base_fee,
                ..
            } if *c == chain => out.push(FeedBlock {
                number: *number,
                base_fee: *base_fee,
                txs: Vec::new(),
            }),
            Record::TxIncluded {
                chain: c,
                block,
                tx,
                gas_used,
                effective_gas_price,
                outcome,
                ..
            } if *c == chain => {
                let b = out
                    .last_mut()
                    .filter(|b| b.number == *block)
                    .ok_or_else(|| format!("transaction {tx} included before its block {block}"))?;
                let (from, input) = *senders
                    .get(tx)
                    .ok_or_else(|| format!("transaction {tx} included but never submitted"))?;
                b.txs.push(FeedTx {
                    hash: *tx,
                    index: b.txs.len() as u32,
                    from,
                    input: input.clone(),
                    ok: matches!(outcome, Outcome::Success),
                    gas_used: *gas_used,
                    effective_gas_price: *effective_gas_price,
                    logs: Vec::new(),
                });
            }
            Record::Log {
                chain: c,
                block,
                tx,
                address,
                topics,
                data,
                ..
            } if *c == chain => {
                let t = out
                    .last_mut()
                    .filter(|b| b.number == *block)
                    .and_then(|b| b.txs.last_mut())
                    .filter(|t| t.hash == *tx)
                    .ok_or_else(|| format!("log of {tx} outside its transaction"))?;
                t.logs.push(FeedLog {
                    address: *address,
                    topics: topics.clone(),
                    data: data.clone(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}
