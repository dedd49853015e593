//! `bold.sybil`: the sybil layer-zero spammer of spec §6 (item 7), frenemy variant. At every
//! honest one-step fork (a rivaled, pending, length-one honest edge above the small-step
//! level) it creates one rival refinement whose first and last leaves agree with the honest
//! claim and whose middle leaves are bogus, paying `stakeAmounts[level]` for it. Run several
//! (`count: k`) for k accounts. It never plays its edges further, so every one of them loses
//! its mini-stake to the excess receiver or leaves it locked.
//!
//! With `siblings: true` it is the block-level spammer instead: each account posts its own
//! wrong sibling of the honest assertion at `assertion` (after the honest one, so its bond
//! goes straight to the loser escrow), opens that sibling's block-level layer-zero edge — a
//! rival of the honest root and of every other sibling's — and plays nothing further.

use super::actors::{EvilParams, Position};
use super::bindings::{ecm, Ecm};
use super::history::{last_leaf_proof, prefix_proof, prefix_roots};
use super::truth::Lane;
use super::{game, Bold, Shared};
use crate::engine::actor::{Actor, Ctx, Event, TxOpts};
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::yaml::Located;
use alloy_primitives::{keccak256, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

const TICK: u64 = 1;

/// Parameters of `bold.sybil`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SybilParams {
    /// First block it acts at.
    #[serde(default)]
    pub start: u64,
    /// Block-level spammer: posts a wrong sibling assertion and opens only its block-level
    /// edge, instead of rival refinements.
    #[serde(default)]
    pub siblings: bool,
    /// Inbox position of the wrong sibling (`siblings` mode).
    #[serde(default = "one")]
    pub assertion: Located<u64>,
}

fn one() -> Located<u64> {
    Located::new(Default::default(), 1)
}

impl ActorParams for SybilParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        if self.siblings {
            // Each account its own wrong history: the run of block `1 + salt mod H_blk`
            // diverges from its first step.
            let h = env
                .shared
                .clone()
                .downcast::<Bold>()
                .expect("bold actors run with the bold instance")
                .p
                .heights
                .block;
            let at = self.assertion.loc;
            return EvilParams {
                assertion: self.assertion.clone(),
                block: Located::new(at, 1 + env.id.0 as u64 % h),
                step: 0,
                position: Position::Second,
                play: true,
                start: self.start,
                every: Located::new(at, 1),
                grief_every: 0,
                snipe: false,
                root_only: true,
            }
            .spawn(env);
        }
        let bold: Shared = env
            .shared
            .clone()
            .downcast::<Bold>()
            .expect("bold actors run with the bold instance");
        Box::new(Sybil {
            bold,
            p: self.clone(),
            salt: env.id.0 as u64,
            done: BTreeSet::new(),
            mine: BTreeMap::new(),
            scanned: 0,
        })
    }
}

struct Sybil {
    bold: Shared,
    p: SybilParams,
    salt: u64,
    /// Claims it has already spammed.
    done: BTreeSet<B256>,
    mine: BTreeMap<B256, ()>,
    /// Edge count at the last scan (a fork only appears with a new edge).
    scanned: u64,
}

impl Sybil {
    fn schedule(&self, ctx: &mut Ctx) {
        let bt = self.bold.block_time_ms.max(1);
        let now = ctx.now().ms();
        let next = (now / bt) * bt + bt / 2;
        let next = if next <= now { next + bt } else { next };
        ctx.set_timer(Dur::ms(next - now), TICK);
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        let bold = self.bold.clone();
        if ctx.block_number(bold.chain) < self.p.start {
            return;
        }
        let truth = bold.honest.clone();
        let small = truth.heights.small_level();
        let count: u64 = ctx
            .view(bold.chain, bold.ecm, &Ecm::edgeCountCall {})
            .map(|v| v.saturating_to())
            .unwrap_or(0);
        if count == self.scanned {
            return;
        }
        self.scanned = count;
        // Honest lanes by origin: block lanes of the honest assertions, then refinements.
        let batches: u64 = ctx
            .view(bold.chain, bold.rollup, &super::Rollup::batchCountCall {})
            .map(|v| v.saturating_to())
            .unwrap_or(0);
        let mut lanes: BTreeMap<B256, Lane> = (1..=batches)
            .map(|p| {
                let l = truth.block_lane(p);
                (l.origin, l)
            })
            .collect();
        for i in 0..count {
            let Ok(id) = ctx.view(
                bold.chain,
                bold.ecm,
                &Ecm::edgeIdsCall::new((U256::from(i),)),
            ) else {
                continue;
            };
            let Ok(e) = ctx.view(bold.chain, bold.ecm, &Ecm::getEdgeCall { edgeId: id }) else {
                continue;
            };
            let Some(lane) = lanes.get(&e.originId).copied() else {
                continue;
            };
            let (s, t): (u64, u64) = (e.startHeight.saturating_to(), e.endHeight.saturating_to());
            if truth.edge_ids(&lane, s, t).1 != id || t - s != 1 || e.level >= small {
                continue;
            }
            let sub = truth.refine(&lane, s);
            lanes.insert(sub.origin, sub);
            let rivaled = ctx
                .view(
                    bold.chain,
                    bold.ecm,
                    &Ecm::hasLengthOneRivalCall { edgeId: id },
                )
                .unwrap_or(false);
            if e.status != 0 || !rivaled || !self.done.insert(id) {
                continue;
            }
            let data = self.frenemy(&lane, s, sub, id);
            let opts = TxOpts {
                gas_limit: game::GAS,
                ..TxOpts::default()
            };
            let h = ctx.send_tx_with(bold.chain, Some(bold.ecm), data, opts);
            self.mine.insert(h, ());
            let head = ctx.block_number(bold.chain);
            let mut b = bold.book.borrow_mut();
            b.last_adversary_move = b.last_adversary_move.max(head);
        }
    }

    /// A refinement of the honest length-one edge `[j, j+1]` of `up` that agrees with the
    /// honest first and last leaves and has bogus leaves in between.
    fn frenemy(&self, up: &Lane, j: u64, sub: Lane, claim: B256) -> alloy_primitives::Bytes {
        let truth = &self.bold.honest;
        let height = truth.heights.layer_zero(sub.level);
        let mut leaves = truth.lane(&sub).leaves.clone();
        for (i, leaf) in leaves.iter_mut().enumerate().take(height as usize).skip(1) {
            let mut seed = Vec::with_capacity(48);
            seed.extend_from_slice(b"crucible.sybil");
            seed.extend_from_slice(&self.salt.to_be_bytes());
            seed.extend_from_slice(&(i as u64).to_be_bytes());
            *leaf = keccak256(seed);
        }
        let roots = prefix_roots(&leaves);
        let up_roots = &truth.lane(up).roots;
        let proof = (
            leaves[0],
            leaves[height as usize],
            last_leaf_proof(up_roots, j),
            last_leaf_proof(up_roots, j + 1),
            last_leaf_proof(&roots, height),
        )
            .abi_encode_params();
        Ecm::createLayerZeroEdgeCall {
            args: ecm::CreateEdgeArgs {
                level: sub.level,
                endHistoryRoot: roots[height as usize],
                endHeight: U256::from(height),
                claimId: claim,
                prefixProof: prefix_proof(&leaves, 0, height).into(),
                proof: proof.into(),
            },
        }
        .abi_encode()
        .into()
    }
}

impl Actor for Sybil {
    fn start(&mut self, ctx: &mut Ctx) {
        self.schedule(ctx);
    }
    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: TICK } => {
                self.tick(ctx);
                self.schedule(ctx);
            }
            Event::Receipt { receipt: r, .. } => {
                if self.mine.remove(&r.tx).is_none() {
                    return;
                }
                ctx.metric_add("bold.adversary_gas", r.gas_used as i128);
                ctx.metric_add(
                    "bold.adversary_gas_wei",
                    r.gas_used as i128 * r.effective_gas_price as i128,
                );
                let ok = r.status.is_success();
                ctx.metric_add(
                    &format!("bold.sybil_edges.{}", if ok { "ok" } else { "reverted" }),
                    1,
                );
            }
            _ => {}
        }
    }
}
