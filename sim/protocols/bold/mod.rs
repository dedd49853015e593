//! Arbitrum BOLD: the assertion chain, the multi-level edge challenge and the parties that play
//! it, as specified in `specs/bold.md`. Contracts are the project's own (`contracts/`); the
//! history commitment, ids and bisection heights are mirrored in [`history`]; what each party
//! believes the machine computes is in [`truth`].

mod actors;
pub mod bindings;
mod copycat;
pub mod fuzz;
mod game;
pub mod history;
mod invariants;
mod metrics;
pub mod reimburse;
mod runs;
mod sybil;
#[cfg(test)]
mod tests;
pub mod truth;
mod watcher;

use super::{ActorParams, Protocol, ProtocolConfig, Setup};
use crate::chain::ChainIdx;
use crate::engine::genesis::Genesis;
use crate::scenario::error::ScenarioError;
use crate::scenario::units::Amount;
use crate::scenario::yaml::{from_node, Located, Node};
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolConstructor;
use bindings::{Ecm, Rollup};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use truth::{Heights, Truth};

/// The BOLD protocol module.
pub struct BoldProtocol;

/// Registry entry.
pub static BOLD: BoldProtocol = BoldProtocol;

/// Names of the invariants this protocol checks.
pub const INVARIANTS: &[&str] = &[
    "bold.one_confirmed_child",
    "bold.confirmation_timing",
    "bold.honest_confirmed",
    "bold.one_confirmed_edge_per_mutual",
    "bold.bisection_legal",
    "bold.layer_zero_legal",
    "bold.timer_monotone",
    "bold.rollup_accounting",
    "bold.manager_accounting",
    "bold.refunds",
    "bold.confirmed_by_time_sound",
    "bold.liveness",
    "bold.adversary_stakes",
    "bold.termination",
];

/// Parameter profiles of spec §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Std,
    Tiny,
    Deep,
}

/// Parameters under `protocols.bold`; unset values come from the profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoldDoc {
    pub chain: Located<String>,
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default)]
    pub confirm_period_blocks: Option<Located<u64>>,
    #[serde(default)]
    pub challenge_period_blocks: Option<Located<u64>>,
    #[serde(default)]
    pub grace_period_blocks: Option<u64>,
    #[serde(default)]
    pub minimum_assertion_period: Option<u64>,
    #[serde(default)]
    pub base_stake: Option<Amount>,
    /// Mini-stakes per level: block, big-step levels, small-step (length `n + 2`).
    #[serde(default)]
    pub stake_amounts: Option<Located<Vec<Amount>>>,
    /// `NUM_BIGSTEP_LEVEL`.
    #[serde(default)]
    pub big_step_levels: Option<Located<u8>>,
    /// Layer-zero heights `[block, big, small]`, powers of two.
    #[serde(default)]
    pub heights: Option<Located<[u64; 3]>>,
    /// Label the toy machine's seed (`wasmModuleRoot`) is derived from.
    #[serde(default)]
    pub machine: Option<String>,
    /// Tokens every BOLD actor starts with (default: 20 bonds).
    #[serde(default)]
    pub initial_tokens: Option<Amount>,
    /// Liveness slack in blocks added to the spec's bound (honest reaction time).
    #[serde(default)]
    pub liveness_slack: Option<u64>,
    /// Reimbursement parameters (spec §5 and §8).
    #[serde(default)]
    pub reimbursement: Option<reimburse::ReimbParams>,
    /// Planted bug (tests of the fuzzer only): honest parties never call `refundStake`, so the
    /// mini-stakes of their confirmed essential edges stay locked (`bold.liveness` catches it).
    #[serde(default)]
    pub planted_skip_refund: bool,
}

/// Resolved protocol parameters.
#[derive(Debug, Clone)]
pub struct Params {
    pub chain: Located<String>,
    pub confirm_period: u64,
    /// `T`.
    pub challenge_period: u64,
    pub grace: u64,
    pub min_period: u64,
    pub base_stake: U256,
    pub stake_amounts: Vec<U256>,
    pub heights: Heights,
    pub seed: B256,
    pub genesis_state: B256,
    pub initial_tokens: U256,
    pub slack: u64,
    pub reimb: reimburse::ReimbParams,
    /// See [`BoldDoc::planted_skip_refund`].
    pub planted_skip_refund: bool,
}

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

impl BoldDoc {
    pub(crate) fn resolve(self) -> Result<Params, ScenarioError> {
        let profile = self.profile.unwrap_or(Profile::Std);
        // (confirm, T, grace, min period, base stake, stakes, n, heights)
        let (confirm, t, grace, min, base, stakes, n, hs) = match profile {
            Profile::Std => (
                600,
                600,
                60,
                10,
                ether(100),
                vec![U256::ZERO, ether(15), ether(2)],
                1u8,
                [32u64, 16, 16],
            ),
            Profile::Tiny => (
                40,
                40,
                5,
                1,
                U256::from(10u64),
                vec![U256::ZERO, U256::from(3u64), U256::from(1u64)],
                1,
                [4, 4, 4],
            ),
            Profile::Deep => (
                1000,
                1000,
                60,
                10,
                ether(100),
                vec![U256::ZERO, ether(8), ether(6), ether(4), ether(2)],
                3,
                [16, 8, 8],
            ),
        };
        let n = match self.big_step_levels {
            Some(l) if l.value == 0 || l.value > 253 => {
                return Err(ScenarioError::at(
                    l.loc,
                    format!("`big_step_levels` must be in 1..=253, got {}", l.value),
                ))
            }
            Some(l) => l.value,
            None => n,
        };
        let hs = match self.heights {
            Some(h) => {
                for v in h.value {
                    if v == 0 || !v.is_power_of_two() || v > 1 << 12 {
                        return Err(ScenarioError::at(
                            h.loc,
                            format!("layer-zero height {v} is not a power of two in 1..=4096"),
                        )
                        .with_hint("heights are [block, big_step, small_step], e.g. [4, 4, 4]"));
                    }
                }
                h.value
            }
            None => hs,
        };
        let heights = Heights {
            block: hs[0],
            big: hs[1],
            small: hs[2],
            n,
        };
        if heights
            .big
            .checked_pow(n as u32)
            .and_then(|x| x.checked_mul(heights.small))
            .is_none_or(|s| s > 1 << 16)
        {
            return Err(ScenarioError::new(format!(
                "steps per block H_big^n·H_sml must be at most 65536 (n = {n}, heights {hs:?})"
            ))
            .with_hint("lower `big_step_levels` or the heights"));
        }
        let stakes = match self.stake_amounts {
            Some(s) if s.value.len() != n as usize + 2 => {
                return Err(ScenarioError::at(
                    s.loc,
                    format!(
                        "`stake_amounts` needs {} entries (block, {} big-step, small-step), got {}",
                        n as usize + 2,
                        n,
                        s.value.len()
                    ),
                ))
            }
            Some(s) => s.value.iter().map(|a| a.0).collect(),
            None if stakes.len() == n as usize + 2 => stakes,
            None => {
                return Err(ScenarioError::new(format!(
                    "`big_step_levels: {n}` differs from the profile: give `stake_amounts` with {} entries",
                    n as usize + 2
                )))
            }
        };
        let period = |v: Option<Located<u64>>, default: u64, name: &str| match v {
            Some(p) if p.value == 0 => Err(ScenarioError::at(
                p.loc,
                format!("`{name}` must be at least one block"),
            )),
            Some(p) => Ok(p.value),
            None => Ok(default),
        };
        let base_stake = self.base_stake.map(|a| a.0).unwrap_or(base);
        Ok(Params {
            chain: self.chain,
            confirm_period: period(self.confirm_period_blocks, confirm, "confirm_period_blocks")?,
            challenge_period: period(self.challenge_period_blocks, t, "challenge_period_blocks")?,
            grace: self.grace_period_blocks.unwrap_or(grace),
            min_period: self.minimum_assertion_period.unwrap_or(min),
            base_stake,
            stake_amounts: stakes.clone(),
            heights,
            seed: keccak256(
                self.machine
                    .as_deref()
                    .unwrap_or("crucible.toy.machine")
                    .as_bytes(),
            ),
            genesis_state: keccak256(b"crucible.genesis"),
            initial_tokens: self.initial_tokens.map(|a| a.0).unwrap_or_else(|| {
                base_stake * U256::from(20u64)
                    + stakes.iter().fold(U256::ZERO, |a, b| a + *b) * U256::from(20u64)
            }),
            slack: self.liveness_slack.unwrap_or(20),
            reimb: self.reimbursement.unwrap_or_default(),
            planted_skip_refund: self.planted_skip_refund,
        })
    }
}

/// Validated protocol configuration.
#[derive(Debug, Clone)]
pub struct BoldConfig {
    pub params: Params,
}

impl Protocol for BoldProtocol {
    fn name(&self) -> &'static str {
        "bold"
    }
    fn about(&self) -> &'static str {
        "Arbitrum BOLD assertions and multi-level edge challenges"
    }
    fn parse(&self, params: &Node) -> Result<Box<dyn ProtocolConfig>, ScenarioError> {
        let doc: BoldDoc = from_node(params)?;
        Ok(Box::new(BoldConfig {
            params: doc.resolve()?,
        }))
    }
    fn actor_kinds(&self) -> &'static [&'static str] {
        actors::KINDS
    }
    fn invariants(&self) -> &'static [&'static str] {
        INVARIANTS
    }
    fn fuzz_space(&self) -> Option<&'static dyn crate::fuzz::FuzzSpace> {
        Some(&fuzz::BOLD_SPACE)
    }
    fn parse_actor(
        &self,
        kind: &str,
        params: &Node,
    ) -> Result<Box<dyn ActorParams>, ScenarioError> {
        actors::parse(kind, params)
    }
}

/// Which side an account plays (for invariants and metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Honest,
    Adversary,
}

/// God's-eye bookkeeping shared by actors, invariants and metrics.
#[derive(Debug, Default)]
pub struct Book {
    /// Side of every BOLD actor's address.
    pub sides: BTreeMap<Address, Side>,
    /// Block of the latest adversary move (liveness is measured from it).
    pub last_adversary_move: u64,
    /// Honest layer-zero edges that are essential (liveness L2), by id.
    pub essential: BTreeSet<B256>,
    /// Block each assertion was seen Confirmed (filled by the invariants).
    pub confirmed_at: BTreeMap<B256, u64>,
    /// Block each edge was seen Confirmed.
    pub edge_confirmed_at: BTreeMap<B256, u64>,
    /// The largest path weight (with first-child bonus) an adversary block-level edge reached
    /// at any block (filled by the timer check).
    pub max_adversary_weight: Option<u128>,
    /// Every failed check as (invariant name, block), in order (`invariant_violations`).
    pub violations: Vec<(&'static str, u64)>,
    /// `honest_capital_lock` so far: Σ amount × blocks over honest bonds and mini-stakes,
    /// counted up to `lock_block` (filled by the rollup accounting check).
    pub capital_lock: U256,
    /// Honest capital locked at `lock_block`.
    pub locked_now: U256,
    pub lock_block: u64,
}

/// Deployed BOLD instance shared by its actors, invariants and metrics.
#[derive(Debug)]
pub struct Bold {
    pub chain: ChainIdx,
    pub rollup: Address,
    pub ecm: Address,
    pub token: Address,
    pub escrow: Address,
    pub excess: Address,
    pub p: Params,
    /// The honest history.
    pub honest: Rc<Truth>,
    /// The `ReimbursementLedger` the watcher posts spec-mode payments to (`post_to_ledger`).
    pub ledger: Option<Address>,
    pub book: RefCell<Book>,
    pub block_time_ms: u64,
}

pub(crate) type Shared = Rc<Bold>;

impl Bold {
    /// Config recorded on every assertion for its children (nextInboxPosition = pos + 1).
    pub fn config_for(&self, pos: u64) -> bindings::Config {
        bindings::Config {
            wasm_module_root: self.p.seed,
            required_stake: self.p.base_stake,
            challenge_manager: self.ecm,
            confirm_period_blocks: self.p.confirm_period,
            next_inbox_position: pos + 1,
        }
    }
}

/// A fixed, keyless address derived from a label (escrow, excess receiver).
fn label_address(label: &str) -> Address {
    Address::from_slice(&keccak256(label.as_bytes())[12..])
}

impl ProtocolConfig for BoldConfig {
    fn chains(&self) -> Vec<Located<String>> {
        vec![self.params.chain.clone()]
    }

    /// `reimbursement.excluded_proposers` must name actors.
    fn actor_refs(&self) -> Vec<Located<String>> {
        self.params.reimb.excluded_proposers.clone()
    }

    fn derives_files(&self) -> bool {
        true
    }

    /// The payment files of both reimbursement modes, recomputed from the trace (Run B) and
    /// checked against the online watcher's notes (Run A).
    fn derived_files(
        &self,
        run: &crate::derived::RunTrace,
    ) -> Result<Vec<crate::derived::DerivedFile>, String> {
        reimburse::derive(run, &self.params)
    }

    fn setup(&self, g: &mut Genesis) -> Result<Setup, String> {
        use crate::protocols::token::{Token, TOKEN_ARTIFACT};
        let p = &self.params;
        let chain = g
            .chain(&p.chain.value)
            .ok_or_else(|| format!("no chain `{}`", p.chain.value))?;
        let ctor = Token::constructorCall {
            name_: "BOLD Stake".into(),
            symbol_: "BST".into(),
        };
        let mut code = Token::BYTECODE.to_vec();
        code.extend(ctor.abi_encode());
        let token = g.deploy(chain, "StakeToken", TOKEN_ARTIFACT, code.into())?;
        let osp = g.deploy(
            chain,
            "ToyOneStepProver",
            bindings::OSP_ARTIFACT,
            bindings::osp::ToyOneStepProver::BYTECODE.clone(),
        )?;
        let escrow = label_address("crucible.bold.loser_stake_escrow");
        let excess = label_address("crucible.bold.excess_stake_receiver");
        let ctor = Rollup::constructorCall {
            stakeToken_: token,
            baseStake_: p.base_stake,
            confirmPeriodBlocks_: p.confirm_period,
            challengeGracePeriodBlocks_: p.grace,
            minimumAssertionPeriod_: p.min_period,
            loserStakeEscrow_: escrow,
            wasmModuleRoot_: p.seed,
        };
        let mut code = Rollup::BYTECODE.to_vec();
        code.extend(ctor.abi_encode());
        let rollup = g.deploy(chain, "BoldRollup", bindings::ROLLUP_ARTIFACT, code.into())?;
        let ctor = Ecm::constructorCall {
            assertionChain_: rollup,
            challengePeriodBlocks_: p.challenge_period,
            oneStepProofEntry_: osp,
            layerZeroBlockEdgeHeight: U256::from(p.heights.block),
            layerZeroBigStepEdgeHeight: U256::from(p.heights.big),
            layerZeroSmallStepEdgeHeight: U256::from(p.heights.small),
            stakeToken_: token,
            excessStakeReceiver_: excess,
            numBigStepLevel: p.heights.n,
            stakeAmounts_: p.stake_amounts.clone(),
        };
        let mut code = Ecm::BYTECODE.to_vec();
        code.extend(ctor.abi_encode());
        let ecm = g.deploy(
            chain,
            "EdgeChallengeManager",
            bindings::ECM_ARTIFACT,
            code.into(),
        )?;
        let deployer = g.deployer();
        g.call(
            chain,
            deployer,
            rollup,
            &Rollup::initializeCall {
                challengeManager_: ecm,
                genesisBlockState: p.genesis_state,
            },
        )?;
        let mut book = Book::default();
        for (_, _, kind, address) in g.actors() {
            let Some(k) = kind.strip_prefix("bold.") else {
                continue;
            };
            if k == "watcher" {
                continue;
            }
            g.call(
                chain,
                deployer,
                token,
                &Token::mintCall {
                    to: address,
                    amount: p.initial_tokens,
                },
            )?;
            for spender in [rollup, ecm] {
                g.call(
                    chain,
                    address,
                    token,
                    &Token::approveCall {
                        spender,
                        amount: U256::MAX,
                    },
                )?;
            }
            book.sides.insert(address, actors::side_of(k));
        }
        let ledger = if p.reimb.post_to_ledger {
            let watchers: Vec<Address> = g
                .actors()
                .into_iter()
                .filter(|a| a.2 == "bold.watcher")
                .map(|a| a.3)
                .collect();
            let [watcher] = watchers[..] else {
                return Err(format!(
                    "`reimbursement.post_to_ledger` needs exactly one `bold.watcher` actor, found {}",
                    watchers.len()
                ));
            };
            let mut code = bindings::ReimbursementLedger::BYTECODE.to_vec();
            code.extend(
                bindings::ReimbursementLedger::constructorCall { watcher_: watcher }.abi_encode(),
            );
            Some(g.deploy(
                chain,
                "ReimbursementLedger",
                bindings::LEDGER_ARTIFACT,
                code.into(),
            )?)
        } else {
            None
        };
        let honest = Rc::new(Truth::new(p.heights, p.seed, p.genesis_state, None));
        let genesis_hash = g
            .view(chain, rollup, &Rollup::genesisAssertionHashCall {})
            .map_err(|e| e.to_string())?;
        if genesis_hash != honest.assertion(0).hash {
            return Err(format!(
                "genesis assertion hash {genesis_hash} differs from the model's {}",
                honest.assertion(0).hash
            ));
        }
        let shared: Shared = Rc::new(Bold {
            chain,
            rollup,
            ecm,
            token,
            escrow,
            excess,
            p: p.clone(),
            honest,
            ledger,
            book: RefCell::new(book),
            block_time_ms: g.block_time_ms(chain),
        });
        let m = shared.clone();
        Ok(Setup {
            shared: shared.clone(),
            invariants: invariants::all(&shared),
            metrics: Box::new(move |probe| metrics::collect(&m, probe)),
        })
    }
}
