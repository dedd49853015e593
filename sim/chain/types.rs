//! Plain data types of a simulated chain: configuration, transactions, receipts, blocks.
//! These are what the rest of the engine sees; revm types never leave `chain/`.

use crate::engine::actor::ActorId;
use crate::engine::time::SimTime;
use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};

/// Index of a chain inside one world (order of declaration in the scenario).
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ChainIdx(pub u16);

/// EIP-1559 base fee rule parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaseFeeRule {
    /// Base fee of the first block, in wei.
    pub initial_wei: u128,
    /// gas target = gas limit / elasticity (Ethereum: 2).
    pub elasticity: u64,
    /// Maximum change per block is 1/denominator (Ethereum: 8).
    pub max_change_denominator: u64,
    /// The base fee never drops below this (wei).
    pub min_wei: u128,
}

/// A window in which the base fee is multiplied (a congestion spike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaseFeeSpike {
    pub from: SimTime,
    pub to: SimTime,
    /// Multiplier applied to the rule's base fee while the spike lasts.
    pub multiplier: u64,
}

/// Static configuration of one chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainConfig {
    pub name: String,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Milliseconds between blocks.
    pub block_time_ms: u64,
    pub gas_limit: u64,
    pub base_fee: BaseFeeRule,
    pub spikes: Vec<BaseFeeSpike>,
    /// Block timestamp (seconds) at simulated time zero.
    pub genesis_timestamp: u64,
    /// Address that receives priority fees.
    pub coinbase: Address,
}

/// What an actor asks the chain to execute.
#[derive(Clone, Debug, PartialEq)]
pub struct TxRequest {
    pub from: Address,
    /// `None` deploys `data` as init code.
    pub to: Option<Address>,
    pub data: Bytes,
    pub value: U256,
    pub gas_limit: u64,
    /// Tip per gas, wei.
    pub max_priority_fee: u128,
    /// Fee cap per gas, wei. `None`: twice the current base fee plus the tip, fixed at submission.
    pub max_fee: Option<u128>,
}

/// A transaction waiting in the mempool.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingTx {
    /// Engine-wide id: keccak of (chain id, sender, submission sequence). Stable under
    /// re-numbering of nonces.
    pub hash: B256,
    pub req: TxRequest,
    pub nonce: u64,
    pub max_fee: u128,
    pub submitted_at: SimTime,
    /// Global submission order on this chain (arrival order tie-break).
    pub seq: u64,
    /// The actor that submitted it (`None`: submitted by the engine itself), told of its receipt.
    pub submitter: Option<ActorId>,
}

/// What the submitter learns when its transaction enters the mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub hash: B256,
    pub nonce: u64,
    pub max_fee: u128,
}

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxStatus {
    Success,
    /// Reverted with this return data (decode it with the protocol ABIs).
    Revert(Bytes),
    /// Halted (out of gas, invalid opcode, ...).
    Halt(String),
}

impl TxStatus {
    pub fn is_success(&self) -> bool {
        matches!(self, TxStatus::Success)
    }
}

/// A log emitted by an included transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// Receipt of an included transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub tx: B256,
    pub from: Address,
    pub to: Option<Address>,
    pub nonce: u64,
    /// The transaction's calldata (init code for a deployment), as a client reading full
    /// blocks from a node sees it.
    pub input: Bytes,
    pub block: u64,
    /// Position in the block.
    pub index: u32,
    pub status: TxStatus,
    pub gas_used: u64,
    pub effective_gas_price: u128,
    /// For deployments: the created contract.
    pub contract_address: Option<Address>,
    pub logs: Vec<Log>,
    /// Output of a successful call.
    pub output: Bytes,
    pub submitted_at: SimTime,
    /// The actor that submitted the transaction, if one did.
    pub submitter: Option<ActorId>,
}

/// A transaction removed from the mempool without being included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DroppedTx {
    pub tx: B256,
    pub from: Address,
    pub reason: String,
    /// The actor that submitted the transaction, if one did.
    pub submitter: Option<ActorId>,
}

/// Header fields of a produced block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockHeader {
    pub number: u64,
    pub hash: B256,
    pub parent_hash: B256,
    /// Seconds.
    pub timestamp: u64,
    pub base_fee: u128,
    pub gas_used: u64,
    pub gas_limit: u64,
    pub time: SimTime,
}

/// Everything a produced block did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub header: BlockHeader,
    pub receipts: Vec<Receipt>,
    /// Transactions that became invalid (e.g. sender cannot pay for gas) and left the pool.
    pub dropped: Vec<DroppedTx>,
}

/// A contract deployed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    pub address: Address,
    pub code_hash: B256,
    pub gas_used: u64,
}
