//! End-of-run metrics of a BOLD run, read from the final contract state.

use super::bindings::Rollup;
use super::invariants::Graph;
use super::{Bold, Side};
use crate::check::Probe;
use crate::protocols::token::Token;
use crate::trace::Value;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use std::collections::BTreeMap;

/// Computes the protocol's end-of-run metrics.
pub fn collect(bold: &Bold, probe: &mut Probe) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let g = Graph::read(bold, probe);
    let Ok(g) = g else {
        return out;
    };
    let n = bold.p.heights.n as usize + 2;
    let mut lz = vec![0i128; n];
    let mut kids = vec![0i128; n];
    let mut bisections = vec![0i128; n];
    for e in g.edges.values() {
        let l = e.edge.level as usize;
        if e.layer_zero() {
            lz[l] += 1;
        } else {
            kids[l] += 1;
        }
        if e.edge.lowerChildId != alloy_primitives::B256::ZERO {
            bisections[l] += 1;
        }
    }
    for l in 0..n {
        out.push((
            format!("bold.edges_created.{l}.layer_zero"),
            Value::Int(lz[l]),
        ));
        out.push((
            format!("bold.edges_created.{l}.bisection_child"),
            Value::Int(kids[l]),
        ));
        out.push((format!("bold.bisections.{l}"), Value::Int(bisections[l])));
        if l > 0 {
            out.push((format!("bold.refinements.{l}"), Value::Int(lz[l])));
        }
    }
    let attempted: i128 = [
        "bold.honest_moves.one_step_prove.ok",
        "bold.honest_moves.one_step_prove.reverted",
        "bold.adversary_moves.one_step_prove.ok",
        "bold.adversary_moves.one_step_prove.reverted",
        "bold.copycat_moves.one_step_prove.ok",
        "bold.copycat_moves.one_step_prove.reverted",
    ]
    .iter()
    .filter_map(|m| match probe.metric(m) {
        Some(Value::Int(i)) => Some(i),
        _ => None,
    })
    .sum();
    out.push(("bold.osp_attempted".into(), Value::Int(attempted)));
    let honest: Vec<_> = g
        .assertions
        .iter()
        .filter(|a| a.honest_pos.is_some())
        .collect();
    out.push((
        "bold.assertions_honest".into(),
        Value::Int(honest.len() as i128 - 1),
    ));
    out.push((
        "bold.assertions_evil".into(),
        Value::Int((g.assertions.len() - honest.len()) as i128),
    ));
    out.push((
        "bold.forks".into(),
        Value::Int(
            g.assertions
                .iter()
                .filter(|a| a.node.secondChildBlock > 0)
                .count() as i128,
        ),
    ));
    let confirmed = g.assertions.iter().filter(|a| a.node.status == 2).count() as i128;
    out.push(("bold.assertions_confirmed".into(), Value::Int(confirmed)));
    let book = bold.book.borrow();
    // Blocks from the fork to the honest confirmation, per challenged honest assertion.
    for a in &g.assertions {
        let Some(pos) = a.honest_pos else { continue };
        if a.node.secondChildBlock == 0 {
            continue;
        }
        let child = bold.honest.assertion(pos + 1);
        if let Some(at) = book.confirmed_at.get(&child.hash) {
            out.push((
                format!("bold.blocks_fork_to_assertion_confirm.{}", pos + 1),
                Value::Int(*at as i128 - a.node.secondChildBlock as i128),
            ));
        }
        let lane = bold.honest.block_lane(pos + 1);
        let root = bold.honest.edge_ids(&lane, 0, bold.p.heights.block).1;
        if let Some(at) = book.edge_confirmed_at.get(&root) {
            out.push((
                format!("bold.blocks_fork_to_root_confirm.{}", pos + 1),
                Value::Int(*at as i128 - a.node.secondChildBlock as i128),
            ));
        }
    }
    if let Some(w) = book.max_adversary_weight {
        out.push((
            "bold.margin_min".into(),
            Value::Int(bold.p.challenge_period as i128 - w.min(i64::MAX as u128) as i128),
        ));
    }
    drop(book);
    out.extend(game_metrics(bold, &g));
    out.extend(money(bold, &g, probe));
    out.extend(record(bold));
    out
}

/// Merges, one-step proofs, confirmations by time, rival layer-zero edges and the liveness
/// margin, per level.
fn game_metrics(bold: &Bold, g: &Graph) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let n = bold.p.heights.n as usize + 2;
    let small = bold.p.heights.small_level();
    let groups = g.groups();
    let mut parents: BTreeMap<B256, i128> = BTreeMap::new();
    for e in g.edges.values() {
        if e.edge.lowerChildId != B256::ZERO {
            *parents.entry(e.edge.lowerChildId).or_default() += 1;
        }
    }
    let mut merges = vec![0i128; n];
    for (lower, count) in &parents {
        merges[g.edges[lower].edge.level as usize] += count - 1;
    }
    let mut by_time = vec![0i128; n];
    let mut rivals = vec![0i128; n];
    let mut osp = 0i128;
    for group in groups.values() {
        for (i, e) in group.iter().enumerate() {
            let l = e.edge.level as usize;
            if e.layer_zero() && e.confirmed() {
                by_time[l] += 1;
            }
            if e.layer_zero() && i > 0 {
                rivals[l] += 1;
            }
            if !e.layer_zero() && e.confirmed() && e.edge.level == small && e.len() == 1 {
                osp += 1;
            }
        }
    }
    for l in 0..n {
        out.push((format!("bold.merges.{l}"), Value::Int(merges[l])));
        out.push((
            format!("bold.confirmations_by_time.{l}"),
            Value::Int(by_time[l]),
        ));
        out.push((format!("bold.rival_layer_zero.{l}"), Value::Int(rivals[l])));
    }
    out.push(("bold.osp_succeeded".into(), Value::Int(osp)));
    // The largest total an adversary block-level edge reached (with its first-child bonus).
    let mut claims: BTreeMap<B256, Vec<&super::invariants::EdgeRec>> = BTreeMap::new();
    for e in g
        .edges
        .values()
        .filter(|e| e.layer_zero() && e.edge.level > 0)
    {
        claims.entry(e.edge.claimId).or_default().push(e);
    }
    let worst = super::invariants::max_adversary_weight(g, &groups, &claims, small);
    if let Some(w) = worst {
        out.push((
            "bold.margin_at_end".into(),
            Value::Int(bold.p.challenge_period as i128 - w.min(i64::MAX as u128) as i128),
        ));
    }
    out
}

/// Tokens each side lost for good, the adversary's split into bonds and mini-stakes, and the
/// resource ratio (stake tokens valued one-to-one with wei).
///
/// `adversary_stake_lost.mini_stakes` (spec §9) is `stakeAmounts[level]` of every
/// adversary-staked layer-zero edge not refunded by the end: forwarded to the excess receiver
/// at once when it was a rival, else kept by the manager for an edge that never won.
/// `adversary_stake_lost.bonds` is the rest of the stake tokens adversary accounts no longer
/// hold or can withdraw: bonds in the loser escrow, and bonds on a losing leaf, which stay
/// locked in the rollup for good (spec §2.4).
fn money(bold: &Bold, g: &Graph, probe: &mut Probe) -> Vec<(String, Value)> {
    let mut lost = [U256::ZERO, U256::ZERO];
    let sides: Vec<(Address, Side)> = bold
        .book
        .borrow()
        .sides
        .iter()
        .map(|(a, s)| (*a, *s))
        .collect();
    for (addr, side) in &sides {
        let bal = probe
            .view(
                bold.chain,
                bold.token,
                &Token::balanceOfCall { account: *addr },
            )
            .unwrap_or_default();
        let owed = probe
            .view(
                bold.chain,
                bold.rollup,
                &Rollup::withdrawableFundsCall::new((*addr,)),
            )
            .unwrap_or_default();
        let gone = bold.p.initial_tokens.saturating_sub(bal + owed);
        lost[(*side == Side::Adversary) as usize] += gone;
    }
    let adversary = |a: &Address| sides.iter().any(|(x, s)| x == a && *s == Side::Adversary);
    let mini: U256 = g
        .edges
        .values()
        .filter(|e| e.layer_zero() && !e.edge.refunded && adversary(&e.edge.staker))
        .map(|e| {
            bold.p
                .stake_amounts
                .get(e.edge.level as usize)
                .copied()
                .unwrap_or_default()
        })
        .sum();
    let as_int = |v: U256| Value::Int(v.saturating_to::<u128>().min(i128::MAX as u128) as i128);
    let book = bold.book.borrow();
    let mut out = vec![
        ("bold.honest_stake_lost".into(), as_int(lost[0])),
        (
            "bold.adversary_stake_lost.bonds".into(),
            as_int(lost[1].saturating_sub(mini)),
        ),
        ("bold.adversary_stake_lost.mini_stakes".into(), as_int(mini)),
        ("bold.honest_capital_lock".into(), as_int(book.capital_lock)),
    ];
    drop(book);
    let adv_gas = probe
        .metric("bold.adversary_gas_wei")
        .and_then(|v| match v {
            Value::Int(i) => Some(i as f64),
            _ => None,
        })
        .unwrap_or(0.0);
    let honest_gas = probe
        .metric("bold.honest_gas_wei")
        .and_then(|v| match v {
            Value::Int(i) => Some(i as f64),
            _ => None,
        })
        .unwrap_or(0.0);
    if honest_gas > 0.0 {
        let adv = adv_gas + lost[1].saturating_to::<u128>() as f64;
        out.push(("bold.resource_ratio".into(), Value::Real(adv / honest_gas)));
    }
    out
}

/// `invariant_violations` (spec §9): how many checks failed, and each failure as
/// `bold.invariant_violations.<invariant>.<block>` (the first 20; the count has them all).
fn record(bold: &Bold) -> Vec<(String, Value)> {
    let book = bold.book.borrow();
    let mut out = vec![(
        "bold.invariant_violations".to_string(),
        Value::Int(book.violations.len() as i128),
    )];
    for (name, block) in book.violations.iter().take(20) {
        let id = name.strip_prefix("bold.").unwrap_or(name);
        out.push((
            format!("bold.invariant_violations.{id}.{block}"),
            Value::Int(1),
        ));
    }
    out
}
