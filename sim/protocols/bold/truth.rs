//! Histories: what a party believes the toy machine computes (spec §3.8). The honest party runs
//! the real step function; an evil party switches to another tag from a chosen assertion,
//! block and machine step on. From a history come assertions (states, hashes, configs) and the
//! leaves of every edge at every level, so actors compute ids and proofs locally.

use super::history::{self, prefix_roots};
use alloy_primitives::{B256, U256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Layer-zero heights and the number of big-step levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heights {
    pub block: u64,
    pub big: u64,
    pub small: u64,
    pub n: u8,
}

impl Heights {
    /// Layer-zero height of `level`.
    pub fn layer_zero(&self, level: u8) -> u64 {
        match level {
            0 => self.block,
            l if l <= self.n => self.big,
            _ => self.small,
        }
    }
    /// Machine steps per height unit at `level >= 1`: `σ_L = H_sml·H_big^(n−L)`, `σ_{n+1} = 1`.
    pub fn sigma(&self, level: u8) -> u64 {
        if level > self.n {
            1
        } else {
            self.small * self.big.pow((self.n - level) as u32)
        }
    }
    /// Machine steps per block, `S = H_big^n·H_sml`.
    pub fn steps_per_block(&self) -> u64 {
        self.big.pow(self.n as u32) * self.small
    }
    /// The small-step level `n + 1`.
    pub fn small_level(&self) -> u8 {
        self.n + 1
    }
}

/// Where an evil history leaves the honest one: in assertion `assertion` (its inbox position,
/// ≥ 1), in the machine run that ends at block `block` (1..=H_blk), from step `step` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub assertion: u64,
    pub block: u64,
    pub step: u64,
    /// Distinguishes the histories of several evil parties.
    pub salt: u64,
}

/// One challenge level's leaves: level 0 is an assertion's block states; level L ≥ 1 is the
/// machine run from block `fork` at step offset `offset`, one leaf per `σ_L` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lane {
    /// Inbox position of the assertion under challenge.
    pub assertion: u64,
    pub level: u8,
    /// `originId` of every edge in this lane.
    pub origin: B256,
    /// Start height `b` of the block-level one-step fork `[b, b+1]` (levels ≥ 1).
    pub fork: u64,
    /// Machine step of leaf 0 (levels ≥ 1).
    pub offset: u64,
}

/// The leaves and prefix roots of one lane.
#[derive(Debug)]
pub struct LaneHistory {
    pub leaves: Vec<B256>,
    pub roots: Vec<B256>,
}

/// The post-state of an assertion, as the contracts hash it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateData {
    pub block_state: B256,
    pub inbox_pos: u64,
    pub end_history_root: B256,
}

/// One assertion of a history.
#[derive(Clone, Debug)]
pub struct AssertionInfo {
    pub hash: B256,
    pub parent: B256,
    /// Inbox position after it (0 for genesis).
    pub pos: u64,
    pub state: StateData,
    pub inbox_acc: B256,
}

/// Machine states of one block's run.
type Run = Rc<Vec<B256>>;

/// A history (honest or evil) with memoised block states, assertions and lanes.
#[derive(Debug)]
pub struct Truth {
    pub heights: Heights,
    pub seed: B256,
    pub genesis_state: B256,
    pub divergence: Option<Divergence>,
    honest_tag: B256,
    assertions: RefCell<Vec<AssertionInfo>>,
    blocks: RefCell<BTreeMap<u64, Rc<LaneHistory>>>,
    runs: RefCell<BTreeMap<(u64, u64), Run>>,
    lanes: RefCell<BTreeMap<Lane, Rc<LaneHistory>>>,
}

impl Truth {
    pub fn new(
        heights: Heights,
        seed: B256,
        genesis_state: B256,
        divergence: Option<Divergence>,
    ) -> Truth {
        let genesis = StateData {
            block_state: genesis_state,
            inbox_pos: 0,
            end_history_root: B256::ZERO,
        };
        let info = AssertionInfo {
            hash: assertion_hash(B256::ZERO, &genesis, B256::ZERO),
            parent: B256::ZERO,
            pos: 0,
            state: genesis,
            inbox_acc: B256::ZERO,
        };
        Truth {
            heights,
            seed,
            genesis_state,
            divergence,
            honest_tag: history::step_tag(),
            assertions: RefCell::new(vec![info]),
            blocks: RefCell::default(),
            runs: RefCell::default(),
            lanes: RefCell::default(),
        }
    }

    fn tag(&self, pos: u64, run_end_block: u64, k: u64) -> B256 {
        match self.divergence {
            Some(d) if d.assertion == pos && d.block == run_end_block && k >= d.step => {
                history::evil_tag(d.salt)
            }
            _ => self.honest_tag,
        }
    }

    /// Machine states `m_0..m_S` of the run from block `j` to `j+1` of assertion `pos`.
    pub fn run(&self, pos: u64, j: u64) -> Rc<Vec<B256>> {
        if let Some(r) = self.runs.borrow().get(&(pos, j)) {
            return r.clone();
        }
        let start = self.block_history(pos).leaves[j as usize];
        let s = self.heights.steps_per_block();
        let mut m = Vec::with_capacity(s as usize + 1);
        m.push(start);
        for k in 0..s {
            let x = *m.last().expect("non-empty");
            m.push(history::step(self.tag(pos, j + 1, k), x, k, self.seed));
        }
        let m = Rc::new(m);
        self.runs.borrow_mut().insert((pos, j), m.clone());
        m
    }

    /// Block states `s_0..s_H` of assertion `pos` (≥ 1) and their prefix roots.
    pub fn block_history(&self, pos: u64) -> Rc<LaneHistory> {
        if let Some(h) = self.blocks.borrow().get(&pos) {
            return h.clone();
        }
        let s0 = self.assertion(pos - 1).state.block_state;
        let steps = self.heights.steps_per_block();
        let mut leaves = vec![s0];
        for j in 0..self.heights.block {
            let mut x = leaves[j as usize];
            for k in 0..steps {
                x = history::step(self.tag(pos, j + 1, k), x, k, self.seed);
            }
            leaves.push(x);
        }
        let roots = prefix_roots(&leaves);
        let h = Rc::new(LaneHistory { leaves, roots });
        self.blocks.borrow_mut().insert(pos, h.clone());
        h
    }

    /// The assertion at inbox position `pos` of this history (0 = genesis).
    pub fn assertion(&self, pos: u64) -> AssertionInfo {
        if let Some(a) = self.assertions.borrow().get(pos as usize) {
            return a.clone();
        }
        let parent = self.assertion(pos - 1);
        let h = self.block_history(pos);
        let state = StateData {
            block_state: *h.leaves.last().expect("leaves"),
            inbox_pos: pos,
            end_history_root: *h.roots.last().expect("roots"),
        };
        let inbox_acc = history::inbox_acc(pos - 1);
        let info = AssertionInfo {
            hash: assertion_hash(parent.hash, &state, inbox_acc),
            parent: parent.hash,
            pos,
            state,
            inbox_acc,
        };
        let mut all = self.assertions.borrow_mut();
        debug_assert_eq!(all.len() as u64, pos);
        all.push(info.clone());
        info
    }

    /// The lane of the block-level challenge of assertion `pos`.
    pub fn block_lane(&self, pos: u64) -> Lane {
        Lane {
            assertion: pos,
            level: 0,
            origin: self.assertion(pos - 1).hash,
            fork: 0,
            offset: 0,
        }
    }

    /// The lane one level below the length-one edge `[j, j+1]` of `lane`.
    pub fn refine(&self, lane: &Lane, j: u64) -> Lane {
        let h = self.lane(lane);
        let origin = history::mutual_id(lane.level, lane.origin, j, h.roots[j as usize], j + 1);
        let (fork, offset) = if lane.level == 0 {
            (j, 0)
        } else {
            (lane.fork, lane.offset + j * self.heights.sigma(lane.level))
        };
        Lane {
            assertion: lane.assertion,
            level: lane.level + 1,
            origin,
            fork,
            offset,
        }
    }

    /// Leaves and prefix roots of a lane.
    pub fn lane(&self, lane: &Lane) -> Rc<LaneHistory> {
        if lane.level == 0 {
            return self.block_history(lane.assertion);
        }
        if let Some(h) = self.lanes.borrow().get(lane) {
            return h.clone();
        }
        let run = self.run(lane.assertion, lane.fork);
        let sigma = self.heights.sigma(lane.level);
        let height = self.heights.layer_zero(lane.level);
        let leaves: Vec<B256> = (0..=height)
            .map(|i| run[(lane.offset + i * sigma) as usize])
            .collect();
        let roots = prefix_roots(&leaves);
        let h = Rc::new(LaneHistory { leaves, roots });
        self.lanes.borrow_mut().insert(*lane, h.clone());
        h
    }

    /// Ids of the edge `[start, end]` of `lane` in this history: (mutual id, edge id).
    pub fn edge_ids(&self, lane: &Lane, start: u64, end: u64) -> (B256, B256) {
        let h = self.lane(lane);
        let m = history::mutual_id(lane.level, lane.origin, start, h.roots[start as usize], end);
        (m, history::edge_id(m, h.roots[end as usize]))
    }

    /// Global machine step of leaf `j` of a lane at level ≥ 1.
    pub fn global_step(&self, lane: &Lane, j: u64) -> u64 {
        lane.offset + j * self.heights.sigma(lane.level)
    }
}

/// `assertionHash = keccak(parent ‖ keccak(abi.encode(state)) ‖ inboxAcc)`.
pub fn assertion_hash(parent: B256, state: &StateData, inbox_acc: B256) -> B256 {
    let mut buf = Vec::with_capacity(96);
    buf.extend_from_slice(parent.as_slice());
    buf.extend_from_slice(state_hash(state).as_slice());
    buf.extend_from_slice(inbox_acc.as_slice());
    alloy_primitives::keccak256(buf)
}

/// `keccak(abi.encode(AssertionState))`: six static words (bytes32[2], uint64[2], status, root).
pub fn state_hash(state: &StateData) -> B256 {
    let mut words = [[0u8; 32]; 6];
    words[0] = state.block_state.0;
    words[2] = U256::from(state.inbox_pos).to_be_bytes::<32>();
    words[4] = U256::from(1u8).to_be_bytes::<32>(); // FINISHED
    words[5] = state.end_history_root.0;
    alloy_primitives::keccak256(words.concat())
}
