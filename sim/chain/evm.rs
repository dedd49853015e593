//! The revm instance behind a chain: construction, transaction environments and result
//! conversion. Nothing outside `chain/` sees these types.

use super::{Log, TxStatus};
use alloy_primitives::{Address, Bytes, B256, U256};
use revm::context::result::{ExecutionResult, HaltReason, Output};
use revm::context::{BlockEnv, Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::{Database, MainBuilder, MainContext};

/// The revm hardfork matching [`super::HARDFORK`].
pub(crate) const SPEC: SpecId = SpecId::PRAGUE;

/// Gas limit of set-up transactions (genesis deployments and calls).
pub(crate) const GENESIS_GAS_LIMIT: u64 = 1_000_000_000;

/// In-memory state of one chain.
pub(crate) type Db = CacheDB<EmptyDB>;
/// The EVM type every chain runs.
pub(crate) type Evm = revm::handler::MainnetEvm<revm::handler::MainnetContext<Db>>;

/// A fresh EVM over an empty in-memory database, at the fixed hardfork and the given chain id.
pub(crate) fn new_evm(chain_id: u64) -> Evm {
    Context::mainnet()
        .with_db(Db::default())
        .modify_cfg_chained(|cfg| {
            cfg.set_spec_and_mainnet_gas_params(SPEC);
            cfg.chain_id = chain_id;
        })
        .build_mainnet()
}

/// Block environment of a fee-less set-up context at `number` / `timestamp`.
pub(crate) fn genesis_block_env(number: u64, timestamp: u64, coinbase: Address) -> BlockEnv {
    BlockEnv {
        number: U256::from(number),
        timestamp: U256::from(timestamp),
        beneficiary: coinbase,
        gas_limit: GENESIS_GAS_LIMIT,
        basefee: 0,
        ..BlockEnv::default()
    }
}

/// A fee-less legacy transaction (gas price 0) used at genesis and by the raw benchmark EVM.
pub(crate) fn free_tx(
    chain_id: u64,
    from: Address,
    to: Option<Address>,
    data: Bytes,
    value: U256,
    nonce: u64,
    gas_limit: u64,
) -> TxEnv {
    TxEnv {
        tx_type: 0,
        caller: from,
        gas_limit,
        gas_price: 0,
        kind: to.map_or(TxKind::Create, TxKind::Call),
        value,
        data,
        nonce,
        chain_id: Some(chain_id),
        gas_priority_fee: None,
        ..TxEnv::default()
    }
}

/// The committed account of `addr`, if it exists.
pub(crate) fn account(db: &mut Db, addr: Address) -> Option<revm::state::AccountInfo> {
    db.basic(addr).unwrap_or_else(|e| match e {})
}

/// Credits `wei` to `addr` directly in the database.
pub(crate) fn credit(db: &mut Db, addr: Address, wei: U256) {
    let mut info = account(db, addr).unwrap_or_default();
    info.balance = info.balance.saturating_add(wei);
    db.insert_account_info(addr, info);
}

/// The plain-data view of an execution result.
pub(crate) struct Outcome {
    pub status: TxStatus,
    pub gas_used: u64,
    pub logs: Vec<Log>,
    pub output: Bytes,
    pub created: Option<Address>,
}

/// Converts a revm result. Logs are kept only for successful transactions, as in receipts.
pub(crate) fn outcome(result: ExecutionResult<HaltReason>) -> Outcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { logs, output, .. } => {
            let (output, created) = match output {
                Output::Call(bytes) => (bytes, None),
                Output::Create(bytes, addr) => (bytes, addr),
            };
            Outcome {
                status: TxStatus::Success,
                gas_used,
                logs: logs.into_iter().map(convert_log).collect(),
                output,
                created,
            }
        }
        ExecutionResult::Revert { output, .. } => Outcome {
            status: TxStatus::Revert(output),
            gas_used,
            logs: Vec::new(),
            output: Bytes::new(),
            created: None,
        },
        ExecutionResult::Halt { reason, .. } => Outcome {
            status: TxStatus::Halt(format!("{reason:?}")),
            gas_used,
            logs: Vec::new(),
            output: Bytes::new(),
            created: None,
        },
    }
}

/// Moves the log's topics and data out of revm's log (no copy).
fn convert_log(log: revm::primitives::Log) -> Log {
    let (topics, data) = log.data.split();
    Log {
        address: log.address,
        topics,
        data,
    }
}

/// Hash of a code blob as EXTCODEHASH reports it for deployed code.
pub(crate) fn code_hash_of(code: &[u8]) -> B256 {
    alloy_primitives::keccak256(code)
}
