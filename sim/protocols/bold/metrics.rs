//! End-of-run metrics of a BOLD run, read from the final contract state.

use super::bindings::{Ecm, Rollup};
use super::Bold;
use crate::check::Probe;
use crate::trace::Value;

/// Computes the protocol's end-of-run metrics.
pub fn collect(bold: &Bold, probe: &mut Probe) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let g = super::invariants::Graph::read(bold, probe);
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
    }
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
    }
    let _ = (Ecm::edgeCountCall {}, Rollup::assertionCountCall {});
    out
}
