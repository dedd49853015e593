//! Bare revm for benchmarks: the same transaction stream a [`super::Chain`] executes, but
//! straight through `transact_commit` with no mempool and no block builder (fees only once
//! [`RawEvm::charge_fees`] is called). It measures the physical limit the engine is compared
//! against.

use super::evm::{self, Evm};
use alloy_primitives::{Address, Bytes, U256};
use revm::context::result::{ExecutionResult, Output};
use revm::ExecuteCommitEvm;

/// Gas limit of every raw transaction until [`RawEvm::charge_fees`] sets one.
const RAW_GAS_LIMIT: u64 = 30_000_000;

/// What a raw transaction did, without revm types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawResult {
    pub success: bool,
    pub gas_used: u64,
}

/// A revm instance with a fee-less block (base fee 0) and legacy transactions at gas price 0,
/// until [`RawEvm::charge_fees`] switches it to the fee-paying transactions a chain executes.
pub struct RawEvm {
    chain_id: u64,
    evm: Evm,
    fees: Option<Fees>,
}

/// The fee terms of [`RawEvm::charge_fees`].
#[derive(Clone, Copy, Debug)]
struct Fees {
    tip: u128,
    gas_limit: u64,
}

impl RawEvm {
    pub fn new(chain_id: u64) -> RawEvm {
        let mut evm = evm::new_evm(chain_id);
        evm.ctx.block = evm::genesis_block_env(1, 1, Address::ZERO);
        RawEvm {
            chain_id,
            evm,
            fees: None,
        }
    }

    /// From now on, executes EIP-1559 transactions as a chain's block builder does: the block
    /// charges `base_fee` wei per gas and pays `coinbase`; each transaction has gas limit
    /// `gas_limit`, tip `tip` wei per gas and the mempool's default fee cap (twice the base fee
    /// plus the tip). The benchmark's raw arm then runs the very transactions the world runs.
    pub fn charge_fees(&mut self, base_fee: u64, tip: u128, gas_limit: u64, coinbase: Address) {
        self.evm.ctx.block.basefee = base_fee;
        self.evm.ctx.block.beneficiary = coinbase;
        self.evm.ctx.block.gas_limit = evm::GENESIS_GAS_LIMIT;
        self.fees = Some(Fees { tip, gas_limit });
    }

    /// Starts the next block, `seconds` after the current one.
    pub fn next_block(&mut self, seconds: u64) {
        let block = &mut self.evm.ctx.block;
        block.number += U256::from(1);
        block.timestamp += U256::from(seconds);
    }

    /// Credits `wei` to `addr`.
    pub fn fund(&mut self, addr: Address, wei: U256) {
        evm::credit(&mut self.evm.ctx.journaled_state.database, addr, wei);
    }

    /// Balance of `addr`.
    pub fn balance(&mut self, addr: Address) -> U256 {
        evm::account(&mut self.evm.ctx.journaled_state.database, addr)
            .map_or(U256::ZERO, |a| a.balance)
    }

    /// Deploys init code from `from` (nonce read from state); panics if deployment fails,
    /// since benchmark set-up errors are bugs.
    pub fn deploy(&mut self, from: Address, initcode: Bytes) -> Address {
        let nonce =
            evm::account(&mut self.evm.ctx.journaled_state.database, from).map_or(0, |a| a.nonce);
        let tx = evm::free_tx(
            self.chain_id,
            from,
            None,
            initcode,
            U256::ZERO,
            nonce,
            RAW_GAS_LIMIT,
        );
        match self.evm.transact_commit(tx) {
            Ok(ExecutionResult::Success {
                output: Output::Create(_, Some(addr)),
                ..
            }) => addr,
            other => panic!("raw deployment failed: {other:?}"),
        }
    }

    /// Executes and commits one call with the caller's nonce given by the benchmark.
    pub fn transact_commit(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
        nonce: u64,
    ) -> RawResult {
        let mut tx = evm::free_tx(
            self.chain_id,
            from,
            Some(to),
            data,
            U256::ZERO,
            nonce,
            RAW_GAS_LIMIT,
        );
        if let Some(fees) = self.fees {
            tx.tx_type = 2;
            tx.gas_limit = fees.gas_limit;
            tx.gas_price =
                super::basefee::default_max_fee(self.evm.ctx.block.basefee.into(), fees.tip);
            tx.gas_priority_fee = Some(fees.tip);
        }
        let result = self
            .evm
            .transact_commit(tx)
            .unwrap_or_else(|e| panic!("raw transaction invalid: {e}"));
        RawResult {
            success: result.is_success(),
            gas_used: result.tx_gas_used(),
        }
    }
}
