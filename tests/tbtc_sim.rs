//! The tBTC coordination simulation: lazy empty blocks change nothing a protocol can see, and
//! bad parameters are located errors.

use crucible::engine::world::RunOptions;
use crucible::runner::run_in_memory;
use crucible::scenario::load_str;
use crucible::trace::Record;
use std::collections::BTreeMap;
use std::path::Path;

fn redemptions(lazy: bool) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tbtc-redemptions.yaml");
    let text = std::fs::read_to_string(path).expect("scenario");
    let text = text.replace(
        "lazy_empty_blocks: true",
        if lazy {
            "lazy_empty_blocks: true"
        } else {
            "lazy_empty_blocks: false"
        },
    );
    text.replace("duration: 2d", "duration: 1d")
}

/// Same scenario and seed with and without lazy empty blocks: every block built for real in the
/// lazy run has the number and hash of the same block in the eager run (so all empty blocks
/// before it were identical too), and the protocol's metrics are the same.
#[test]
fn lazy_empty_blocks_build_the_same_chain() {
    let run = |lazy: bool| {
        let sc = load_str(&redemptions(lazy), "tbtc-redemptions.yaml").expect("loads");
        let (result, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
        let blocks: BTreeMap<u64, _> = collected
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Block {
                    number, hash, txs, ..
                } => Some((*number, (*hash, *txs))),
                _ => None,
            })
            .collect();
        (result, blocks)
    };
    let (eager, eager_blocks) = run(false);
    let (lazy, lazy_blocks) = run(true);
    assert_eq!(eager.blocks, lazy.blocks, "same number of blocks");
    assert!(lazy_blocks.len() > 10, "some blocks carried transactions");
    assert!(lazy_blocks.len() < eager_blocks.len() / 10);
    for (n, b) in &lazy_blocks {
        assert!(b.1 > 0, "only blocks with transactions are recorded");
        assert_eq!(eager_blocks.get(n), Some(b), "block {n}");
    }
    let protocol = |r: &crucible::engine::world::RunResult| {
        r.metrics
            .iter()
            .filter(|(n, _)| n.starts_with("redemption") || n.starts_with("heartbeat"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(protocol(&eager), protocol(&lazy));
}

#[test]
fn bad_tbtc_parameters_are_located_errors() {
    let base = "name: x\nquestion: y\nduration: 1d\nchains:\n  l1: { block_time: 12s }\nprotocols:\n  tbtc: { chain: l1, threshold: 101 }\nactors:\n  - { kind: tbtc.node, count: 2 }\n";
    let e = load_str(base, "bad.yaml").expect_err("threshold above seats");
    let msg = e.to_string();
    assert!(msg.contains("threshold"), "{msg}");
    assert!(msg.contains("bad.yaml:7"), "{msg}");
    let typo = base.replace("threshold: 101", "heartbeat_probabilty: 0.1");
    let e = load_str(&typo, "bad.yaml").expect_err("misspelled key");
    assert!(e.to_string().contains("heartbeat_probabilty"), "{e}");
    let kind = base.replace("tbtc.node", "tbtc.nodes");
    assert!(load_str(&kind, "bad.yaml").is_err());
}
