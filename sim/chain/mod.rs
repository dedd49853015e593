//! Simulated EVM chains. This is the only module that touches revm.
//!
//! A [`Chain`] owns one revm instance over an in-memory database, a mempool with per-sender
//! nonces, an EIP-1559 base fee, and a block builder that orders by priority fee, then arrival.
//! Block hashes are derived from header fields, so they are deterministic and usable as seeds.

pub mod basefee;
mod evm;
mod history;
mod mempool;
pub mod raw;
#[cfg(test)]
mod tests;
pub mod types;

pub use types::*;

use crate::engine::actor::ActorId;
use crate::engine::time::SimTime;
use alloy_primitives::{Address, Bytes, B256, U256};
use evm::{Evm, Outcome};
use history::HashHistory;
use mempool::{Mempool, Slot};
use revm::context::result::EVMError;
use revm::context::{BlockEnv, TxEnv};
use revm::primitives::{TxKind, KECCAK_EMPTY};
use revm::{Database, ExecuteCommitEvm, ExecuteEvm, SystemCallEvm};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Senders whose next transaction may go into the block being built, highest tip first, then
/// earliest arrival: a min-heap of `(Reverse(tip), seq, sender's mempool slot)`. Sequence numbers
/// are unique, so the order is total and the heap pops exactly as a sorted set would.
type Candidates = BinaryHeap<Candidate>;
type Candidate = Reverse<(Reverse<u128>, u64, Slot)>;

/// The hardfork every chain runs, recorded in trace headers.
pub const HARDFORK: &str = "PRAGUE";
/// The exact revm version, recorded in trace headers.
pub const REVM_VERSION: &str = "43.0.3";

/// Errors of chain set-up operations (deployment and genesis calls).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("deployment failed: {0}")]
    DeployFailed(String),
    #[error("genesis call reverted: {0}")]
    CallFailed(String),
}

/// Why a view call returned no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    #[error("view reverted (0x{})", alloy_primitives::hex::encode(.0))]
    Revert(Bytes),
    #[error("view halted: {0}")]
    Halt(String),
    #[error("view invalid: {0}")]
    Invalid(String),
}

/// How many recent block hashes the BLOCKHASH opcode can see.
const BLOCKHASH_WINDOW: u64 = 256;

/// One simulated chain.
///
/// Not `Send`: revm's EVM holds `Rc` buffers, so a world with chains is built on the thread
/// that runs it (parallel sweeps send scenarios and seeds, not worlds).
pub struct Chain {
    config: ChainConfig,
    evm: Evm,
    mempool: Mempool,
    head: BlockHeader,
    /// Rule (spike-free) base fee of the head block; `None` at genesis.
    head_rule_fee: Option<u128>,
    /// Rule base fee of the next block, computed once per block from the head (every
    /// submission without a fee cap asks for it).
    next_rule_fee: u128,
    /// Hash of every produced block, indexed by number (0 is genesis).
    hashes: HashHistory,
    /// The blocks `(from, upto)` whose hashes revm's BLOCKHASH table holds (all of them).
    visible_hashes: (u64, u64),
    /// Submission counter (arrival order, part of the tx hash).
    next_seq: u64,
}

impl Chain {
    /// A chain at genesis (block 0, time 0) with nothing deployed.
    pub fn new(config: ChainConfig) -> Chain {
        let mut evm = evm::new_evm(config.chain_id);
        let genesis_hash = genesis_hash(config.chain_id);
        let head = BlockHeader {
            number: 0,
            hash: genesis_hash,
            parent_hash: B256::ZERO,
            timestamp: config.genesis_timestamp,
            base_fee: 0,
            gas_used: 0,
            gas_limit: config.gas_limit,
            time: SimTime::ZERO,
        };
        let mut block = evm::genesis_block_env(0, config.genesis_timestamp, config.coinbase);
        block.prevrandao = Some(genesis_hash);
        evm.set_block(block);
        evm.ctx
            .journaled_state
            .database
            .cache
            .block_hashes
            .insert(U256::ZERO, genesis_hash);
        let initial_fee = config.base_fee.initial_wei;
        Chain {
            config,
            evm,
            mempool: Mempool::default(),
            head,
            head_rule_fee: None,
            next_rule_fee: initial_fee,
            hashes: {
                let mut h = HashHistory::default();
                h.push(genesis_hash);
                h
            },
            visible_hashes: (0, 0),
            next_seq: 0,
        }
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// Credits `wei` to `addr` at genesis.
    pub fn fund(&mut self, addr: Address, wei: U256) {
        evm::credit(&mut self.evm.ctx.journaled_state.database, addr, wei);
    }

    /// Deploys init code at genesis and commits it at once (no block, no fee).
    pub fn deploy(&mut self, from: Address, initcode: Bytes) -> Result<Deployed, ChainError> {
        let out = self
            .free_commit(from, None, initcode, U256::ZERO)
            .map_err(ChainError::DeployFailed)?;
        match (&out.status, out.created) {
            (TxStatus::Success, Some(address)) => Ok(Deployed {
                address,
                code_hash: evm::code_hash_of(&out.output),
                gas_used: out.gas_used,
            }),
            (status, _) => Err(ChainError::DeployFailed(describe(status))),
        }
    }

    /// Executes and commits a call at genesis (no block, no fee), e.g. minting initial balances.
    pub fn genesis_call(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
        value: U256,
    ) -> Result<Bytes, ChainError> {
        let out = self
            .free_commit(from, Some(to), data, value)
            .map_err(ChainError::CallFailed)?;
        match out.status {
            TxStatus::Success => Ok(out.output),
            status => Err(ChainError::CallFailed(describe(&status))),
        }
    }

    /// Adds a transaction to the mempool; the nonce is the sender's next pending nonce.
    pub fn submit(&mut self, req: TxRequest, now: SimTime) -> Submitted {
        self.submit_by(None, req, now)
    }

    /// [`Chain::submit`] for an actor: its id travels with the transaction into the receipt
    /// (or the drop notice), so the engine needs no table of who sent what.
    pub fn submit_by(
        &mut self,
        submitter: Option<ActorId>,
        req: TxRequest,
        now: SimTime,
    ) -> Submitted {
        // The queue holds consecutive nonces from the committed one, so the next is one past
        // its last; only a sender with nothing pending needs a state read.
        let nonce = match self.mempool.last_nonce(req.from) {
            Some(last) => last + 1,
            None => self.nonce(req.from),
        };
        debug_assert_eq!(
            nonce,
            self.nonce(req.from) + self.mempool.queued(req.from) as u64
        );
        let max_fee = req.max_fee.unwrap_or_else(|| {
            basefee::default_max_fee(self.base_fee_at(now), req.max_priority_fee)
        });
        let seq = self.next_seq;
        self.next_seq += 1;
        let tx = PendingTx {
            hash: tx_hash(self.config.chain_id, req.from, seq),
            req,
            nonce,
            max_fee,
            submitted_at: now,
            seq,
            submitter,
        };
        let submitted = Submitted {
            hash: tx.hash,
            nonce: tx.nonce,
            max_fee: tx.max_fee,
        };
        self.mempool.push(tx);
        submitted
    }

    /// The transaction `sender` submitted last, while it is pending: a borrow of the request
    /// just handed to [`Chain::submit`] (its calldata goes into the trace without a copy).
    pub fn last_pending(&self, sender: Address) -> Option<&PendingTx> {
        self.mempool.last(sender)
    }

    /// Pending transactions in (sender, nonce) order.
    pub fn pending(&self) -> Vec<&PendingTx> {
        self.mempool.iter().collect()
    }

    pub fn pending_len(&self) -> usize {
        self.mempool.len()
    }

    /// Whether transaction `tx` is in the mempool (submitted, neither included nor dropped).
    /// A scan of the pool: for checks at the end of a run, not for every block.
    pub fn is_pending(&self, tx: B256) -> bool {
        self.mempool.iter().any(|p| p.hash == tx)
    }

    /// Builds, executes and commits the next block at time `now`. Only transactions for which
    /// `eligible` returns true may be included (censorship and inclusion delay are decided by
    /// the caller); a sender whose lowest pending nonce is not eligible waits entirely.
    ///
    /// A transaction revm rejects as invalid (cannot pay, gas limit above the block's, ...)
    /// is dropped; the sender's later transactions are renumbered from its committed nonce
    /// and its next one may still be included in this block.
    pub fn build_block(
        &mut self,
        now: SimTime,
        eligible: &mut dyn FnMut(&PendingTx) -> bool,
    ) -> Block {
        let number = self.head.number + 1;
        let parent_hash = self.head.hash;
        let rule_fee = self.next_rule_fee();
        let base_fee = self.charged(rule_fee, now);
        let timestamp = self.config.genesis_timestamp + now.secs();
        let gas_limit = self.config.gas_limit;
        self.evm.set_block(BlockEnv {
            number: U256::from(number),
            beneficiary: self.config.coinbase,
            timestamp: U256::from(timestamp),
            gas_limit,
            basefee: base_fee as u64,
            prevrandao: Some(parent_hash),
            ..BlockEnv::default()
        });

        if self.mempool.len() != 0 {
            self.sync_visible_hashes();
        }
        let mut candidates = Candidates::new();
        for slot in self.mempool.senders() {
            if let Some(c) = self.offer(slot, base_fee, eligible) {
                candidates.push(c);
            }
        }
        let mut gas_used = 0u64;
        // Room for every pending transaction that could fit (each uses at least 21,000 gas), so
        // the list of receipts, which are large, is not regrown in a busy block.
        let fits = usize::try_from(gas_limit / 21_000).unwrap_or(usize::MAX);
        let mut receipts = Vec::with_capacity(self.mempool.len().min(fits));
        let mut dropped = Vec::new();
        // The candidate that comes before every one in the heap, held outside it: a sender's
        // next transaction usually goes right after its previous one (a burst, same tip), and
        // then skips a push and a pop. The order is exactly the heap's.
        let mut first: Option<Candidate> = None;
        while let Some(Reverse((_, _, slot))) = first.take().or_else(|| candidates.pop()) {
            let Some(tx) = self.mempool.head(slot) else {
                continue;
            };
            let remaining = gas_limit - gas_used;
            if tx.req.gas_limit > remaining && tx.req.gas_limit <= gas_limit {
                // Does not fit any more: the sender waits for the next block.
                continue;
            }
            // The transaction leaves the mempool whatever happens; its call data moves into the
            // EVM's environment instead of being copied, and back into the receipt after.
            let mut tx = self.mempool.pop_head(slot).expect("head exists");
            let sender = tx.req.from;
            let env = self.fee_tx(&mut tx);
            let result = self.evm.transact_commit(env);
            match result {
                Ok(result) => {
                    tx.req.data = std::mem::take(&mut self.evm.ctx.tx.data);
                    let out = evm::outcome(result);
                    gas_used += out.gas_used;
                    receipts.push(receipt(tx, out, number, receipts.len(), base_fee));
                }
                Err(err) => {
                    dropped.push(DroppedTx {
                        tx: tx.hash,
                        from: sender,
                        reason: invalid_reason(&err),
                        submitter: tx.submitter,
                    });
                    let committed = self.nonce(sender);
                    self.mempool.renumber(sender, committed);
                }
            }
            if let Some(c) = self.offer(slot, base_fee, eligible) {
                // In the heap's order a greater `Reverse` key comes first.
                if candidates.peek().is_none_or(|top| c > *top) {
                    first = Some(c);
                } else {
                    candidates.push(c);
                }
            }
        }

        let tx_hashes: Vec<B256> = receipts.iter().map(|r: &Receipt| r.tx).collect();
        let header = BlockHeader {
            number,
            hash: block_hash(
                parent_hash,
                number,
                timestamp,
                base_fee,
                gas_used,
                self.config.chain_id,
                &tx_hashes,
            ),
            parent_hash,
            timestamp,
            base_fee,
            gas_used,
            gas_limit,
            time: now,
        };
        self.record_hash(number, header.hash);
        self.head = header.clone();
        self.head_rule_fee = Some(rule_fee);
        self.next_rule_fee = basefee::next_base_fee(
            &self.config.base_fee,
            rule_fee,
            self.head.gas_used,
            self.head.gas_limit,
        );
        Block {
            header,
            receipts,
            dropped,
        }
    }

    /// Executes a call against the latest committed state without committing anything.
    pub fn view(&mut self, from: Address, to: Address, data: Bytes) -> Result<Bytes, ViewError> {
        self.sync_visible_hashes();
        let result = self
            .evm
            .system_call_with_caller(from, to, data)
            .map_err(|e| ViewError::Invalid(e.to_string()))?;
        let out = evm::outcome(result.result);
        match out.status {
            TxStatus::Success => Ok(out.output),
            TxStatus::Revert(data) => Err(ViewError::Revert(data)),
            TxStatus::Halt(reason) => Err(ViewError::Halt(reason)),
        }
    }

    /// The committed value of storage `slot` of `addr` (zero when unset): a direct read, no EVM
    /// call. Invariants that know a contract's storage layout read state this way cheaply.
    pub fn storage(&mut self, addr: Address, slot: U256) -> U256 {
        self.evm
            .ctx
            .journaled_state
            .database
            .storage(addr, slot)
            .unwrap_or_else(|e| match e {})
    }

    pub fn balance(&mut self, addr: Address) -> U256 {
        self.account(addr).map_or(U256::ZERO, |a| a.balance)
    }

    /// Committed nonce of `addr`.
    pub fn nonce(&mut self, addr: Address) -> u64 {
        self.account(addr).map_or(0, |a| a.nonce)
    }

    /// Code hash of `addr`; `KECCAK_EMPTY` for accounts without code (or without existence).
    pub fn code_hash(&mut self, addr: Address) -> B256 {
        self.account(addr).map_or(KECCAK_EMPTY, |a| a.code_hash)
    }

    /// Header of the latest block (block 0 is genesis).
    pub fn head(&self) -> &BlockHeader {
        &self.head
    }

    /// Hash of a produced block, as the BLOCKHASH opcode sees it.
    pub fn block_hash(&self, number: u64) -> Option<B256> {
        usize::try_from(number)
            .ok()
            .and_then(|n| self.hashes.get(n))
            .copied()
    }

    /// Base fee the next block will have if built at `now` (spikes included).
    pub fn base_fee_at(&self, now: SimTime) -> u128 {
        self.charged(self.next_rule_fee(), now)
    }

    /// Rule base fee of the next block: the initial fee for block 1, else EIP-1559 from the head.
    fn next_rule_fee(&self) -> u128 {
        debug_assert_eq!(
            self.next_rule_fee,
            match self.head_rule_fee {
                None => self.config.base_fee.initial_wei,
                Some(parent) => basefee::next_base_fee(
                    &self.config.base_fee,
                    parent,
                    self.head.gas_used,
                    self.head.gas_limit,
                ),
            }
        );
        self.next_rule_fee
    }

    /// What a block at `now` charges for a rule fee: spikes applied, capped to what revm holds.
    fn charged(&self, rule_fee: u128, now: SimTime) -> u128 {
        rule_fee
            .saturating_mul(basefee::spike_multiplier(&self.config.spikes, now))
            .min(u128::from(u64::MAX))
    }

    /// The lowest-nonce transaction of the sender at `slot` as a candidate, if it may go into
    /// the block and can pay the base fee.
    fn offer(
        &self,
        slot: Slot,
        base_fee: u128,
        eligible: &mut dyn FnMut(&PendingTx) -> bool,
    ) -> Option<Candidate> {
        let tx = self.mempool.head(slot)?;
        if tx.max_fee < base_fee || !eligible(tx) {
            return None;
        }
        let tip = tx.req.max_priority_fee.min(tx.max_fee - base_fee);
        Some(Reverse((Reverse(tip), tx.seq, slot)))
    }

    /// The EIP-1559 transaction environment of a pending transaction taken from the mempool
    /// (its call data moves into the environment).
    fn fee_tx(&self, tx: &mut PendingTx) -> TxEnv {
        TxEnv {
            tx_type: 2,
            caller: tx.req.from,
            gas_limit: tx.req.gas_limit,
            gas_price: tx.max_fee,
            kind: tx.req.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.req.value,
            data: std::mem::take(&mut tx.req.data),
            nonce: tx.nonce,
            chain_id: Some(self.config.chain_id),
            gas_priority_fee: Some(tx.req.max_priority_fee),
            // Every remaining field spelled out: `TxEnv::default()` goes through revm's
            // builder and its checks, a cost paid per transaction.
            access_list: Default::default(),
            blob_hashes: Vec::new(),
            max_fee_per_blob_gas: 0,
            authorization_list: Vec::new(),
        }
    }

    /// Executes and commits a fee-less set-up transaction under a zero-base-fee block env.
    fn free_commit(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Bytes,
        value: U256,
    ) -> Result<Outcome, String> {
        self.sync_visible_hashes();
        let nonce = self.nonce(from);
        let env = evm::free_tx(
            self.config.chain_id,
            from,
            to,
            data,
            value,
            nonce,
            evm::GENESIS_GAS_LIMIT,
        );
        let mut setup =
            evm::genesis_block_env(self.head.number, self.head.timestamp, self.config.coinbase);
        setup.prevrandao = Some(self.head.hash);
        let saved = std::mem::replace(&mut self.evm.ctx.block, setup);
        let result = self.evm.transact_commit(env);
        self.evm.ctx.block = saved;
        result.map(evm::outcome).map_err(|e| invalid_reason(&e))
    }

    fn account(&mut self, addr: Address) -> Option<revm::state::AccountInfo> {
        evm::account(&mut self.evm.ctx.journaled_state.database, addr)
    }

    /// Remembers a block hash. revm sees it once something executes (see
    /// [`Chain::sync_visible_hashes`]).
    fn record_hash(&mut self, number: u64, hash: B256) {
        debug_assert_eq!(self.hashes.len() as u64, number);
        self.hashes.push(hash);
    }

    /// Makes the hashes BLOCKHASH can reach visible to revm before anything executes: the 256
    /// before the next block, plus one more for views, which run in the head block, i.e. blocks
    /// `head − 256 ..= head`. Done lazily, because most blocks of a long run are empty and
    /// nothing executes between them: a run of empty blocks costs one update of the window
    /// (at most 257 removals and insertions) instead of one per block.
    fn sync_visible_hashes(&mut self) {
        let head = self.head.number;
        if self.visible_hashes.1 == head {
            return;
        }
        let (from, upto) = self.visible_hashes;
        let lo = head.saturating_sub(BLOCKHASH_WINDOW);
        let visible = &mut self.evm.ctx.journaled_state.database.cache.block_hashes;
        for n in from..lo.min(upto + 1) {
            visible.remove(&U256::from(n));
        }
        for n in lo.max(upto + 1)..=head {
            let hash = *self
                .hashes
                .get(n as usize)
                .expect("every block's hash is kept");
            visible.insert(U256::from(n), hash);
        }
        self.visible_hashes = (lo.max(from), head);
    }
}

/// Hash of block 0 of a chain: BLAKE3 of `"crucible genesis"` and the chain id, like every
/// other header hash (see [`block_hash`]).
fn genesis_hash(chain_id: u64) -> B256 {
    let mut buf = [0u8; 24];
    buf[..16].copy_from_slice(b"crucible genesis");
    buf[16..].copy_from_slice(&chain_id.to_be_bytes());
    B256::from(*blake3::hash(&buf).as_bytes())
}

/// Engine-wide transaction id, independent of the nonce: BLAKE3 of (chain id, sender, the
/// sender's submission count). Not a real transaction hash (there is no signed envelope), so the
/// cheaper hash, as for block hashes.
fn tx_hash(chain_id: u64, sender: Address, seq: u64) -> B256 {
    let mut buf = [0u8; 36];
    buf[..8].copy_from_slice(&chain_id.to_be_bytes());
    buf[8..28].copy_from_slice(sender.as_slice());
    buf[28..].copy_from_slice(&seq.to_be_bytes());
    B256::from(*blake3::hash(&buf).as_bytes())
}

/// `blake3("")`, the transaction root of an empty block.
const EMPTY_TXS_ROOT: B256 =
    alloy_primitives::b256!("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");

/// Block hash: BLAKE3 over the header fields (parent, number, timestamp, base fee, gas used,
/// chain id) and the BLAKE3 of the included transaction ids in order. The header layout is the
/// engine's own (there is no RLP header to be faithful to), so the hash is the engine's choice:
/// BLAKE3 costs a tenth of keccak256 for these 112 bytes, and a long run hashes millions of
/// (mostly empty) blocks. Contracts see it through `BLOCKHASH` and `prevrandao`; it is a
/// 32-byte value like any other there.
fn block_hash(
    parent: B256,
    number: u64,
    timestamp: u64,
    base_fee: u128,
    gas_used: u64,
    chain_id: u64,
    txs: &[B256],
) -> B256 {
    let txs_root = if txs.is_empty() {
        // BLAKE3 of no input, spelled out: most blocks of a long run are empty.
        EMPTY_TXS_ROOT
    } else {
        let mut ids = Vec::with_capacity(txs.len() * 32);
        for tx in txs {
            ids.extend_from_slice(tx.as_slice());
        }
        B256::from(*blake3::hash(&ids).as_bytes())
    };
    let mut buf = [0u8; HEADER_LEN];
    buf[..32].copy_from_slice(parent.as_slice());
    buf[32..40].copy_from_slice(&number.to_be_bytes());
    buf[40..48].copy_from_slice(&timestamp.to_be_bytes());
    buf[48..64].copy_from_slice(&base_fee.to_be_bytes());
    buf[64..72].copy_from_slice(&gas_used.to_be_bytes());
    buf[72..80].copy_from_slice(&chain_id.to_be_bytes());
    buf[80..].copy_from_slice(txs_root.as_slice());
    B256::from(*blake3::hash(&buf).as_bytes())
}

/// Bytes of the hashed header: parent 32, number 8, timestamp 8, base fee 16, gas used 8,
/// chain id 8, transaction root 32.
const HEADER_LEN: usize = 32 + 8 + 8 + 16 + 8 + 8 + 32;

fn receipt(tx: PendingTx, out: Outcome, block: u64, index: usize, base_fee: u128) -> Receipt {
    let effective_gas_price = tx
        .max_fee
        .min(base_fee.saturating_add(tx.req.max_priority_fee));
    Receipt {
        tx: tx.hash,
        from: tx.req.from,
        to: tx.req.to,
        nonce: tx.nonce,
        input: tx.req.data,
        block,
        index: index as u32,
        status: out.status,
        gas_used: out.gas_used,
        effective_gas_price,
        contract_address: out.created,
        logs: out.logs,
        output: out.output,
        submitted_at: tx.submitted_at,
        submitter: tx.submitter,
    }
}

fn invalid_reason<DB: std::fmt::Display>(err: &EVMError<DB>) -> String {
    match err {
        EVMError::Transaction(e) => e.to_string(),
        other => other.to_string(),
    }
}

fn describe(status: &TxStatus) -> String {
    match status {
        TxStatus::Success => "no contract created".to_string(),
        TxStatus::Revert(data) => format!("reverted (0x{})", alloy_primitives::hex::encode(data)),
        TxStatus::Halt(reason) => format!("halted: {reason}"),
    }
}
