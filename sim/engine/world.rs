//! The world: chains, actors, network and faults of one run, driven by one event queue.
//!
//! ```text
//! pop (time, class, seq) ─▶ Block(chain): build block → records → receipts & logs to actors
//!                                         → `always` / `sometimes` checks
//!                           Wake / Deliver / Start → actor.handle(ctx, event)
//!                           Fault(start|end) → status changes, records
//! end: quiet period → `eventually` checks → protocol metrics → footer
//! ```

use super::actor::{Actor, ActorId, Event};
use super::bridge::{BridgeMessage, Delivery, RelaySlot, RELAYER_ACTOR};
use super::ctx::{CallError, Ctx};
use super::genesis::Genesis;
use super::keys::Key;
use super::metrics::{Counter, Metrics};
use super::network::{Fate, Network};
use super::queue::{Class, EventQueue};
use super::seed::{SeedTree, Stream};
use super::time::{Dur, SimTime};
use super::tracer::{Sink, SinkError, Tracer};
use crate::chain::{
    BlockHeader, Chain, ChainIdx, DroppedTx, PendingTx, Receipt, TxRequest, TxStatus,
};
use crate::check::{CheckOutcome, CheckStatus, Invariant, Probe};
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::model::{Censorship, Scenario};
use crate::trace::{
    abi::AbiBook, ActorInfo, ChainInfo, CheckKind, Header, Outcome, Record, RecordRef, Value,
    FORMAT_VERSION,
};
use alloy_primitives::{Address, Bytes, B256};
use alloy_sol_types::SolCall;
use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// Events of the queue.
pub(crate) enum Ev {
    Block(ChainIdx),
    Start(ActorId),
    Wake {
        actor: ActorId,
        tag: u64,
        generation: u32,
    },
    Deliver(Box<Message>),
    Fault {
        index: usize,
        start: bool,
    },
    Sample,
    /// A bridge delivery falls due (see [`super::bridge`]).
    Relay(Box<Delivery>),
}

/// An off-chain message in flight.
pub(crate) struct Message {
    id: u64,
    from: ActorId,
    to: ActorId,
    topic: String,
    body: Vec<u8>,
}

/// A log subscription.
struct Subscription {
    actor: ActorId,
    address: Option<Address>,
    topic0: Option<B256>,
}

pub(crate) struct ChainSlot {
    pub(crate) name: String,
    pub(crate) chain: Chain,
    subs: Vec<Subscription>,
    /// Empty blocks are built only on demand (catch-up), without records or per-block checks.
    lazy: bool,
    /// A lazy chain has a `Block` event queued.
    block_queued: bool,
}

impl ChainSlot {
    /// Time of block `number` (block `n` is produced at `n × block time`).
    fn time_of(&self, number: u64) -> SimTime {
        SimTime(number.saturating_mul(self.chain.config().block_time_ms.max(1)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Online,
    /// Offline; the count allows overlapping windows.
    Offline(u32),
    Crashed,
}

pub(crate) struct ActorMeta {
    pub(crate) info: ActorInfo,
    pub(crate) key: Key,
    pub(crate) stream: Stream,
    status: Status,
    /// Incremented on crash: timers of an earlier life are discarded.
    generation: u32,
    /// Timers that fell due while offline.
    deferred: Vec<u64>,
    /// Outcomes of its own transactions that came while it was offline, in order: a node that
    /// comes back syncs its own transactions (logs and messages it missed stay missed).
    missed: Vec<Missed>,
    /// `start` has not run yet (it was offline at time zero).
    unstarted: bool,
    protocol: usize,
    params: Arc<dyn ActorParams>,
}

/// A transaction outcome held for an offline sender.
enum Missed {
    Receipt(ChainIdx, Box<(BlockHeader, Receipt)>),
    Dropped(ChainIdx, DroppedTx),
}

/// Names of deployed contracts.
#[derive(Default)]
pub(crate) struct Directory {
    pub(crate) contracts: BTreeMap<String, (ChainIdx, Address)>,
}

/// Everything of a world except the actors' behaviour objects, so that an actor can be handed a
/// `Ctx` borrowing it while the actor itself is borrowed separately.
pub struct Core {
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue<Ev>,
    pub(crate) chains: Vec<ChainSlot>,
    pub(crate) actors: Vec<ActorMeta>,
    pub(crate) network: Network,
    pub(crate) tracer: Tracer,
    pub(crate) metrics: Metrics,
    pub(crate) directory: Directory,
    pub(crate) abis: AbiBook,
    censor: Vec<(Censorship, Vec<Address>)>,
    msg_seq: u64,
    /// Bridge routes registered at genesis (empty for most worlds).
    pub(crate) bridges: Vec<RelaySlot>,
    /// The block produced last and its chain, kept for `always` checks that read its receipts.
    pub(crate) last_block: Option<(ChainIdx, crate::chain::Block)>,
}

impl Core {
    pub(crate) fn chain_index(&self, name: &str) -> Option<ChainIdx> {
        self.chains
            .iter()
            .position(|c| c.name == name)
            .map(|i| ChainIdx(i as u16))
    }

    /// Actors of a kind (`token.payer`), in declaration order.
    pub(crate) fn actors_of_kind<'k>(
        &'k self,
        kind: &'k str,
    ) -> impl Iterator<Item = ActorId> + 'k {
        self.actors
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.info.kind == kind)
            .map(|(i, _)| ActorId(i as u32))
    }

    /// Whether `id` is online now (neither offline nor crashed).
    pub(crate) fn is_online(&self, id: ActorId) -> bool {
        self.actors[id.0 as usize].status == Status::Online
    }

    pub(crate) fn actor_by_name(&self, name: &str) -> Option<ActorId> {
        self.actors
            .iter()
            .position(|a| a.info.name == name)
            .map(|i| ActorId(i as u32))
    }

    pub(crate) fn register_contract(
        &mut self,
        chain: ChainIdx,
        name: &str,
        address: Address,
        abi_json: &str,
    ) -> Result<(), String> {
        if self.directory.contracts.contains_key(name) {
            return Err(format!("contract `{name}` is deployed twice"));
        }
        self.directory
            .contracts
            .insert(name.to_string(), (chain, address));
        self.abis.add(chain.0, address, name, abi_json)
    }

    pub(crate) fn view<C: SolCall>(
        &mut self,
        chain: ChainIdx,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        let out = self.chains[chain.0 as usize]
            .chain
            .view(from, to, call.abi_encode().into())?;
        C::abi_decode_returns(&out).map_err(|e| CallError::Decode(e.to_string()))
    }

    pub(crate) fn submit(&mut self, chain: ChainIdx, actor: ActorId, req: TxRequest) -> B256 {
        let call = self.abis.call_name(chain.0, req.to, &req.data);
        let to = req.to;
        let from = req.from;
        let pending = self.chains[chain.0 as usize]
            .chain
            .submit_by(Some(actor), req, self.now);
        let slot = &mut self.chains[chain.0 as usize];
        if slot.lazy && !slot.block_queued {
            // A lazy chain builds its next block for real once something is pending.
            slot.block_queued = true;
            let at = slot.time_of(slot.chain.head().number + 1).max(self.now);
            self.queue.push(at, Class::Block, Ev::Block(chain));
        }
        self.metrics.bump(Counter::TxSubmitted, 1);
        // The calldata is borrowed from the mempool entry just made: no copy per transaction.
        let input = &self.chains[chain.0 as usize]
            .chain
            .last_pending(from)
            .expect("a submitted transaction is pending until the next block")
            .req
            .data;
        self.tracer.record_ref(RecordRef::TxSubmitted {
            t: self.now.ms(),
            chain: chain.0,
            actor: actor.0,
            tx: pending.hash,
            nonce: pending.nonce,
            to,
            call: &call,
            input,
        });
        pending.hash
    }

    pub(crate) fn subscribe(
        &mut self,
        chain: ChainIdx,
        actor: ActorId,
        address: Option<Address>,
        topic0: Option<B256>,
    ) {
        let subs = &mut self.chains[chain.0 as usize].subs;
        if !subs
            .iter()
            .any(|s| s.actor == actor && s.address == address && s.topic0 == topic0)
        {
            subs.push(Subscription {
                actor,
                address,
                topic0,
            });
        }
    }

    pub(crate) fn send_message(&mut self, from: ActorId, to: ActorId, topic: &str, body: Vec<u8>) {
        let id = self.msg_seq;
        self.msg_seq += 1;
        let t = self.now.ms();
        self.metrics.add("msg.sent", 1);
        self.tracer.record(Record::MsgSent {
            t,
            id,
            from: from.0,
            to: to.0,
            topic: topic.to_string(),
            bytes: body.len() as u32,
            body: crate::trace::fingerprint(&body),
        });
        match self.network.route(self.now, from, to) {
            Fate::DeliverAt(at) => {
                let msg = Message {
                    id,
                    from,
                    to,
                    topic: topic.to_string(),
                    body,
                };
                self.queue
                    .push(at, Class::Deliver, Ev::Deliver(Box::new(msg)));
            }
            Fate::Drop(reason) => {
                self.metrics.add("msg.dropped", 1);
                self.tracer.record(Record::MsgDropped {
                    t,
                    id,
                    reason: reason.to_string(),
                });
            }
        }
    }

    pub(crate) fn set_timer(&mut self, actor: ActorId, at: SimTime, tag: u64) {
        let generation = self.actors[actor.0 as usize].generation;
        self.queue.push(
            at,
            Class::Timer,
            Ev::Wake {
                actor,
                tag,
                generation,
            },
        );
    }

    /// May `p` be included in a block of `chain` built now?
    fn eligible(
        now: SimTime,
        chain: ChainIdx,
        windows: &[(Censorship, Vec<Address>)],
        p: &PendingTx,
    ) -> bool {
        for (w, senders) in windows {
            if w.chain != chain || !senders.contains(&p.req.from) {
                continue;
            }
            match w.delay {
                None => {
                    if now >= w.from && now < w.to {
                        return false;
                    }
                }
                Some(d) => {
                    if p.submitted_at >= w.from
                        && p.submitted_at < w.to
                        && now < p.submitted_at.plus(d)
                    {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// A fault window scheduled in the queue.
#[derive(Clone, Debug)]
enum FaultEvent {
    Offline(ActorId),
    Crash {
        actor: ActorId,
    },
    /// Visible-only windows (censorship, delay, partitions, spikes, drops): the rules consult
    /// their times directly; the events only put them in the trace.
    Marker,
}

#[derive(Clone, Debug)]
struct FaultEntry {
    kind: &'static str,
    target: String,
    event: FaultEvent,
}

/// Options of one run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Stop at the first invariant violation (default, as CI wants).
    pub stop_on_violation: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            stop_on_violation: true,
        }
    }
}

/// Why a world could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("protocol `{protocol}` failed to set up: {message}")]
    Setup { protocol: String, message: String },
}

/// Transaction totals of a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct TxTotals {
    pub submitted: u64,
    pub included: u64,
    pub reverted: u64,
    pub dropped: u64,
    pub pending_at_end: u64,
}

/// What a run produced (besides its trace).
#[derive(Clone, Debug)]
pub struct RunResult {
    pub seed: u64,
    pub digest: B256,
    pub records: u64,
    /// Events popped from the queue.
    pub events: u64,
    /// Simulated time at which the run ended.
    pub end: SimTime,
    /// Why the run stopped before its end, if it did.
    pub stopped: Option<String>,
    pub checks: Vec<CheckOutcome>,
    pub metrics: Vec<(String, Value)>,
    /// Blocks produced per chain.
    pub blocks: Vec<(String, u64)>,
    pub txs: TxTotals,
    pub sink_error: Option<SinkError>,
    /// Metric samples `(ms, name, value)` as written to the trace (for `metrics.csv`).
    pub samples: Vec<(u64, String, Value)>,
}

struct CheckSlot {
    invariant: Box<dyn Invariant>,
    outcome: CheckOutcome,
}

/// One run of a scenario with one seed.
pub struct World {
    core: Core,
    actors: Vec<Box<dyn Actor>>,
    shared: Vec<Rc<dyn Any>>,
    checks: Vec<CheckSlot>,
    finishers: Vec<crate::protocols::MetricsFn>,
    faults: Vec<FaultEntry>,
    seed: u64,
    duration: Dur,
    end: SimTime,
    sample_every: Dur,
    opts: RunOptions,
    stop: Option<String>,
    events: u64,
    header: Header,
    samples: Vec<(u64, String, Value)>,
}

impl World {
    /// Builds the world of `scenario` for `seed`: chains at genesis, contracts deployed, actors
    /// spawned, faults and blocks scheduled. Records go to `sink`.
    pub fn build(
        scenario: &Scenario,
        seed: u64,
        sink: Box<dyn Sink>,
        opts: RunOptions,
    ) -> Result<World, BuildError> {
        let seeds = SeedTree::new(seed);
        let duration = scenario.duration;
        let stop_faults = SimTime::ZERO.plus(duration);

        let mut chains = Vec::new();
        for spec in &scenario.chains {
            let mut config = spec.config.clone();
            for s in config.spikes.iter_mut() {
                s.to = s.to.min(stop_faults);
            }
            chains.push(ChainSlot {
                name: config.name.clone(),
                chain: Chain::new(config),
                subs: Vec::new(),
                lazy: spec.lazy_empty_blocks,
                block_queued: false,
            });
        }

        let labels: Vec<String> = scenario
            .actors
            .iter()
            .map(|spec| format!("actor/{}", spec.name))
            .collect();
        let keys = Key::derive_many(&seeds, &labels);
        let mut actors = Vec::new();
        for ((spec, label), key) in scenario.actors.iter().zip(&labels).zip(keys) {
            actors.push(ActorMeta {
                info: ActorInfo {
                    name: spec.name.clone(),
                    kind: spec.kind.clone(),
                    address: key.address(),
                },
                key,
                stream: seeds.stream(label),
                status: Status::Online,
                generation: 0,
                deferred: Vec::new(),
                missed: Vec::new(),
                unstarted: true,
                protocol: spec.protocol,
                params: spec.params.clone(),
            });
        }

        let mut network_cfg = scenario.faults.network.clone();
        network_cfg.faults_until = network_cfg.faults_until.min(stop_faults);
        for p in network_cfg.partitions.iter_mut() {
            p.to = p.to.min(stop_faults);
        }

        let censor = scenario
            .faults
            .censor
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.to = c.to.min(stop_faults);
                let senders = c
                    .senders
                    .iter()
                    .map(|a| actors[a.0 as usize].info.address)
                    .collect();
                (c, senders)
            })
            .collect();

        let mut core = Core {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            chains,
            actors,
            network: Network::new(network_cfg, seeds.stream("network")),
            tracer: Tracer::new(sink),
            metrics: Metrics::default(),
            directory: Directory::default(),
            abis: AbiBook::default(),
            censor,
            msg_seq: 0,
            bridges: Vec::new(),
            last_block: None,
        };

        // Every actor starts with the chain's native funding.
        for (ci, spec) in scenario.chains.iter().enumerate() {
            for a in 0..core.actors.len() {
                let addr = core.actors[a].info.address;
                core.chains[ci].chain.fund(addr, spec.fund);
            }
        }

        // Protocols set up in declaration order.
        let mut contracts = Vec::new();
        let mut shared = Vec::new();
        let mut checks = Vec::new();
        let mut finishers = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for p in &scenario.protocols {
            let mut genesis = Genesis {
                core: &mut core,
                seeds,
                protocol: &p.name,
                contracts: &mut contracts,
                earlier: (&names, &shared),
            };
            let setup = p
                .config
                .setup(&mut genesis)
                .map_err(|message| BuildError::Setup {
                    protocol: p.name.clone(),
                    message,
                })?;
            shared.push(setup.shared);
            names.push(p.name.clone());
            for invariant in setup.invariants {
                let outcome = CheckOutcome {
                    name: invariant.name().to_string(),
                    kind: invariant.kind(),
                    status: match invariant.kind() {
                        CheckKind::Always => CheckStatus::Held,
                        _ => CheckStatus::Undecided,
                    },
                    at: None,
                    detail: None,
                    failures: 0,
                };
                checks.push(CheckSlot { invariant, outcome });
            }
            finishers.push(setup.metrics);
        }

        let behaviours: Vec<Box<dyn Actor>> = core
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| {
                a.params.spawn(&Spawn {
                    id: ActorId(i as u32),
                    name: &a.info.name,
                    shared: shared[a.protocol].clone(),
                })
            })
            .collect();

        let header = Header {
            format_version: FORMAT_VERSION,
            engine_version: crate::ENGINE_VERSION.to_string(),
            revm_version: crate::chain::REVM_VERSION.to_string(),
            scenario: scenario.canonical.clone(),
            scenario_path: scenario.path.clone(),
            seed,
            stop_on_violation: opts.stop_on_violation,
            chains: core
                .chains
                .iter()
                .map(|c| ChainInfo {
                    name: c.name.clone(),
                    chain_id: c.chain.config().chain_id,
                    hardfork: crate::chain::HARDFORK.to_string(),
                })
                .collect(),
            actors: core.actors.iter().map(|a| a.info.clone()).collect(),
            contracts,
        };

        let end = SimTime::ZERO.plus(duration).plus(scenario.quiet);
        let mut world = World {
            core,
            actors: behaviours,
            shared,
            checks,
            finishers,
            faults: Vec::new(),
            seed,
            duration,
            end,
            sample_every: scenario.sample_every,
            opts,
            stop: None,
            events: 0,
            header,
            samples: Vec::new(),
        };
        world.schedule(scenario, stop_faults);
        Ok(world)
    }

    /// The trace header this run writes.
    pub fn header(&self) -> &Header {
        &self.header
    }

    fn schedule(&mut self, sc: &Scenario, stop_faults: SimTime) {
        let q = &mut self.core.queue;
        let add = |faults: &mut Vec<FaultEntry>,
                   q: &mut EventQueue<Ev>,
                   entry: FaultEntry,
                   from: SimTime,
                   to: Option<SimTime>| {
            let index = faults.len();
            faults.push(entry);
            q.push(from, Class::Fault, Ev::Fault { index, start: true });
            if let Some(to) = to {
                q.push(
                    to.max(from),
                    Class::Fault,
                    Ev::Fault {
                        index,
                        start: false,
                    },
                );
            }
        };
        let name = |id: ActorId| sc.actors[id.0 as usize].name.clone();
        for w in &sc.faults.offline {
            if w.from >= stop_faults {
                continue;
            }
            add(
                &mut self.faults,
                q,
                FaultEntry {
                    kind: "offline",
                    target: name(w.target),
                    event: FaultEvent::Offline(w.target),
                },
                w.from,
                Some(w.to.min(stop_faults)),
            );
        }
        for c in &sc.faults.crash {
            if c.at >= stop_faults {
                continue;
            }
            let restart = c.restart.unwrap_or(stop_faults).min(stop_faults);
            add(
                &mut self.faults,
                q,
                FaultEntry {
                    kind: "crash",
                    target: name(c.actor),
                    event: FaultEvent::Crash { actor: c.actor },
                },
                c.at,
                Some(restart),
            );
        }
        for (c, _) in &self.core.censor {
            if c.from >= stop_faults {
                continue;
            }
            let who: Vec<String> = c.senders.iter().map(|a| name(*a)).collect();
            let kind = if c.delay.is_some() { "delay" } else { "censor" };
            add(
                &mut self.faults,
                q,
                FaultEntry {
                    kind,
                    target: format!(
                        "{}:{}",
                        self.core.chains[c.chain.0 as usize].name,
                        who.join(",")
                    ),
                    event: FaultEvent::Marker,
                },
                c.from,
                Some(c.to),
            );
        }
        for p in &self.core.network.config.partitions {
            if p.from >= stop_faults {
                continue;
            }
            let groups: Vec<String> = p
                .groups
                .iter()
                .map(|g| g.iter().map(|a| name(*a)).collect::<Vec<_>>().join(","))
                .collect();
            add(
                &mut self.faults,
                q,
                FaultEntry {
                    kind: "partition",
                    target: groups.join(" | "),
                    event: FaultEvent::Marker,
                },
                p.from,
                Some(p.to),
            );
        }
        for slot in &self.core.chains {
            for s in &slot.chain.config().spikes {
                if s.from >= stop_faults {
                    continue;
                }
                add(
                    &mut self.faults,
                    q,
                    FaultEntry {
                        kind: "base_fee_spike",
                        target: format!("{}:x{}", slot.name, s.multiplier),
                        event: FaultEvent::Marker,
                    },
                    s.from,
                    Some(s.to),
                );
            }
        }
        for (i, slot) in self.core.chains.iter().enumerate() {
            if slot.lazy {
                continue;
            }
            let bt = slot.chain.config().block_time_ms.max(1);
            q.push(SimTime(bt), Class::Block, Ev::Block(ChainIdx(i as u16)));
        }
        for i in 0..self.actors.len() {
            q.push(SimTime::ZERO, Class::Timer, Ev::Start(ActorId(i as u32)));
        }
        if self.sample_every.as_ms() > 0 {
            q.push(
                SimTime::ZERO.plus(self.sample_every),
                Class::Timer,
                Ev::Sample,
            );
        }
    }

    /// Runs to the end (duration, then the quiet period) or to the first violation when
    /// stopping on violations; then checks liveness, computes metrics and ends the trace.
    pub fn run(self) -> RunResult {
        self.run_with_progress(&mut |_, _| {})
    }

    /// Like [`World::run`], calling `tick(now, events)` every few thousand events (progress bars).
    pub fn run_with_progress(mut self, tick: &mut dyn FnMut(SimTime, u64)) -> RunResult {
        let header = self.header.clone();
        self.core.tracer.begin(&header);
        while let Some(t) = self.core.queue.peek_time() {
            if self.events & 0x3fff == 0 {
                tick(t, self.events);
            }
            if t > self.end || self.stop.is_some() {
                break;
            }
            let (t, class, ev) = self.core.queue.pop().expect("peeked");
            self.catch_up(t, class > Class::Block);
            self.core.now = t;
            self.events += 1;
            self.dispatch(ev);
            if self.core.tracer.failed() {
                self.stop = Some("trace sink failed".into());
            }
        }
        if self.stop.is_none() {
            self.catch_up(self.end, true);
            self.core.now = self.end;
            self.final_checks();
        }
        self.finish()
    }

    /// Builds the empty blocks of lazy chains due before an event at `t` (and at `t` itself
    /// when the event comes after blocks in the queue order), then runs the block checks once.
    /// The blocks are exactly those the chain would have built (same headers and hashes, which
    /// actors and the EVM see); only their trace records and per-block checks are left out.
    fn catch_up(&mut self, t: SimTime, inclusive: bool) {
        let mut built = 0u64;
        for c in 0..self.core.chains.len() {
            let slot = &mut self.core.chains[c];
            if !slot.lazy {
                continue;
            }
            loop {
                let next = slot.time_of(slot.chain.head().number + 1);
                let due = if inclusive { next <= t } else { next < t };
                if !due || next > self.end {
                    break;
                }
                let block = slot.chain.build_block(next, &mut |_| false);
                debug_assert!(block.receipts.is_empty() && block.dropped.is_empty());
                built += 1;
            }
        }
        if built > 0 {
            self.core.metrics.add("blocks", built as i128);
            let now = self.core.now;
            self.core.now = t;
            self.block_checks();
            self.core.now = now;
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Block(c) if self.core.chains[c.0 as usize].lazy => {
                self.produce_block(c);
                let slot = &mut self.core.chains[c.0 as usize];
                if slot.chain.pending_len() > 0 {
                    let next = slot.time_of(slot.chain.head().number + 1);
                    if next <= self.end {
                        self.core.queue.push(next, Class::Block, Ev::Block(c));
                        return;
                    }
                }
                slot.block_queued = false;
            }
            Ev::Block(c) => {
                self.produce_block(c);
                let bt = self.core.chains[c.0 as usize]
                    .chain
                    .config()
                    .block_time_ms
                    .max(1);
                let next = self.core.now.plus(Dur::ms(bt));
                if next <= self.end {
                    self.core.queue.push(next, Class::Block, Ev::Block(c));
                }
            }
            Ev::Start(a) => {
                if self.core.actors[a.0 as usize].status == Status::Online {
                    self.start_actor(a);
                }
            }
            Ev::Wake {
                actor,
                tag,
                generation,
            } => {
                let meta = &mut self.core.actors[actor.0 as usize];
                if meta.generation != generation {
                    return;
                }
                match meta.status {
                    Status::Online => {
                        self.core.tracer.record(Record::Timer {
                            t: self.core.now.ms(),
                            actor: actor.0,
                            tag,
                        });
                        self.deliver(actor, &Event::Timer { tag });
                    }
                    Status::Offline(_) => meta.deferred.push(tag),
                    Status::Crashed => {}
                }
            }
            Ev::Deliver(msg) => {
                let t = self.core.now.ms();
                if self.core.actors[msg.to.0 as usize].status != Status::Online {
                    self.core.metrics.add("msg.dropped", 1);
                    self.core.tracer.record(Record::MsgDropped {
                        t,
                        id: msg.id,
                        reason: "receiver offline".into(),
                    });
                    return;
                }
                self.core.metrics.add("msg.delivered", 1);
                self.core.tracer.record(Record::MsgDelivered {
                    t,
                    id: msg.id,
                    to: msg.to.0,
                });
                self.deliver(
                    msg.to,
                    &Event::Message {
                        from: msg.from,
                        topic: &msg.topic,
                        body: &msg.body,
                    },
                );
            }
            Ev::Fault { index, start } => self.apply_fault(index, start),
            Ev::Relay(d) => self.relay(*d),
            Ev::Sample => {
                self.sample_metrics();
                let next = self.core.now.plus(self.sample_every);
                if next <= self.end {
                    self.core.queue.push(next, Class::Timer, Ev::Sample);
                }
            }
        }
    }

    fn start_actor(&mut self, a: ActorId) {
        let meta = &mut self.core.actors[a.0 as usize];
        if !meta.unstarted {
            return;
        }
        meta.unstarted = false;
        let mut ctx = Ctx {
            core: &mut self.core,
            me: a,
        };
        self.actors[a.0 as usize].start(&mut ctx);
    }

    fn deliver(&mut self, a: ActorId, ev: &Event) {
        if self.core.actors[a.0 as usize].status != Status::Online {
            return;
        }
        let mut ctx = Ctx {
            core: &mut self.core,
            me: a,
        };
        self.actors[a.0 as usize].handle(&mut ctx, ev);
    }

    fn apply_fault(&mut self, index: usize, start: bool) {
        let entry = self.faults[index].clone();
        self.core.tracer.record(Record::Fault {
            t: self.core.now.ms(),
            kind: entry.kind.to_string(),
            target: entry.target.clone(),
            start,
        });
        match entry.event {
            FaultEvent::Marker => {}
            FaultEvent::Offline(a) => {
                let meta = &mut self.core.actors[a.0 as usize];
                match (meta.status, start) {
                    (Status::Online, true) => meta.status = Status::Offline(1),
                    (Status::Offline(n), true) => meta.status = Status::Offline(n + 1),
                    (Status::Offline(n), false) if n > 1 => meta.status = Status::Offline(n - 1),
                    (Status::Offline(_), false) => {
                        meta.status = Status::Online;
                        self.come_online(a);
                    }
                    // A crashed actor's offline window does not revive it.
                    (Status::Crashed, _) | (Status::Online, false) => {}
                }
            }
            FaultEvent::Crash { actor } => {
                if start {
                    let meta = &mut self.core.actors[actor.0 as usize];
                    meta.status = Status::Crashed;
                    meta.generation += 1;
                    meta.deferred.clear();
                    meta.missed.clear();
                } else {
                    self.restart(actor);
                }
            }
        }
    }

    fn come_online(&mut self, a: ActorId) {
        if self.core.actors[a.0 as usize].unstarted {
            self.start_actor(a);
        } else {
            self.deliver(a, &Event::Online);
        }
        let missed = std::mem::take(&mut self.core.actors[a.0 as usize].missed);
        for m in missed {
            match m {
                Missed::Receipt(chain, held) => self.deliver(
                    a,
                    &Event::Receipt {
                        chain,
                        block: &held.0,
                        receipt: &held.1,
                    },
                ),
                Missed::Dropped(chain, tx) => self.deliver(a, &Event::Dropped { chain, tx: &tx }),
            }
        }
        let deferred = std::mem::take(&mut self.core.actors[a.0 as usize].deferred);
        for tag in deferred {
            let now = self.core.now;
            self.core.set_timer(a, now, tag);
        }
    }

    fn restart(&mut self, a: ActorId) {
        let meta = &mut self.core.actors[a.0 as usize];
        if meta.status != Status::Crashed {
            return;
        }
        meta.status = Status::Online;
        let fresh = meta.params.spawn(&Spawn {
            id: a,
            name: &meta.info.name,
            shared: self.shared[meta.protocol].clone(),
        });
        self.actors[a.0 as usize] = fresh;
        if meta.unstarted {
            self.start_actor(a);
            return;
        }
        let mut ctx = Ctx {
            core: &mut self.core,
            me: a,
        };
        self.actors[a.0 as usize].restart(&mut ctx);
    }

    fn produce_block(&mut self, c: ChainIdx) {
        // The previous block stays readable (checks, actors) until this one replaces it, and
        // nothing reads it while this one is built; dropping it first frees its receipts just
        // before the new ones are allocated, so the allocator hands back memory still in cache
        // rather than memory last touched a whole block ago.
        self.core.last_block = None;
        let now = self.core.now;
        let core = &mut self.core;
        let windows = &core.censor;
        let block = core.chains[c.0 as usize]
            .chain
            .build_block(now, &mut |p| Core::eligible(now, c, windows, p));
        let t = now.ms();
        let h = &block.header;
        core.metrics.add("blocks", 1);
        core.tracer.record(Record::Block {
            t,
            chain: c.0,
            number: h.number,
            hash: h.hash,
            base_fee: h.base_fee,
            gas_used: h.gas_used,
            txs: block.receipts.len() as u32,
        });
        for r in &block.receipts {
            let outcome = match &r.status {
                TxStatus::Success => Outcome::Success,
                TxStatus::Revert(data) => {
                    core.metrics.add("tx.reverted", 1);
                    Outcome::Reverted {
                        reason: core.abis.revert_reason(data),
                    }
                }
                TxStatus::Halt(reason) => {
                    core.metrics.add("tx.reverted", 1);
                    Outcome::Halted {
                        reason: reason.clone(),
                    }
                }
            };
            core.metrics.bump(Counter::TxIncluded, 1);
            core.metrics.bump(Counter::GasUsed, r.gas_used as i128);
            core.tracer.record(Record::TxIncluded {
                t,
                chain: c.0,
                block: r.block,
                tx: r.tx,
                gas_used: r.gas_used,
                effective_gas_price: r.effective_gas_price,
                outcome,
            });
            for log in &r.logs {
                core.tracer.record_ref(RecordRef::Log {
                    t,
                    chain: c.0,
                    block: r.block,
                    tx: r.tx,
                    address: log.address,
                    topics: &log.topics,
                    data: &log.data,
                });
            }
        }
        for d in &block.dropped {
            core.metrics.add("tx.dropped", 1);
            core.tracer.record(Record::TxDropped {
                t,
                chain: c.0,
                tx: d.tx,
                reason: d.reason.clone(),
            });
        }

        // Tell actors: receipts to their senders, logs to subscribers, in block order. Without
        // subscriptions on this chain the logs are not even looked at.
        let watched = !self.core.chains[c.0 as usize].subs.is_empty();
        for r in &block.receipts {
            if let Some(owner) = r.submitter {
                if let Status::Offline(_) = self.core.actors[owner.0 as usize].status {
                    self.core.actors[owner.0 as usize]
                        .missed
                        .push(Missed::Receipt(
                            c,
                            Box::new((block.header.clone(), r.clone())),
                        ));
                } else {
                    self.deliver(
                        owner,
                        &Event::Receipt {
                            chain: c,
                            block: &block.header,
                            receipt: r,
                        },
                    );
                }
            }
            if !watched {
                continue;
            }
            for log in &r.logs {
                let topic0 = log.topics.first().copied();
                let targets: Vec<ActorId> = self.core.chains[c.0 as usize]
                    .subs
                    .iter()
                    .filter(|s| {
                        s.address.is_none_or(|a| a == log.address)
                            && s.topic0.is_none_or(|t| Some(t) == topic0)
                    })
                    .map(|s| s.actor)
                    .collect();
                for a in targets {
                    self.deliver(
                        a,
                        &Event::Log {
                            chain: c,
                            block: &block.header,
                            tx: r.tx,
                            log,
                        },
                    );
                }
            }
        }
        for d in &block.dropped {
            if let Some(owner) = d.submitter {
                if let Status::Offline(_) = self.core.actors[owner.0 as usize].status {
                    self.core.actors[owner.0 as usize]
                        .missed
                        .push(Missed::Dropped(c, d.clone()));
                } else {
                    self.deliver(owner, &Event::Dropped { chain: c, tx: d });
                }
            }
        }
        if !self.core.bridges.is_empty() {
            self.retry_failed_deliveries(c, &block);
            self.pick_up_messages(c, &block);
        }
        self.core.last_block = Some((c, block));
        self.block_checks();
    }

    /// The relayer reads the block's logs and schedules a delivery for every bridge message, as
    /// its route's policy decides.
    fn pick_up_messages(&mut self, c: ChainIdx, block: &crate::chain::Block) {
        let now = self.core.now;
        let core = &mut self.core;
        for r in &block.receipts {
            for log in &r.logs {
                for (index, slot) in core.bridges.iter_mut().enumerate() {
                    let route = &slot.route;
                    if route.from != c
                        || route.emitter != log.address
                        || log.topics.first() != Some(&route.topic0)
                    {
                        continue;
                    }
                    let Some((to, data)) = (route.encode)(log, r.block) else {
                        continue;
                    };
                    let seq = slot.sent;
                    slot.sent += 1;
                    let name = route.name.clone();
                    let msg = BridgeMessage {
                        route: &name,
                        seq,
                        log,
                        block: r.block,
                        sent_at: now,
                    };
                    let delays = slot.route.policy.schedule(&msg, &mut slot.stream);
                    core.metrics.add("bridge.sent", 1);
                    if delays.is_empty() {
                        core.metrics.add("bridge.dropped", 1);
                    }
                    let text = if delays.is_empty() {
                        format!("bridge {name} msg#{seq}: dropped")
                    } else {
                        let list: Vec<String> =
                            delays.iter().map(|d| format!("{}ms", d.as_ms())).collect();
                        format!("bridge {name} msg#{seq}: deliver after {}", list.join(", "))
                    };
                    core.tracer.record(Record::Note {
                        t: now.ms(),
                        actor: RELAYER_ACTOR,
                        text,
                    });
                    for (copy, d) in delays.into_iter().enumerate() {
                        let gas_limit =
                            slot.route.policy.delivery_gas(&msg, copy, &mut slot.stream);
                        core.queue.push(
                            now.plus(d),
                            Class::Deliver,
                            Ev::Relay(Box::new(Delivery {
                                route: index,
                                seq,
                                to,
                                data: data.clone(),
                                gas_limit,
                                attempts: 0,
                            })),
                        );
                    }
                }
            }
        }
    }

    /// The relayer's delivery transactions included in `block` of chain `c`: each one that
    /// reverted is submitted again after the delay its route's policy chooses, if it does.
    fn retry_failed_deliveries(&mut self, c: ChainIdx, block: &crate::chain::Block) {
        let now = self.core.now;
        let core = &mut self.core;
        for r in &block.receipts {
            for slot in core.bridges.iter_mut() {
                if slot.route.to != c {
                    continue;
                }
                let Some(mut d) = slot.in_flight.remove(&r.tx) else {
                    continue;
                };
                if matches!(r.status, TxStatus::Success) {
                    break;
                }
                d.attempts += 1;
                let failed = super::bridge::FailedDelivery {
                    route: &slot.route.name,
                    seq: d.seq,
                    attempts: d.attempts,
                    failed_at: now,
                };
                let Some(delay) = slot.route.policy.retry(&failed, &mut slot.stream) else {
                    break;
                };
                core.metrics.add("bridge.delivery_retried", 1);
                core.tracer.record(Record::Note {
                    t: now.ms(),
                    actor: RELAYER_ACTOR,
                    text: format!(
                        "bridge {} msg#{}: delivery reverted, retry after {}ms",
                        slot.route.name,
                        d.seq,
                        delay.as_ms()
                    ),
                });
                d.gas_limit = None;
                core.queue
                    .push(now.plus(delay), Class::Deliver, Ev::Relay(Box::new(d)));
                break;
            }
        }
    }

    /// Submits a due bridge delivery on the destination chain from the route's relayer.
    fn relay(&mut self, d: Delivery) {
        let slot = &self.core.bridges[d.route];
        let chain = slot.route.to;
        let req = TxRequest {
            from: slot.relayer,
            to: Some(d.to),
            data: d.data.clone(),
            value: alloy_primitives::U256::ZERO,
            gas_limit: d.gas_limit.unwrap_or(slot.route.gas_limit),
            max_priority_fee: 1_000_000_000,
            max_fee: None,
        };
        let call = self.core.abis.call_name(chain.0, req.to, &req.data);
        let input = req.data.clone();
        let now = self.core.now;
        let pending = self.core.chains[chain.0 as usize].chain.submit(req, now);
        self.core.metrics.add("tx.submitted", 1);
        self.core.metrics.add("bridge.delivery_submitted", 1);
        self.core.tracer.record(Record::TxSubmitted {
            t: now.ms(),
            chain: chain.0,
            actor: RELAYER_ACTOR,
            tx: pending.hash,
            nonce: pending.nonce,
            to: Some(d.to),
            call: format!("{call} (bridge msg#{})", d.seq),
            input,
        });
        let hash = pending.hash;
        self.core.bridges[d.route].in_flight.insert(hash, d);
    }

    fn block_checks(&mut self) {
        let t = self.core.now.ms();
        for slot in self.checks.iter_mut() {
            let kind = slot.invariant.kind();
            let check = match kind {
                CheckKind::Always => true,
                CheckKind::Sometimes => slot.outcome.status != CheckStatus::Reached,
                CheckKind::Eventually => false,
            };
            if !check {
                continue;
            }
            let result = slot.invariant.check(&mut Probe {
                core: &mut self.core,
            });
            match (kind, result) {
                (CheckKind::Always, Err(detail)) => {
                    slot.outcome.failures += 1;
                    if slot.outcome.status != CheckStatus::Violated {
                        slot.outcome.status = CheckStatus::Violated;
                        slot.outcome.at = Some(t);
                        slot.outcome.detail = Some(detail.clone());
                        self.core.tracer.record(Record::Check {
                            t,
                            name: slot.outcome.name.clone(),
                            kind,
                            ok: false,
                            detail,
                        });
                        if self.opts.stop_on_violation {
                            self.stop = Some(format!("invariant `{}` violated", slot.outcome.name));
                        }
                    }
                }
                (CheckKind::Sometimes, Ok(())) => {
                    slot.outcome.status = CheckStatus::Reached;
                    slot.outcome.at = Some(t);
                    self.core.tracer.record(Record::Check {
                        t,
                        name: slot.outcome.name.clone(),
                        kind,
                        ok: true,
                        detail: String::new(),
                    });
                }
                _ => {}
            }
            if self.stop.is_some() {
                break;
            }
        }
    }

    fn final_checks(&mut self) {
        let t = self.core.now.ms();
        for slot in self.checks.iter_mut() {
            let kind = slot.invariant.kind();
            match kind {
                CheckKind::Always => continue,
                CheckKind::Sometimes if slot.outcome.status == CheckStatus::Reached => continue,
                _ => {}
            }
            let result = slot.invariant.check(&mut Probe {
                core: &mut self.core,
            });
            let (status, ok, detail) = match (kind, result) {
                (CheckKind::Eventually, Ok(())) => (CheckStatus::Held, true, String::new()),
                (CheckKind::Eventually, Err(d)) => (CheckStatus::Violated, false, d),
                (_, Ok(())) => (CheckStatus::Reached, true, String::new()),
                (_, Err(d)) => (CheckStatus::NeverReached, false, d),
            };
            slot.outcome.status = status;
            slot.outcome.at = Some(t);
            if !ok {
                slot.outcome.failures += 1;
                slot.outcome.detail = Some(detail.clone());
            }
            self.core.tracer.record(Record::Check {
                t,
                name: slot.outcome.name.clone(),
                kind,
                ok,
                detail,
            });
        }
    }

    fn sample_metrics(&mut self) {
        let t = self.core.now.ms();
        for (name, value) in self.core.metrics.values() {
            self.samples.push((t, name.clone(), value));
            self.core.tracer.record(Record::Metric { t, name, value });
        }
    }

    fn finish(mut self) -> RunResult {
        let mut protocol_metrics = Vec::new();
        for f in self.finishers.iter_mut() {
            protocol_metrics.extend(f(&mut Probe {
                core: &mut self.core,
            }));
        }
        for (name, value) in protocol_metrics {
            self.core.metrics.set(&name, value);
        }
        self.sample_metrics();
        let footer = self.core.tracer.end();
        let metrics = self.core.metrics.values();
        let get = |n: &str| match self.core.metrics.get(n) {
            Some(Value::Int(i)) => i as u64,
            _ => 0,
        };
        let pending: usize = self.core.chains.iter().map(|c| c.chain.pending_len()).sum();
        let txs = TxTotals {
            submitted: get("tx.submitted"),
            included: get("tx.included"),
            reverted: get("tx.reverted"),
            dropped: get("tx.dropped"),
            pending_at_end: pending as u64,
        };
        RunResult {
            seed: self.seed,
            digest: footer.digest,
            records: footer.records,
            events: self.events,
            end: self.core.now,
            stopped: self.stop.take(),
            checks: self.checks.into_iter().map(|c| c.outcome).collect(),
            metrics,
            blocks: self
                .core
                .chains
                .iter()
                .map(|c| (c.name.clone(), c.chain.head().number))
                .collect(),
            txs,
            sink_error: self.core.tracer.error().cloned(),
            samples: std::mem::take(&mut self.samples),
        }
    }

    /// The scenario's duration (faults stop there).
    pub fn duration(&self) -> Dur {
        self.duration
    }

    /// Simulated time at which the run ends (duration plus quiet period).
    pub fn end(&self) -> SimTime {
        self.end
    }
}

/// A convenience for tests and benches: raw bytes as a transaction body.
pub fn calldata(bytes: &[u8]) -> Bytes {
    Bytes::copy_from_slice(bytes)
}
