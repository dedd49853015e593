//! Canonical timer updates (spec §8.2, "Canonical timer updates"): the exact calls the honest
//! strategy emits for an essential root `u` at a given moment, and the reading of a
//! transaction's calldata as a timer-cache update, so that spec mode pays only those forms.
//!
//! For `u`, per root-to-leaf path of its honest subtree, bottom-up: one
//! `multiUpdateTimeCacheByChildren(ids, τ)` per maximal same-level run (the run's pending edges
//! from the leaf up, gated by `τ` of the run's top edge), and one
//! `updateTimerCacheByClaim(terminal, refinement, τ(terminal))` at each level boundary, where
//! `τ(E) = T − T_topdown(E)` and `T_topdown(E)` sums `λ` over E's strict ancestors up to `u`
//! (plus the first-child bonus when `u` is the block root). The paths and the runs follow the
//! honest defender's own enumeration (`game.rs`, `timer_updates`), read from the rebuilt state
//! instead of contract storage. `updateTimerCacheByChildren` is never canonical.

use super::state::{Edge, State};
use crate::protocols::bold::bindings::Ecm;
use crate::protocols::bold::history::mandatory_bisection_height;
use crate::protocols::bold::runs;
use crate::protocols::bold::truth::Lane;
use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;

/// A timer-cache update of the challenge manager, as its calldata says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimerCall {
    /// `multiUpdateTimeCacheByChildren(edgeIds_, maximumCachedTime)`.
    MultiByChildren { ids: Vec<B256>, max: U256 },
    /// `updateTimerCacheByChildren(edgeId, maximumCachedTime)`.
    ByChildren { id: B256, max: U256 },
    /// `updateTimerCacheByClaim(edgeId, claimingEdgeId, maximumCachedTime)`.
    ByClaim { id: B256, claiming: B256, max: U256 },
}

impl TimerCall {
    /// Reads calldata as a timer-cache update: `None` for any other call, and for calldata
    /// that is not the standard ABI encoding of its arguments (byte for byte).
    pub fn decode(input: &[u8]) -> Option<TimerCall> {
        let selector: [u8; 4] = input.get(..4)?.try_into().ok()?;
        let call = match selector {
            Ecm::multiUpdateTimeCacheByChildrenCall::SELECTOR => {
                let c = Ecm::multiUpdateTimeCacheByChildrenCall::abi_decode(input).ok()?;
                TimerCall::MultiByChildren {
                    ids: c.edgeIds_,
                    max: c.maximumCachedTime,
                }
            }
            Ecm::updateTimerCacheByChildrenCall::SELECTOR => {
                let c = Ecm::updateTimerCacheByChildrenCall::abi_decode(input).ok()?;
                TimerCall::ByChildren {
                    id: c.edgeId,
                    max: c.maximumCachedTime,
                }
            }
            Ecm::updateTimerCacheByClaimCall::SELECTOR => {
                let c = Ecm::updateTimerCacheByClaimCall::abi_decode(input).ok()?;
                TimerCall::ByClaim {
                    id: c.edgeId,
                    claiming: c.claimingEdgeId,
                    max: c.maximumCachedTime,
                }
            }
            _ => return None,
        };
        (call.encode() == input).then_some(call)
    }

    /// The standard ABI encoding of the call.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            TimerCall::MultiByChildren { ids, max } => Ecm::multiUpdateTimeCacheByChildrenCall {
                edgeIds_: ids.clone(),
                maximumCachedTime: *max,
            }
            .abi_encode(),
            TimerCall::ByChildren { id, max } => Ecm::updateTimerCacheByChildrenCall {
                edgeId: *id,
                maximumCachedTime: *max,
            }
            .abi_encode(),
            TimerCall::ByClaim { id, claiming, max } => Ecm::updateTimerCacheByClaimCall {
                edgeId: *id,
                claimingEdgeId: *claiming,
                maximumCachedTime: *max,
            }
            .abi_encode(),
        }
    }

    /// The contract function's name.
    pub fn function(&self) -> &'static str {
        match self {
            TimerCall::MultiByChildren { .. } => "multiUpdateTimeCacheByChildren",
            TimerCall::ByChildren { .. } => "updateTimerCacheByChildren",
            TimerCall::ByClaim { .. } => "updateTimerCacheByClaim",
        }
    }
}

/// One honest edge on a root-to-leaf path.
#[derive(Clone, Copy)]
struct Step<'s> {
    edge: &'s Edge,
    /// Reached from the previous step by a claim link (a refinement), or the root itself.
    claim: bool,
}

/// The canonical timer updates for the essential root of lane `u` at block `t`, in the
/// order the honest strategy emits them (empty when the lane has no honest root).
pub fn canonical(st: &State, u: &Lane, t: u64) -> Vec<TimerCall> {
    let Some(root) = st.lane_root(u) else {
        return Vec::new();
    };
    let period = st.period();
    let bonus = if u.level == 0 {
        st.bonus(u.assertion)
    } else {
        0
    };
    let h = st.truth.heights.layer_zero(u.level);
    let mut paths = Vec::new();
    let mut stack = vec![Step {
        edge: root,
        claim: true,
    }];
    leaf_paths(st, (*u, 0, h), bonus, true, t, &mut stack, &mut paths);
    let mut out = Vec::new();
    for path in &paths {
        // topdown[i] = bonus + Σ λ over path[..i] (the root counts its own time).
        let topdown = runs::topdown(path.len(), bonus, |i| {
            if i == 0 {
                st.own(path[0].edge, t) as u128
            } else {
                st.lambda(path[i].edge, t)
            }
        });
        // Each same-level run, bottom-up, up to the level's layer-zero edge.
        for seg in runs::same_level_runs(path.len(), |k| path[k].claim) {
            let j = *seg.last().expect("a run ends with its top");
            let ids: Vec<B256> = seg
                .iter()
                .filter(|&&k| !path[k].edge.is_confirmed() || k == 0)
                .map(|&k| path[k].edge.id)
                .collect();
            let top = path[j].edge;
            let gate = period.saturating_sub(topdown[j]);
            if !ids.is_empty() && !top.is_confirmed() && gate > 0 {
                out.push(TimerCall::MultiByChildren {
                    ids,
                    max: U256::from(gate),
                });
            }
            if j == 0 {
                continue;
            }
            // The level boundary: path[j - 1] is the terminal, path[j] its refinement.
            let term = path[j - 1].edge;
            let gate = period.saturating_sub(topdown[j - 1]);
            if gate > 0 && !term.is_confirmed() {
                out.push(TimerCall::ByClaim {
                    id: term.id,
                    claiming: top.id,
                    max: U256::from(gate),
                });
            }
        }
    }
    out
}

/// Every root-to-leaf path of the honest subtree below `[s, e]` of `lane` (the defender's
/// `leaf_paths`): a confirmed edge below the root ends a path, a bisected edge continues into
/// both children, a rivaled terminal continues into its refinement while the weight so far is
/// below `T`.
fn leaf_paths<'s>(
    st: &'s State,
    (lane, s, e): (Lane, u64, u64),
    acc: u128,
    is_root: bool,
    t: u64,
    stack: &mut Vec<Step<'s>>,
    out: &mut Vec<Vec<Step<'s>>>,
) {
    let x = stack.last().expect("the step being visited").edge;
    let lambda = if is_root {
        st.own(x, t) as u128
    } else {
        st.lambda(x, t)
    };
    let here = acc.saturating_add(lambda);
    if x.is_confirmed() && !is_root {
        out.push(stack.clone());
        return;
    }
    if x.children.is_some() {
        let mid = mandatory_bisection_height(s, e).expect("bisected edges have length ≥ 2");
        for (cs, ce) in [(s, mid), (mid, e)] {
            let Some(child) = st.honest_edge(&lane, cs, ce) else {
                continue;
            };
            stack.push(Step {
                edge: child,
                claim: false,
            });
            leaf_paths(st, (lane, cs, ce), here, false, t, stack, out);
            stack.pop();
        }
        return;
    }
    if e - s == 1
        && st.rivaled(x)
        && lane.level < st.truth.heights.small_level()
        && here < st.period()
    {
        let sub = st.truth.refine(&lane, s);
        if let Some(r) = st.lane_root(&sub) {
            let h = st.truth.heights.layer_zero(sub.level);
            stack.push(Step {
                edge: r,
                claim: true,
            });
            leaf_paths(st, (sub, 0, h), here, false, t, stack, out);
            stack.pop();
            return;
        }
    }
    out.push(stack.clone());
}
