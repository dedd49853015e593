//! The simulation's shared bookkeeping: wallets and their signing groups, the per-window
//! decisions, signing sessions (the group side of threshold signing), pending redemptions,
//! faults, violations and the raw material of the metrics.

use super::config::{HeartbeatRules, Role, TbtcConfig};
use super::message::Proposal;
use super::{checklist::ChecklistParams, Action, Coordinated, Coordinator, Fault};
use crate::chain::ChainIdx;
use alloy_primitives::{Address, B256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Shared handle.
pub type Shared = Rc<RefCell<Coordination>>;

/// The tBTC coordination state an actor is spawned with (the module's shared state).
pub fn shared_of(env: &crate::protocols::Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<RefCell<Coordination>>()
        .expect("tbtc actors run with the tbtc state")
}

/// One wallet and its signing group.
#[derive(Debug, Clone)]
pub struct Wallet {
    pub pkh: [u8; 20],
    /// Operator (actor index) of each seat, in seat order (seat `i` is `seats[i - 1]`).
    pub seats: Vec<u32>,
    /// The EIP-55 string of each seat's operator, as the client sorts them.
    pub seat_strings: Vec<String>,
    /// The group as leader selection sees it before the shuffle (sorted distinct strings and
    /// their sender seats), prepared once.
    pub group: super::PreparedGroup,
    /// Distinct operators, ascending.
    pub operators: Vec<u32>,
}

impl Wallet {
    /// Seats (1-based) held by `op`.
    pub fn seats_of(&self, op: u32) -> impl Iterator<Item = u32> + '_ {
        self.seats
            .iter()
            .enumerate()
            .filter(move |(_, o)| **o == op)
            .map(|(i, _)| i as u32 + 1)
    }
    pub fn seat_count(&self, op: u32) -> u32 {
        self.seats.iter().filter(|o| **o == op).count() as u32
    }
}

/// The window's decision for one wallet as nodes computed it, with the hash it came from.
#[derive(Debug, Clone)]
pub struct WindowDecision {
    pub safe_hash: B256,
    pub decision: Rc<Coordinated>,
    /// The leader's operator index.
    pub leader: u32,
    /// What followers accept: the checklist and Noop (built once, shared by every node).
    pub allowed: Rc<Vec<Action>>,
}

impl WindowDecision {
    pub fn new(safe_hash: B256, decision: Coordinated, leader: u32) -> WindowDecision {
        let mut allowed = decision.checklist.clone();
        allowed.push(Action::Noop);
        WindowDecision {
            safe_hash,
            decision: Rc::new(decision),
            leader,
            allowed: Rc::new(allowed),
        }
    }
}

/// Timing of an action (spec 8.1).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub start: u64,
    pub signing_deadline: u64,
    pub expiry: u64,
}

/// Blocks a moving-funds action waits after the block that included its target wallets
/// commitment before it signs (spec 8.1: "waits for 32 confirmations of the target commitment
/// first").
pub const MOVING_FUNDS_COMMITMENT_CONFIRMATIONS: u64 = 32;

/// The block from which an action's group signs: its start, and for moving funds not before
/// `commitment_block + 32`, the commitment's 32 confirmations (spec 8.1). The signing deadline
/// is unchanged, so a late commitment leaves fewer attempts. `commitment_block` is the block
/// that included the wallet's `beginMovingFunds` (its commitment), if known.
pub fn signing_start(schedule: &Schedule, action: Action, commitment_block: Option<u64>) -> u64 {
    match (action, commitment_block) {
        (Action::MovingFunds, Some(b)) => schedule
            .start
            .max(b + MOVING_FUNDS_COMMITMENT_CONFIRMATIONS),
        _ => schedule.start,
    }
}

/// Signatures the action needs (spec 8.3 "Batches"): one per transaction input. A deposit sweep
/// spends its deposits plus the wallet's main UTXO if it has one; a redemption, moving funds
/// or heartbeat signs once.
pub fn signatures_needed(p: &Proposal, has_main_utxo: bool) -> u32 {
    match p.action {
        Action::DepositSweep => {
            let deposits = super::message::parse_deposit_sweep(&p.content)
                .map_or(1, |(_, d)| d.len() as u32)
                .max(1);
            deposits + u32::from(has_main_utxo)
        }
        // The moved funds plus the main UTXO if the wallet has one: 1–2 inputs.
        Action::MovedFundsSweep => 1 + u32::from(has_main_utxo),
        _ => 1,
    }
}

/// Attempt length in blocks: 1 + 5 + 30 + 5.
pub const ATTEMPT_BLOCKS: u64 = 41;
/// Gap between sequential signatures of one batch.
pub const SIGNATURE_GAP: u64 = 2;

/// The group side of one action's threshold signing: who joined with which proposal, and how
/// the attempts went. Keyed by (wallet, window, proposal digest), so members that started
/// different proposals never sign together.
#[derive(Debug, Clone)]
pub struct Session {
    pub wallet: usize,
    pub window: u64,
    pub proposal: Proposal,
    pub schedule: Schedule,
    /// Members that started the action: operator → seats.
    pub joined: BTreeMap<u32, u32>,
    /// End block of the running attempt.
    pub next_end: u64,
    /// The running attempt is cut short by the signing deadline (it cannot succeed).
    pub truncated: bool,
    pub attempt: u32,
    pub signed: u32,
    /// Signatures the action needs (fixed when the session starts).
    pub needed: u32,
    /// `Some(success)` once finished; with the active members of the last good attempt.
    pub done: Option<bool>,
    pub active_members: u32,
    /// Seats not ready in the last attempt (inactive members for a claim).
    pub inactive_seats: Vec<u32>,
}

impl Session {
    /// Schedules the next attempt to start at block `from`.
    pub fn set_next(&mut self, from: u64) {
        let end = from + ATTEMPT_BLOCKS;
        let deadline = self.schedule.signing_deadline;
        self.truncated = end > deadline;
        self.next_end = end.min(deadline);
    }
}

/// An inactivity claim being assembled by the members whose counters reached the limit.
#[derive(Debug, Clone, Default)]
pub struct Claim {
    pub claimants: BTreeMap<u32, u32>,
    pub inactive_seats: Vec<u32>,
    pub next_end: u64,
    pub deadline: u64,
    pub done: Option<bool>,
    pub submitted: bool,
}

/// A redemption request known to be pending on the bridge.
#[derive(Debug, Clone)]
pub struct PendingRedemption {
    pub wallet: usize,
    pub script: Vec<u8>,
    pub requested_block: u64,
    pub requested_ts: u64,
    pub proposed_block: Option<u64>,
    pub signed_block: Option<u64>,
}

/// A revealed deposit known to be unswept on the bridge, with what the sweep proposal needs.
#[derive(Debug, Clone)]
pub struct PendingDeposit {
    pub wallet: usize,
    pub funding_tx: B256,
    pub output_index: u32,
    pub vault: Address,
    /// keccak256 of the deposit's extra data, as stored on the bridge.
    pub extra_info_hash: B256,
    pub revealed_block: u64,
    pub revealed_ts: u64,
    pub refund_locktime: u64,
    pub proposed_block: Option<u64>,
    pub signed_block: Option<u64>,
}

/// A wallet moving its funds: the targets of its commitment and the main UTXO it spends.
#[derive(Debug, Clone)]
pub struct MovingFundsOrder {
    /// Target wallets, in commitment order.
    pub targets: Vec<usize>,
    /// The main UTXO: transaction hash, output index, value (satoshi).
    pub main_utxo: (B256, u32, u64),
    pub begun_block: u64,
    pub proposed_block: Option<u64>,
    /// Block of the moving-funds signature, once signed.
    pub signed_block: Option<u64>,
}

/// A moved-funds sweep request pending on the bridge for `wallet`.
#[derive(Debug, Clone)]
pub struct PendingMovedFunds {
    pub wallet: usize,
    /// The moving-funds transaction and the output that pays this wallet.
    pub tx_hash: B256,
    pub output_index: u32,
    pub requested_block: u64,
    pub proposed_block: Option<u64>,
    pub signed_block: Option<u64>,
}

/// Bitcoin block interval (seconds) for funding-transaction confirmations.
pub const BITCOIN_BLOCK_SECS: u64 = 600;
/// Confirmations a deposit's funding transaction needs before a leader sweeps it (spec 7.2).
pub const DEPOSIT_CONFIRMATIONS: u64 = 6;

impl PendingDeposit {
    /// Confirmations of the funding transaction at `now_ts`, which was mined at the reveal.
    pub fn confirmations(&self, now_ts: u64) -> u64 {
        now_ts.saturating_sub(self.revealed_ts) / BITCOIN_BLOCK_SECS + 1
    }
}

/// Everything shared by the tBTC actors, invariants and metrics.
#[derive(Debug)]
pub struct Coordination {
    pub chain: ChainIdx,
    pub bridge: Address,
    pub registry: Address,
    pub validator: Address,
    pub block_time_ms: u64,
    pub genesis_timestamp: u64,
    pub checklist: ChecklistParams,
    pub threshold: u32,
    pub heartbeat_rules: HeartbeatRules,
    pub heartbeat_active_members: u32,
    pub inactivity_failures: u32,
    pub signing_capacity: u32,
    pub retransmissions: u32,
    pub redemption_fee: u64,
    pub redemption_timeout_s: u64,
    pub deposit_sweep_fee: u64,
    /// Keys the overload draws (never the Go generator).
    pub signing_key: B256,
    pub wallets: Vec<Wallet>,
    /// Wallet index by public key hash.
    pub wallet_by_pkh: BTreeMap<[u8; 20], usize>,
    /// Wallets each operator holds seats in.
    pub node_wallets: BTreeMap<u32, Vec<usize>>,
    pub roles: BTreeMap<u32, Role>,
    pub decisions: PerWindow<WindowDecision>,
    /// Computes the decisions (one reusable Go source).
    pub coordinator: Coordinator,
    pub sessions: BTreeMap<(usize, u64, B256), Session>,
    pub claims: BTreeMap<(usize, u64), Claim>,
    /// Sessions each operator is signing in now (for the overload model).
    pub concurrent: BTreeMap<u32, u32>,
    pub pending: BTreeMap<B256, PendingRedemption>,
    /// Revealed, unswept deposits by bridge deposit key.
    pub deposits: BTreeMap<B256, PendingDeposit>,
    /// Wallets whose main UTXO exists (created by their first deposit sweep).
    pub main_utxo: Vec<bool>,
    pub moving_funds_fee: u64,
    pub moved_funds_sweep_fee: u64,
    /// Wallets moving their funds (entered MovingFunds), by wallet; kept after the move.
    pub moving: BTreeMap<usize, MovingFundsOrder>,
    /// Pending moved-funds sweep requests by bridge key.
    pub moved_funds: BTreeMap<B256, PendingMovedFunds>,
    /// Wallets that left Live (moving funds, then closing): no new demand goes to them.
    pub retired: Vec<bool>,
    /// Moved-funds request to sweep latencies (blocks).
    pub moved_funds_sweep_latencies: Vec<u64>,
    /// Per-window statistics.
    pub window_heartbeats: BTreeMap<u64, u32>,
    pub last_heartbeat: Vec<Option<u64>>,
    pub heartbeat_gaps: Vec<u64>,
    /// First window at which a wallet had fewer than `heartbeat_active_members` seats online.
    pub degraded_since: Vec<Option<u64>>,
    /// An inactivity claim landed since the wallet's fault onset.
    pub claimed_since_onset: Vec<bool>,
    pub claim_latencies: Vec<u64>,
    pub redemption_latencies: Vec<u64>,
    pub redemption_proposal_latencies: Vec<u64>,
    /// Reveal to signature of swept deposits, in blocks.
    pub deposit_sweep_latencies: Vec<u64>,
    pub counters: BTreeMap<&'static str, i128>,
    /// The `acceptances` counter, kept apart from `counters`: it counts every follower's
    /// every acceptance, the most frequent count of a run.
    pub acceptances: i128,
    pub faults_by_type: BTreeMap<&'static str, i128>,
    /// (window, wallet, observer, fault, culprit) of faults seen by honest observers.
    pub fault_log: Vec<(u64, usize, u32, Fault, u32)>,
    /// First violation per invariant name.
    pub violations: BTreeMap<&'static str, String>,
    /// Honest followers' view of each (window, wallet): (leader seat, checklist and Noop).
    pub agreement: PerWindow<LeaderView>,
    /// Equivocations sent: (wallet, window).
    pub equivocations: Vec<(usize, u64)>,
    /// Running actions per (operator, wallet): (window, digest).
    pub running: BTreeMap<(u32, usize), (u64, B256)>,
    /// Outcomes of the start checks at the head block with the given hash, per (wallet,
    /// proposal), shared by the members that start the same action (see `Node::start_check`).
    pub start_checks: StartChecks,
}

/// Per-window, per-wallet values: one slot per wallet for each window (a wallet index is
/// dense), so the lookups every node makes for every wallet in every window are an index
/// instead of a search over all (window, wallet) keys.
#[derive(Debug, Clone)]
pub struct PerWindow<T> {
    windows: BTreeMap<u64, Vec<Option<T>>>,
}

impl<T> Default for PerWindow<T> {
    fn default() -> Self {
        PerWindow {
            windows: BTreeMap::new(),
        }
    }
}

impl<T> PerWindow<T> {
    pub fn get(&self, w: u64, wallet: usize) -> Option<&T> {
        self.windows.get(&w)?.get(wallet)?.as_ref()
    }

    /// Sets the value of (w, wallet); `wallets` is the number of wallets.
    pub fn insert(&mut self, w: u64, wallet: usize, wallets: usize, value: T) {
        let slots = self.windows.entry(w).or_insert_with(|| {
            let mut v = Vec::with_capacity(wallets);
            v.resize_with(wallets.max(wallet + 1), || None);
            v
        });
        if slots.len() <= wallet {
            slots.resize_with(wallet + 1, || None);
        }
        slots[wallet] = Some(value);
    }

    /// Forgets the windows before `keep`.
    pub fn forget_before(&mut self, keep: u64) {
        self.windows = self.windows.split_off(&keep);
    }
}

/// What an honest follower takes from a decision: the leader's sender seat and what it accepts
/// (the checklist and Noop).
pub type LeaderView = (u32, Rc<Vec<Action>>);

/// See [`Coordination::start_checks`].
pub type StartChecks = (
    B256,
    BTreeMap<(usize, Proposal), Result<B256, super::node::StartAbort>>,
);

impl Coordination {
    pub fn new(cfg: &TbtcConfig, chain: ChainIdx) -> Self {
        Coordination {
            chain,
            bridge: Address::ZERO,
            registry: Address::ZERO,
            validator: Address::ZERO,
            block_time_ms: 12_000,
            genesis_timestamp: 0,
            checklist: cfg.checklist(),
            threshold: cfg.threshold,
            heartbeat_rules: cfg.heartbeat_rules,
            heartbeat_active_members: cfg.heartbeat_active_members,
            inactivity_failures: cfg.inactivity_failures,
            signing_capacity: cfg.signing_capacity,
            retransmissions: cfg.retransmissions,
            redemption_fee: cfg.redemption_fee,
            redemption_timeout_s: cfg.redemption_timeout.as_ms() / 1000,
            deposit_sweep_fee: cfg.deposit_sweep_fee,
            signing_key: B256::ZERO,
            wallets: Vec::new(),
            wallet_by_pkh: BTreeMap::new(),
            node_wallets: BTreeMap::new(),
            roles: BTreeMap::new(),
            decisions: PerWindow::default(),
            coordinator: Coordinator::default(),
            sessions: BTreeMap::new(),
            claims: BTreeMap::new(),
            concurrent: BTreeMap::new(),
            pending: BTreeMap::new(),
            deposits: BTreeMap::new(),
            main_utxo: Vec::new(),
            moving_funds_fee: cfg.moving_funds_fee,
            moved_funds_sweep_fee: cfg.moved_funds_sweep_fee,
            moving: BTreeMap::new(),
            moved_funds: BTreeMap::new(),
            retired: Vec::new(),
            moved_funds_sweep_latencies: Vec::new(),
            window_heartbeats: BTreeMap::new(),
            last_heartbeat: Vec::new(),
            heartbeat_gaps: Vec::new(),
            degraded_since: Vec::new(),
            claimed_since_onset: Vec::new(),
            claim_latencies: Vec::new(),
            redemption_latencies: Vec::new(),
            redemption_proposal_latencies: Vec::new(),
            deposit_sweep_latencies: Vec::new(),
            counters: BTreeMap::new(),
            acceptances: 0,
            faults_by_type: BTreeMap::new(),
            fault_log: Vec::new(),
            violations: BTreeMap::new(),
            agreement: PerWindow::default(),
            equivocations: Vec::new(),
            running: BTreeMap::new(),
            start_checks: (B256::ZERO, BTreeMap::new()),
        }
    }

    pub fn count(&mut self, name: &'static str, delta: i128) {
        *self.counters.entry(name).or_insert(0) += delta;
    }

    /// Records the first violation of `invariant`.
    pub fn violate(&mut self, invariant: &'static str, detail: impl FnOnce() -> String) {
        self.violations.entry(invariant).or_insert_with(detail);
    }

    /// Simulated time (ms) at which block `b` is produced.
    pub fn block_time(&self, b: u64) -> u64 {
        b * self.block_time_ms
    }

    /// Action schedule for window `w` (spec 8.1).
    pub fn schedule(&self, w: u64, action: Action) -> Schedule {
        let start = w + super::window::DURATION;
        let validity = match (action, self.heartbeat_rules) {
            (Action::Heartbeat, HeartbeatRules::Historical) => 300,
            (Action::DepositSweep, _) => 1200,
            (Action::MovingFunds, _) => 650,
            _ => 600,
        };
        let expiry = start + validity;
        let signing_deadline = match (action, self.heartbeat_rules) {
            (Action::Heartbeat, HeartbeatRules::Historical) => expiry - 25,
            _ => expiry - 300,
        };
        Schedule {
            start,
            signing_deadline,
            expiry,
        }
    }

    /// Notes the decision of a (window, wallet) the first time any node computes it, and the
    /// window statistics that come with it.
    pub fn note_decision(&mut self, w: u64, wallet: usize, d: WindowDecision) {
        if self.decisions.get(w, wallet).is_some() {
            return;
        }
        let index = super::window::index(w);
        if !self.window_heartbeats.contains_key(&w) {
            self.prune(w);
        }
        if d.decision.heartbeat() {
            *self.window_heartbeats.entry(w).or_insert(0) += 1;
            if let Some(prev) = self.last_heartbeat[wallet] {
                self.heartbeat_gaps.push(index - prev);
            }
            self.last_heartbeat[wallet] = Some(index);
        } else {
            self.window_heartbeats.entry(w).or_insert(0);
        }
        let wallets = self.wallets.len();
        self.decisions.insert(w, wallet, wallets, d);
    }

    /// Forgets per-window state no routine can reach any more once window `w` begins: every
    /// action of a window ends within 1,300 blocks, so two windows back is enough. Keeps a
    /// year-long run's memory flat.
    fn prune(&mut self, w: u64) {
        let keep = w.saturating_sub(2 * super::window::FREQUENCY);
        self.decisions.forget_before(keep);
        self.agreement.forget_before(keep);
        self.sessions.retain(|(_, dw, _), _| *dw >= keep);
        self.claims.retain(|(_, dw), _| *dw >= keep);
        self.equivocations.retain(|(_, dw)| *dw >= keep);
    }

    /// The overload draw of operator `op` in attempt `attempt` of a session: uniform in [0, 1),
    /// keyed by (run's signing key, operator, wallet, window, attempt), so it does not depend
    /// on the order in which nodes look. BLAKE3 of the key (a simulation draw, not a protocol
    /// hash: the cheapest good hash, as overloaded attempts draw it for every member).
    pub fn readiness_draw(&self, op: u32, wallet: usize, window: u64, attempt: u32) -> f64 {
        let mut buf = [0u8; 32 + 4 + 8 + 8 + 4];
        buf[..32].copy_from_slice(self.signing_key.as_slice());
        buf[32..36].copy_from_slice(&op.to_be_bytes());
        buf[36..44].copy_from_slice(&(wallet as u64).to_be_bytes());
        buf[44..52].copy_from_slice(&window.to_be_bytes());
        buf[52..56].copy_from_slice(&attempt.to_be_bytes());
        let h = blake3::hash(&buf);
        let x = u64::from_be_bytes(h.as_bytes()[..8].try_into().expect("8"));
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_funds_signs_after_32_confirmations_of_its_commitment() {
        let sched = Schedule {
            start: 1000,
            signing_deadline: 1350,
            expiry: 1650,
        };
        // A commitment long confirmed (the usual case: it is on chain before the proposal, at
        // least 100 blocks before the start) does not delay signing.
        assert_eq!(signing_start(&sched, Action::MovingFunds, Some(800)), 1000);
        assert_eq!(signing_start(&sched, Action::MovingFunds, Some(968)), 1000);
        // A commitment included at block 990 has its 32 confirmations at block 1022.
        assert_eq!(signing_start(&sched, Action::MovingFunds, Some(969)), 1001);
        assert_eq!(signing_start(&sched, Action::MovingFunds, Some(990)), 1022);
        // Other actions and an unknown commitment start at once.
        for a in [
            Action::Redemption,
            Action::DepositSweep,
            Action::MovedFundsSweep,
            Action::Heartbeat,
        ] {
            assert_eq!(signing_start(&sched, a, Some(990)), 1000, "{a}");
        }
        assert_eq!(signing_start(&sched, Action::MovingFunds, None), 1000);
    }
}
