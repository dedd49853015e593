//! The context an actor acts through while handling one event.

use super::actor::ActorId;
use super::keys::{Key, Signature};
use super::seed::Stream;
use super::time::{Dur, SimTime};
use super::world::Core;
use crate::chain::{ChainIdx, TxRequest, ViewError};
use crate::trace::Value;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;

/// Why a typed view call gave no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    View(#[from] ViewError),
    #[error("could not decode the return data: {0}")]
    Decode(String),
}

/// Fee and gas settings of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct TxOpts {
    pub gas_limit: u64,
    /// Tip per gas, wei.
    pub tip: u128,
    /// Fee cap per gas, wei; `None` = twice the base fee plus the tip.
    pub max_fee: Option<u128>,
    pub value: U256,
}

impl Default for TxOpts {
    fn default() -> Self {
        TxOpts {
            gas_limit: 500_000,
            tip: 1_000_000_000,
            max_fee: None,
            value: U256::ZERO,
        }
    }
}

/// An actor's window on the world for the duration of one `start`/`handle` call.
pub struct Ctx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) me: ActorId,
}

impl<'a> Ctx<'a> {
    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.core.now
    }
    /// This actor's id.
    pub fn me(&self) -> ActorId {
        self.me
    }
    /// This actor's name, e.g. `alice` or `raiden.monitoring_service#2`.
    pub fn name(&self) -> &str {
        &self.core.actors[self.me.0 as usize].info.name
    }
    /// The address this actor's key controls.
    pub fn address(&self) -> Address {
        self.core.actors[self.me.0 as usize].info.address
    }
    /// This actor's own random stream.
    pub fn rng(&mut self) -> &mut Stream {
        &mut self.core.actors[self.me.0 as usize].stream
    }
    /// Signs a digest with this actor's key.
    pub fn sign_hash(&self, digest: B256) -> Signature {
        self.key().sign_hash(digest)
    }
    /// This actor's key (for protocol-specific signing schemes).
    pub fn key(&self) -> &Key {
        &self.core.actors[self.me.0 as usize].key
    }

    // ---- directory -------------------------------------------------------------------------

    /// Index of the chain named `name`.
    pub fn chain(&self, name: &str) -> Option<ChainIdx> {
        self.core.chain_index(name)
    }
    /// Address of a contract deployed at genesis, by qualified name (`token.Token`).
    pub fn contract(&self, name: &str) -> Option<(ChainIdx, Address)> {
        self.core.directory.contracts.get(name).copied()
    }
    /// Every actor, in declaration order.
    pub fn actors(&self) -> impl Iterator<Item = ActorId> + '_ {
        (0..self.core.actors.len() as u32).map(ActorId)
    }
    /// Actors of a kind (`token.payer`), in declaration order.
    pub fn actors_of_kind<'k>(&'k self, kind: &'k str) -> impl Iterator<Item = ActorId> + 'k {
        self.core.actors_of_kind(kind)
    }
    pub fn actor_by_name(&self, name: &str) -> Option<ActorId> {
        self.core.actor_by_name(name)
    }
    pub fn actor_name(&self, id: ActorId) -> &str {
        &self.core.actors[id.0 as usize].info.name
    }
    pub fn actor_kind(&self, id: ActorId) -> &str {
        &self.core.actors[id.0 as usize].info.kind
    }
    pub fn actor_address(&self, id: ActorId) -> Address {
        self.core.actors[id.0 as usize].info.address
    }
    /// Whether actor `id` is online now. For protocol models of group protocols (threshold
    /// signing) that need to know which members could take part; not a view of one actor.
    pub fn is_online(&self, id: ActorId) -> bool {
        self.core.is_online(id)
    }
    /// Whether a network partition in force now separates actors `a` and `b`.
    pub fn partitioned(&self, a: ActorId, b: ActorId) -> bool {
        self.core.network.separated(self.core.now, a, b)
    }

    // ---- chains ----------------------------------------------------------------------------

    /// Executes a typed view call at the latest state of `chain`.
    pub fn view<C: SolCall>(
        &mut self,
        chain: ChainIdx,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        let from = self.address();
        self.core.view(chain, from, to, call)
    }
    /// Executes a raw view call.
    pub fn view_raw(
        &mut self,
        chain: ChainIdx,
        to: Address,
        data: Bytes,
    ) -> Result<Bytes, ViewError> {
        let from = self.address();
        self.core.chains[chain.0 as usize]
            .chain
            .view(from, to, data)
    }
    /// Native balance at the latest state.
    pub fn balance(&mut self, chain: ChainIdx, who: Address) -> U256 {
        self.core.chains[chain.0 as usize].chain.balance(who)
    }
    /// Number of the latest block of `chain`.
    pub fn block_number(&self, chain: ChainIdx) -> u64 {
        self.core.chains[chain.0 as usize].chain.head().number
    }
    /// Header of the latest block of `chain`.
    pub fn head(&self, chain: ChainIdx) -> &crate::chain::BlockHeader {
        self.core.chains[chain.0 as usize].chain.head()
    }
    /// Hash of block `number` of `chain`, if produced.
    pub fn block_hash(&self, chain: ChainIdx, number: u64) -> Option<B256> {
        self.core.chains[chain.0 as usize].chain.block_hash(number)
    }
    /// The block produced last (with its receipts: sender, calldata, status, gas, logs) and its
    /// chain: what a client reading full blocks and their receipts from a node sees
    /// (out-of-band watchers).
    pub fn last_block(&self) -> Option<(ChainIdx, &crate::chain::Block)> {
        self.core.last_block.as_ref().map(|(c, b)| (*c, b))
    }
    /// Base fee a block built now would charge.
    pub fn base_fee(&self, chain: ChainIdx) -> u128 {
        self.core.chains[chain.0 as usize]
            .chain
            .base_fee_at(self.core.now)
    }
    /// Transactions waiting in `chain`'s mempool, in arrival order: what a node watching the
    /// public mempool sees (front-running, pending-update detection).
    pub fn pending_txs(&self, chain: ChainIdx) -> Vec<crate::chain::PendingTx> {
        self.core.chains[chain.0 as usize]
            .chain
            .pending()
            .into_iter()
            .cloned()
            .collect()
    }
    /// Submits a typed call as a transaction with default options; returns its hash.
    pub fn send_tx<C: SolCall>(&mut self, chain: ChainIdx, to: Address, call: &C) -> B256 {
        self.send_tx_with(chain, Some(to), call.abi_encode().into(), TxOpts::default())
    }
    /// Submits a transaction (`to == None` deploys `data`).
    pub fn send_tx_with(
        &mut self,
        chain: ChainIdx,
        to: Option<Address>,
        data: Bytes,
        opts: TxOpts,
    ) -> B256 {
        let req = TxRequest {
            from: self.address(),
            to,
            data,
            value: opts.value,
            gas_limit: opts.gas_limit,
            max_priority_fee: opts.tip,
            max_fee: opts.max_fee,
        };
        self.core.submit(chain, self.me, req)
    }
    /// Asks to be told about logs on `chain` from `address` (any when `None`) whose first topic
    /// is `topic0` (any when `None`).
    pub fn subscribe(&mut self, chain: ChainIdx, address: Option<Address>, topic0: Option<B256>) {
        self.core.subscribe(chain, self.me, address, topic0);
    }

    // ---- off-chain ---------------------------------------------------------------------------

    /// Sends an off-chain message through the network model.
    pub fn send(&mut self, to: ActorId, topic: &str, body: Vec<u8>) {
        self.core.send_message(self.me, to, topic, body);
    }
    /// Sets a timer that fires after `after` with `tag`.
    pub fn set_timer(&mut self, after: Dur, tag: u64) {
        self.core.set_timer(self.me, self.core.now.plus(after), tag);
    }
    /// Sets a timer that fires at `at` (or now, if `at` has passed).
    pub fn set_timer_at(&mut self, at: SimTime, tag: u64) {
        let at = at.max(self.core.now);
        self.core.set_timer(self.me, at, tag);
    }

    // ---- evidence ------------------------------------------------------------------------------

    /// Adds a free-text note to the trace.
    pub fn note(&mut self, text: impl Into<String>) {
        let t = self.core.now.ms();
        let actor = self.me.0;
        self.core.tracer.record(crate::trace::Record::Note {
            t,
            actor,
            text: text.into(),
        });
    }
    /// Adds `delta` to the counter `name`.
    pub fn metric_add(&mut self, name: &str, delta: i128) {
        self.core.metrics.add(name, delta);
    }
    /// Sets the gauge `name`.
    pub fn metric_set(&mut self, name: &str, value: Value) {
        self.core.metrics.set(name, value);
    }
    /// Raises the gauge `name` to `value` if larger.
    pub fn metric_max(&mut self, name: &str, value: i128) {
        self.core.metrics.max(name, value);
    }
    /// Adds an observation to the distribution `name` (summarised as mean, max and count).
    pub fn observe(&mut self, name: &str, value: f64) {
        self.core.metrics.observe(name, value);
    }
}
