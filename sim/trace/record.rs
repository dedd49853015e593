//! Trace record types. Every externally visible step of a run is one [`Record`].
//! Records hold simulated time only, never wall-clock values.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// Version of the binary trace format; bump on any change to these types.
pub const FORMAT_VERSION: u32 = 3;

/// Who an actor is, listed once in the header; records refer to actors by index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorInfo {
    pub name: String,
    pub kind: String,
    pub address: Address,
}

/// A chain of the world, listed once in the header; records refer to chains by index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInfo {
    pub name: String,
    pub chain_id: u64,
    pub hardfork: String,
}

/// A contract deployed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    pub chain: u16,
    /// Protocol-qualified name, e.g. `token.Token`.
    pub name: String,
    pub address: Address,
    pub code_hash: B256,
    /// The contract's ABI (JSON), so readers can decode calls, logs and reverts.
    pub abi: String,
}

/// First frame of a trace: everything needed to re-run it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format_version: u32,
    pub engine_version: String,
    pub revm_version: String,
    /// Canonical scenario text (YAML), as the run used it.
    pub scenario: String,
    /// Path the scenario was loaded from, for reproduction commands (informational).
    pub scenario_path: String,
    pub seed: u64,
    /// The run stopped at its first invariant violation (replays must do the same).
    pub stop_on_violation: bool,
    pub chains: Vec<ChainInfo>,
    pub actors: Vec<ActorInfo>,
    pub contracts: Vec<ContractInfo>,
}

/// Last frame of a complete trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footer {
    pub records: u64,
    /// Rolling digest over all record frames' payload bytes.
    pub digest: B256,
}

/// How an included transaction ended, with the revert reason decoded where an ABI knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Reverted { reason: String },
    Halted { reason: String },
}

/// A metric value: exact integers for amounts, reals for rates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Int(i128),
    Real(f64),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            Value::Int(i) => i as f64,
            Value::Real(r) => r,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Real(r) => write!(f, "{r}"),
        }
    }
}

/// Kind of an invariant: checked after every block, after the run, or required to hold once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Always,
    Eventually,
    Sometimes,
}

/// One step of a run. `t` is simulated milliseconds; `chain` and `actor` index the header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// A block was produced.
    Block {
        t: u64,
        chain: u16,
        number: u64,
        hash: B256,
        base_fee: u128,
        gas_used: u64,
        txs: u32,
    },
    /// An actor submitted a transaction. `call` is the decoded function name or selector;
    /// `input` is the transaction's calldata (init code for a deployment), so readers of the
    /// trace alone can decode the arguments of every call (format version 3 on).
    TxSubmitted {
        t: u64,
        chain: u16,
        actor: u32,
        tx: B256,
        nonce: u64,
        to: Option<Address>,
        call: String,
        input: alloy_primitives::Bytes,
    },
    /// A transaction was included in a block.
    TxIncluded {
        t: u64,
        chain: u16,
        block: u64,
        tx: B256,
        gas_used: u64,
        effective_gas_price: u128,
        outcome: Outcome,
    },
    /// A transaction left the mempool without inclusion.
    TxDropped {
        t: u64,
        chain: u16,
        tx: B256,
        reason: String,
    },
    /// A log emitted by an included transaction, as raw topics and data (readers decode it
    /// with the ABIs in the header; the hot path never formats).
    Log {
        t: u64,
        chain: u16,
        block: u64,
        tx: B256,
        address: Address,
        topics: Vec<B256>,
        data: alloy_primitives::Bytes,
    },
    /// An off-chain message was sent.
    MsgSent {
        t: u64,
        id: u64,
        from: u32,
        to: u32,
        topic: String,
        bytes: u32,
        /// BLAKE3 fingerprint of the body (see [`crate::trace::fingerprint`]).
        body: B256,
    },
    MsgDelivered {
        t: u64,
        id: u64,
        to: u32,
    },
    MsgDropped {
        t: u64,
        id: u64,
        reason: String,
    },
    /// A timer fired for an actor.
    Timer {
        t: u64,
        actor: u32,
        tag: u64,
    },
    /// A fault started or ended.
    Fault {
        t: u64,
        kind: String,
        target: String,
        start: bool,
    },
    /// An invariant result (violations always; passes of eventually/sometimes checks once).
    Check {
        t: u64,
        name: String,
        kind: CheckKind,
        ok: bool,
        detail: String,
    },
    /// Free text from an actor.
    Note {
        t: u64,
        actor: u32,
        text: String,
    },
    /// A metric sample.
    Metric {
        t: u64,
        name: String,
        value: Value,
    },
}

impl Record {
    /// Simulated time of the record, in milliseconds.
    pub fn time(&self) -> u64 {
        match self {
            Record::Block { t, .. }
            | Record::TxSubmitted { t, .. }
            | Record::TxIncluded { t, .. }
            | Record::TxDropped { t, .. }
            | Record::Log { t, .. }
            | Record::MsgSent { t, .. }
            | Record::MsgDelivered { t, .. }
            | Record::MsgDropped { t, .. }
            | Record::Timer { t, .. }
            | Record::Fault { t, .. }
            | Record::Check { t, .. }
            | Record::Note { t, .. }
            | Record::Metric { t, .. } => *t,
        }
    }
}
