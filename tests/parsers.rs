//! No input may make the scenario loader or the trace reader panic: random bytes, and valid
//! inputs with a byte changed, inserted or cut. (The `cargo fuzz` targets in `fuzz/` drive the
//! same two entry points for longer; see the README.)

use crucible::scenario::load_str;
use crucible::trace::{ChainInfo, Header, Record, TraceReader, TraceWriter, FORMAT_VERSION};
use proptest::prelude::*;
use std::io::Cursor;

const QUICKSTART: &str = include_str!("../scenarios/quickstart.yaml");

/// Reads a whole trace from bytes; errors are fine, panics are not.
fn read_all(bytes: &[u8]) {
    if let Ok(mut r) = TraceReader::open(Cursor::new(bytes)) {
        for _ in 0..10_000 {
            match r.next_record() {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
}

fn valid_trace() -> Vec<u8> {
    let header = Header {
        format_version: FORMAT_VERSION,
        engine_version: crucible::ENGINE_VERSION.into(),
        revm_version: "43.0.3".into(),
        scenario: QUICKSTART.into(),
        scenario_path: "quickstart.yaml".into(),
        seed: 42,
        stop_on_violation: true,
        chains: vec![ChainInfo {
            name: "l1".into(),
            chain_id: 1,
            hardfork: "prague".into(),
        }],
        actors: vec![],
        contracts: vec![],
    };
    let mut w = TraceWriter::new(Vec::new(), &header).expect("header");
    for i in 0..20u64 {
        w.write(&Record::Block {
            t: i * 12_000,
            chain: 0,
            number: i,
            hash: alloy_primitives::B256::with_last_byte(i as u8),
            base_fee: 1_000_000_000,
            gas_used: 21_000 * i,
            txs: i as u32,
        })
        .expect("record");
    }
    w.finish_into_inner().expect("footer").1
}

/// A change to `base`: replace, insert or delete the byte at `at`, then cut at `cut`.
fn mutate(base: &[u8], op: u8, at: usize, byte: u8, cut: usize) -> Vec<u8> {
    let mut v = base.to_vec();
    let i = at % (v.len() + 1);
    match op % 3 {
        0 if i < v.len() => v[i] = byte,
        1 => v.insert(i, byte),
        _ if i < v.len() => {
            v.remove(i);
        }
        _ => {}
    }
    v.truncate(cut % (v.len() + 1) + v.len() / 2);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn scenario_loader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_str(&String::from_utf8_lossy(&bytes), "random.yaml");
    }

    #[test]
    fn scenario_loader_takes_any_edit_of_a_valid_scenario(op: u8, at: usize, byte: u8, cut: usize) {
        let text = mutate(QUICKSTART.as_bytes(), op, at, byte, cut);
        let _ = load_str(&String::from_utf8_lossy(&text), "edited.yaml");
    }

    #[test]
    fn trace_reader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_all(&bytes);
        // The same bytes behind a valid prelude reach the frame decoder.
        let mut framed = valid_trace()[..crucible::trace::PRELUDE_LEN as usize].to_vec();
        framed.extend_from_slice(&bytes);
        read_all(&framed);
    }

    #[test]
    fn trace_reader_takes_any_edit_of_a_valid_trace(op: u8, at: usize, byte: u8, cut: usize) {
        read_all(&mutate(&valid_trace(), op, at, byte, cut));
    }
}
