//! The trace API as the rest of the engine and the CLI use it: files on disk, streaming reads,
//! JSONL export and diff of two files.

use alloy_primitives::B256;
use crucible::trace::{
    export_jsonl, first_divergence, read_trace, ChainInfo, Header, Record, TraceError, TraceReader,
    TraceWriter, FORMAT_VERSION,
};

fn header() -> Header {
    Header {
        format_version: FORMAT_VERSION,
        engine_version: crucible::ENGINE_VERSION.into(),
        revm_version: "43.0.3".into(),
        scenario: "name: t\n".into(),
        scenario_path: "t.yaml".into(),
        seed: u64::MAX,
        stop_on_violation: true,
        chains: vec![ChainInfo {
            name: "l1".into(),
            chain_id: 1,
            hardfork: "prague".into(),
        }],
        actors: vec![],
        contracts: vec![],
    }
}

fn blocks(n: u64, odd_at: Option<u64>) -> Vec<Record> {
    (0..n)
        .map(|i| Record::Block {
            t: i * 12_000,
            chain: 0,
            number: i,
            hash: B256::with_last_byte(i as u8),
            base_fee: 1_000_000_000 + u128::from(odd_at == Some(i)),
            gas_used: 0,
            txs: 0,
        })
        .collect()
}

fn write(path: &std::path::Path, records: &[Record]) {
    let mut w = TraceWriter::create(path, &header()).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    let footer = w.finish().unwrap();
    assert_eq!(footer.records, records.len() as u64);
}

#[test]
fn files_stream_export_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.trace"), dir.path().join("b.trace"));
    write(&a, &blocks(500, None));
    write(&b, &blocks(500, Some(321)));

    let (h, records, footer) = read_trace(&a).unwrap();
    assert_eq!(h, header());
    assert_eq!(records, blocks(500, None));
    assert_eq!(footer.records, 500);

    let mut jsonl = Vec::new();
    export_jsonl(TraceReader::open_path(&a).unwrap(), &mut jsonl).unwrap();
    assert_eq!(String::from_utf8(jsonl).unwrap().lines().count(), 502);

    let d = first_divergence(
        TraceReader::open_path(&a).unwrap(),
        TraceReader::open_path(&b).unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(d.index, 321);
    assert_eq!(d.context.len(), 3);
    assert!(d.to_string().contains("differs in: base_fee"));

    // Cut the file short: the reader says which frame is incomplete.
    let bytes = std::fs::read(&a).unwrap();
    std::fs::write(&b, &bytes[..bytes.len() - 50]).unwrap();
    let err = read_trace(&b).unwrap_err();
    assert!(matches!(err, TraceError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("frame 500 (record 499)"), "{err}");
}

fn submitted(input: Vec<u8>) -> Record {
    Record::TxSubmitted {
        t: 12_500,
        chain: 0,
        actor: 0,
        tx: B256::with_last_byte(0x21),
        nonce: 7,
        to: Some(alloy_primitives::Address::with_last_byte(0xc0)),
        call: "EdgeChallengeManager.multiUpdateTimeCacheByChildren".into(),
        input: input.into(),
    }
}

/// Format version 3: a submitted transaction carries its calldata, which survives the file
/// and is exported as `0x` hex.
#[test]
fn calldata_round_trips_and_exports_as_hex() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.trace");
    let records = vec![
        submitted(vec![0x3a, 0x9c, 0x00, 0xff, 0x01]),
        submitted(Vec::new()),
        submitted((0..=255u8).cycle().take(70_000).collect()),
    ];
    write(&path, &records);
    let (_, read, _) = read_trace(&path).unwrap();
    assert_eq!(read, records);

    let mut jsonl = Vec::new();
    export_jsonl(TraceReader::open_path(&path).unwrap(), &mut jsonl).unwrap();
    let text = String::from_utf8(jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains(r#""input":"0x3a9c00ff01""#),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(r#""input":"0x""#), "{}", lines[2]);
}

/// A trace written by an older format (version 2 had no calldata) is refused with an error
/// that names both versions, before any record is decoded.
#[test]
fn old_format_version_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.trace");
    write(&path, &[submitted(vec![1, 2, 3])]);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = crucible::trace::MAGIC.len();
    bytes[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = read_trace(&path).unwrap_err();
    assert!(
        matches!(
            err,
            TraceError::UnsupportedVersion {
                found: 2,
                supported: FORMAT_VERSION
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("version 2"), "{msg}");
    assert!(msg.contains(&format!("version {FORMAT_VERSION}")), "{msg}");
    assert_eq!(FORMAT_VERSION, 3);
}
