//! Tests of the trace format, reader, writer, JSONL export and diff.

use super::*;
use alloy_primitives::{Address, B256};
use proptest::prelude::*;

fn b256(n: u8) -> B256 {
    B256::from([n; 32])
}

fn address(n: u8) -> Address {
    Address::from([n; 20])
}

fn header() -> Header {
    Header {
        format_version: FORMAT_VERSION,
        engine_version: "0.1.0".into(),
        revm_version: "43.0.3".into(),
        scenario: "name: demo\nseed: 7\n".into(),
        scenario_path: "scenarios/demo.yaml".into(),
        seed: 7,
        stop_on_violation: true,
        chains: vec![ChainInfo {
            name: "l1".into(),
            chain_id: 1,
            hardfork: "prague".into(),
        }],
        actors: vec![
            ActorInfo {
                name: "alice".into(),
                kind: "trader".into(),
                address: address(0xa1),
            },
            ActorInfo {
                name: "bob".into(),
                kind: "keeper".into(),
                address: address(0xb0),
            },
        ],
        contracts: vec![ContractInfo {
            chain: 0,
            name: "token.Token".into(),
            address: address(0xc0),
            code_hash: b256(0xcc),
            abi: "[]".into(),
        }],
    }
}

/// One record of every variant.
fn all_records() -> Vec<Record> {
    vec![
        Record::Block {
            t: 12_000,
            chain: 0,
            number: 1,
            hash: b256(0x12),
            base_fee: 20_000_000_000,
            gas_used: 21_000,
            txs: 1,
        },
        Record::TxSubmitted {
            t: 12_500,
            chain: 0,
            actor: 0,
            tx: b256(0x21),
            nonce: 0,
            to: Some(address(0xc0)),
            call: "transfer".into(),
            input: alloy_primitives::Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 0, 1]),
        },
        Record::TxIncluded {
            t: 24_000,
            chain: 0,
            block: 2,
            tx: b256(0x21),
            gas_used: 51_000,
            effective_gas_price: u128::MAX,
            outcome: Outcome::Reverted {
                reason: "insufficient balance".into(),
            },
        },
        Record::TxDropped {
            t: 24_001,
            chain: 0,
            tx: b256(0x22),
            reason: "nonce too low".into(),
        },
        Record::Log {
            t: 24_000,
            chain: 0,
            block: 2,
            tx: b256(0x21),
            address: address(0xc0),
            topics: vec![b256(0x31), b256(0x32)],
            data: alloy_primitives::Bytes::from(vec![1u8, 2, 3]),
        },
        Record::MsgSent {
            t: 25_000,
            id: 1,
            from: 0,
            to: 1,
            topic: "quote".into(),
            bytes: 64,
            body: b256(0x33),
        },
        Record::MsgDelivered {
            t: 25_100,
            id: 1,
            to: 1,
        },
        Record::MsgDropped {
            t: 25_200,
            id: 2,
            reason: "partition".into(),
        },
        Record::Timer {
            t: 30_000,
            actor: 1,
            tag: 9,
        },
        Record::Fault {
            t: 31_000,
            kind: "partition".into(),
            target: "alice|bob".into(),
            start: true,
        },
        Record::Check {
            t: 32_000,
            name: "solvency".into(),
            kind: CheckKind::Always,
            ok: false,
            detail: "deficit 3".into(),
        },
        Record::Note {
            t: 33_000,
            actor: 0,
            text: "hello".into(),
        },
        Record::Metric {
            t: 34_000,
            name: "tvl".into(),
            value: Value::Int(-170_141_183_460_469_231_731_687_303_715_884_105_728),
        },
        Record::Metric {
            t: 34_000,
            name: "apr".into(),
            value: Value::Real(0.125),
        },
    ]
}

fn write_trace(header: &Header, records: &[Record]) -> (Vec<u8>, Footer) {
    let mut bytes = Vec::new();
    let mut w = TraceWriter::new(&mut bytes, header).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    let footer = w.finish().unwrap();
    (bytes, footer)
}

fn read_all(bytes: &[u8]) -> Result<(Header, Vec<Record>, Footer), TraceError> {
    let mut reader = TraceReader::open(bytes)?;
    let mut records = Vec::new();
    while let Some(r) = reader.next_record()? {
        records.push(r);
    }
    let footer = reader.footer().cloned().expect("footer after None");
    Ok((reader.header().clone(), records, footer))
}

/// Start offset of every frame: (offset, end).
fn frame_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut at = PRELUDE_LEN as usize;
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let end = at + FRAME_HEAD_LEN as usize + len;
        spans.push((at, end));
        at = end;
    }
    assert_eq!(at, bytes.len());
    spans
}

fn frame_bytes(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_le_bytes().to_vec();
    out.extend(crc32fast::hash(payload).to_le_bytes());
    out.extend(payload);
    out
}

fn prelude() -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend(FORMAT_VERSION.to_le_bytes());
    out
}

fn header_frame() -> Vec<u8> {
    frame_bytes(&postcard::to_stdvec(&Frame::Header(header())).unwrap())
}

#[test]
fn round_trip_every_variant() {
    let records = all_records();
    let (bytes, footer) = write_trace(&header(), &records);
    assert_eq!(&bytes[..15], MAGIC);
    let (h, read, f) = read_all(&bytes).unwrap();
    assert_eq!(h, header());
    assert_eq!(read, records);
    assert_eq!(f, footer);
    assert_eq!(footer.records, records.len() as u64);

    // Recompute the digest independently from the frame definition.
    let mut hashed = Vec::new();
    for r in &records {
        let payload = postcard::to_stdvec(&Frame::Record(r.clone())).unwrap();
        assert_eq!(payload, encode_record(r));
        hashed.extend((payload.len() as u32).to_le_bytes());
        hashed.extend(&payload);
    }
    assert_eq!(footer.digest.0, *blake3::hash(&hashed).as_bytes());
}

#[test]
fn empty_trace_round_trips() {
    let (bytes, footer) = write_trace(&header(), &[]);
    let (_, records, f) = read_all(&bytes).unwrap();
    assert!(records.is_empty());
    assert_eq!(f, footer);
    // BLAKE3 of the empty input (its specification's first test vector).
    assert_eq!(
        footer.digest,
        alloy_primitives::b256!("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")
    );
}

#[test]
fn output_is_byte_identical_and_write_encoded_matches_write() {
    let (a, fa) = write_trace(&header(), &all_records());
    let (b, fb) = write_trace(&header(), &all_records());
    assert_eq!(a, b);
    assert_eq!(fa, fb);

    let mut c = Vec::new();
    let mut w = TraceWriter::new(&mut c, &header()).unwrap();
    let mut digest = RollingDigest::new();
    for r in all_records() {
        let payload = encode_record(&r);
        digest.update(&payload);
        w.write_encoded(&payload).unwrap();
    }
    assert_eq!(w.count(), digest.count());
    assert_eq!(w.digest(), digest.current());
    let fc = w.finish().unwrap();
    assert_eq!(a, c);
    assert_eq!(fc.digest, digest.current());
}

#[test]
fn digest_is_about_records_not_header() {
    let mut other = header();
    other.scenario_path = "elsewhere.yaml".into();
    let (_, fa) = write_trace(&header(), &all_records());
    let (_, fb) = write_trace(&other, &all_records());
    assert_eq!(fa.digest, fb.digest);
    let mut fewer = all_records();
    fewer.pop();
    let (_, fc) = write_trace(&header(), &fewer);
    assert_ne!(fa.digest, fc.digest);
}

#[test]
fn rolling_digest_current_does_not_consume() {
    let mut d = RollingDigest::new();
    d.update(b"\x01abc");
    let first = d.current();
    assert_eq!(first, d.current());
    d.update(b"\x01def");
    assert_ne!(first, d.current());
    assert_eq!(d.count(), 2);
}

#[test]
fn every_byte_flip_is_detected_and_names_its_frame() {
    let records = all_records()[..4].to_vec();
    let (bytes, _) = write_trace(&header(), &records);
    let spans = frame_spans(&bytes);
    for pos in 0..bytes.len() {
        for mask in [0xffu8, 0x01, 0x80] {
            let mut bad = bytes.clone();
            bad[pos] ^= mask;
            let err = match read_all(&bad) {
                Err(e) => e,
                Ok(_) => panic!("flip at byte {pos} (mask {mask:#x}) went unnoticed"),
            };
            if pos < MAGIC.len() {
                assert!(matches!(err, TraceError::BadMagic), "{pos}: {err}");
            } else if pos < PRELUDE_LEN as usize {
                assert!(
                    matches!(err, TraceError::UnsupportedVersion { .. }),
                    "{pos}: {err}"
                );
            } else {
                let k = spans
                    .iter()
                    .position(|&(s, e)| s <= pos && pos < e)
                    .unwrap();
                assert_eq!(err.frame(), Some(k as u64), "flip at {pos}: {err}");
                let offset = match err {
                    TraceError::Checksum { offset, .. }
                    | TraceError::Truncated { offset, .. }
                    | TraceError::FrameTooLarge { offset, .. } => offset,
                    other => panic!("flip at {pos}: unexpected error {other}"),
                };
                assert_eq!(offset, spans[k].0 as u64);
            }
        }
    }
}

#[test]
fn every_truncation_is_reported_with_its_frame() {
    let (bytes, _) = write_trace(&header(), &all_records()[..3]);
    let spans = frame_spans(&bytes);
    for len in 0..bytes.len() {
        let err = read_all(&bytes[..len]).expect_err("truncated trace accepted");
        match err {
            TraceError::Truncated { frame, offset } => {
                if len < PRELUDE_LEN as usize {
                    assert_eq!((frame, offset), (0, 0));
                } else {
                    let k = spans
                        .iter()
                        .position(|&(s, e)| s <= len && len < e)
                        .unwrap_or(0);
                    assert_eq!(frame, k as u64, "cut at {len}");
                    assert_eq!(offset, spans[k].0 as u64);
                }
            }
            TraceError::MissingFooter { frame, offset } => {
                let k = spans.iter().position(|&(s, _)| s == len).unwrap();
                assert!(k >= 1, "cut at {len}");
                assert_eq!((frame, offset), (k as u64, len as u64));
            }
            other => panic!("cut at {len}: unexpected error {other}"),
        }
    }
}

#[test]
fn huge_length_is_rejected_before_reading() {
    let mut bytes = prelude();
    bytes.extend(u32::MAX.to_le_bytes());
    bytes.extend(0u32.to_le_bytes());
    let err = TraceReader::open(&bytes[..]).err().unwrap();
    assert!(
        matches!(
            err,
            TraceError::FrameTooLarge {
                frame: 0,
                offset: 19,
                len: 0xffff_ffff
            }
        ),
        "{err}"
    );

    // Just over the limit, in a record position.
    let mut bytes = prelude();
    bytes.extend(header_frame());
    let offset = bytes.len() as u64;
    bytes.extend((MAX_FRAME_LEN + 1).to_le_bytes());
    bytes.extend([0u8; 4]);
    let mut reader = TraceReader::open(&bytes[..]).unwrap();
    let err = reader.next_record().unwrap_err();
    assert!(
        matches!(err, TraceError::FrameTooLarge { frame: 1, offset: o, .. } if o == offset),
        "{err}"
    );

    // At the limit but with no data behind it: truncated, not an allocation of 64 MiB.
    let mut bytes = prelude();
    bytes.extend(MAX_FRAME_LEN.to_le_bytes());
    bytes.extend([0u8; 4]);
    bytes.extend([1, 2, 3]);
    let err = TraceReader::open(&bytes[..]).err().unwrap();
    assert!(
        matches!(err, TraceError::Truncated { frame: 0, .. }),
        "{err}"
    );
}

#[test]
fn structural_errors() {
    let record = encode_record(&all_records()[0]);

    // A record where the header belongs.
    let mut bytes = prelude();
    bytes.extend(frame_bytes(&record));
    let err = TraceReader::open(&bytes[..]).err().unwrap();
    assert!(
        matches!(
            err,
            TraceError::UnexpectedFrame {
                frame: 0,
                expected: "header",
                found: "record",
                ..
            }
        ),
        "{err}"
    );

    // A second header among the records.
    let mut bytes = prelude();
    bytes.extend(header_frame());
    bytes.extend(frame_bytes(&record));
    bytes.extend(header_frame());
    let mut reader = TraceReader::open(&bytes[..]).unwrap();
    assert!(reader.next_record().unwrap().is_some());
    let err = reader.next_record().unwrap_err();
    assert!(
        matches!(err, TraceError::UnexpectedFrame { frame: 2, .. }),
        "{err}"
    );

    // Missing footer: the writer was dropped without finish.
    let mut bytes = Vec::new();
    {
        let mut w = TraceWriter::new(&mut bytes, &header()).unwrap();
        w.write(&all_records()[0]).unwrap();
    }
    let err = read_all(&bytes).unwrap_err();
    assert!(
        matches!(err, TraceError::MissingFooter { frame: 2, .. }),
        "{err}"
    );

    // Data after the footer.
    let (mut bytes, _) = write_trace(&header(), &all_records());
    let end = bytes.len() as u64;
    bytes.push(0);
    let err = read_all(&bytes).unwrap_err();
    assert!(
        matches!(err, TraceError::TrailingData { offset } if offset == end),
        "{err}"
    );

    // A valid frame whose payload is not a frame.
    let mut bytes = prelude();
    bytes.extend(frame_bytes(&[7, 7, 7]));
    let err = TraceReader::open(&bytes[..]).err().unwrap();
    assert!(matches!(err, TraceError::Decode { frame: 0, .. }), "{err}");

    // A valid frame followed by extra bytes inside the same payload.
    let mut payload = record.clone();
    payload.push(0);
    let mut bytes = prelude();
    bytes.extend(header_frame());
    bytes.extend(frame_bytes(&payload));
    let mut reader = TraceReader::open(&bytes[..]).unwrap();
    let err = reader.next_record().unwrap_err();
    assert!(matches!(err, TraceError::Decode { frame: 1, .. }), "{err}");

    // An empty frame.
    let mut bytes = prelude();
    bytes.extend(frame_bytes(&[]));
    let err = TraceReader::open(&bytes[..]).err().unwrap();
    assert!(matches!(err, TraceError::Decode { frame: 0, .. }), "{err}");
}

fn trace_with_footer(records: &[Record], footer: &Footer) -> Vec<u8> {
    let mut bytes = prelude();
    bytes.extend(header_frame());
    for r in records {
        bytes.extend(frame_bytes(&encode_record(r)));
    }
    bytes.extend(frame_bytes(
        &postcard::to_stdvec(&Frame::Footer(footer.clone())).unwrap(),
    ));
    bytes
}

#[test]
fn footer_is_checked_against_records() {
    let records = all_records();
    let (_, footer) = write_trace(&header(), &records);

    let wrong_count = Footer {
        records: footer.records + 1,
        ..footer.clone()
    };
    let err = read_all(&trace_with_footer(&records, &wrong_count)).unwrap_err();
    assert!(
        matches!(err, TraceError::CountMismatch { expected, found } if expected == 15 && found == 14),
        "{err}"
    );

    // Reordered records: every frame is intact, but the digest says otherwise.
    let mut swapped = records.clone();
    swapped.swap(0, 1);
    let err = read_all(&trace_with_footer(&swapped, &footer)).unwrap_err();
    assert!(
        matches!(err, TraceError::DigestMismatch { expected, .. } if expected == footer.digest),
        "{err}"
    );

    // A dropped record with a matching count still fails on the digest.
    let mut dropped = records.clone();
    dropped.pop();
    let fewer = Footer {
        records: dropped.len() as u64,
        ..footer.clone()
    };
    let err = read_all(&trace_with_footer(&dropped, &fewer)).unwrap_err();
    assert!(matches!(err, TraceError::DigestMismatch { .. }), "{err}");
}

#[test]
fn errors_are_sticky_and_the_iterator_stops() {
    let (mut bytes, _) = write_trace(&header(), &all_records());
    let spans = frame_spans(&bytes);
    bytes[spans[3].0 + 9] ^= 1;
    let mut reader = TraceReader::open(&bytes[..]).unwrap();
    assert!(reader.next_record().unwrap().is_some());
    assert!(reader.next_record().unwrap().is_some());
    let first = reader.next_record().unwrap_err().to_string();
    assert_eq!(reader.next_record().unwrap_err().to_string(), first);

    let items: Vec<_> = TraceReader::open(&bytes[..]).unwrap().collect();
    assert_eq!(items.len(), 3);
    assert!(items[2].is_err());
    assert!(reader.footer().is_none());
}

#[test]
fn error_messages_name_frame_record_and_offset() {
    let e = TraceError::Checksum {
        frame: 17,
        offset: 2841,
    };
    assert_eq!(
        e.to_string(),
        "trace is corrupt: checksum mismatch in frame 17 (record 16) at byte 2841"
    );
    let e = TraceError::Truncated {
        frame: 0,
        offset: 19,
    };
    assert_eq!(
        e.to_string(),
        "trace is truncated: frame 0 (header) starting at byte 19 is incomplete"
    );
    let e = TraceError::FrameTooLarge {
        frame: 3,
        offset: 100,
        len: u32::MAX as u64,
    };
    assert!(e.to_string().contains("frame 3 (record 2) at byte 100"));
}

#[test]
fn bad_magic_and_version() {
    assert!(matches!(
        TraceReader::open(&b"hello world, this is not a trace"[..]).err(),
        Some(TraceError::BadMagic)
    ));
    let mut bytes = MAGIC.to_vec();
    bytes.extend(99u32.to_le_bytes());
    bytes.extend(header_frame());
    assert!(matches!(
        TraceReader::open(&bytes[..]).err(),
        Some(TraceError::UnsupportedVersion {
            found: 99,
            supported: FORMAT_VERSION
        })
    ));
}

#[test]
fn writer_rejects_non_record_payloads() {
    let mut bytes = Vec::new();
    let mut w = TraceWriter::new(&mut bytes, &header()).unwrap();
    let footer = postcard::to_stdvec(&Frame::Footer(Footer {
        records: 0,
        digest: B256::ZERO,
    }))
    .unwrap();
    assert!(w.write_encoded(&footer).is_err());
    assert!(w.write_encoded(&[]).is_err());
    assert_eq!(w.count(), 0);
}

#[test]
fn files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    let mut w = TraceWriter::create(&path, &header()).unwrap();
    for r in all_records() {
        w.write(&r).unwrap();
    }
    let footer = w.finish().unwrap();
    let (h, records, f) = read_trace(&path).unwrap();
    assert_eq!((h, records, f), (header(), all_records(), footer));
    assert!(matches!(
        read_trace(dir.path().join("missing")),
        Err(TraceError::Io(_))
    ));
}

#[test]
fn jsonl_has_header_records_and_footer() {
    let records = all_records();
    let (_, footer) = write_trace(&header(), &records);
    let mut out = Vec::new();
    write_jsonl(&header(), &records, &footer, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), records.len() + 2);
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed[0]["header"]["seed"], 7);
    assert_eq!(
        parsed[0]["header"]["actors"][0]["address"],
        format!("0x{}", "a1".repeat(20))
    );
    let last = parsed.last().unwrap();
    assert_eq!(last["footer"]["records"], records.len() as u64);
    assert_eq!(last["footer"]["digest"], footer.digest.to_string());
    for (i, (line, record)) in parsed[1..=records.len()].iter().zip(&records).enumerate() {
        assert_eq!(line["i"], i as u64);
        assert_eq!(line["t"], record.time());
        assert!(lines[i + 1].starts_with(&format!("{{\"i\":{i},\"t\":")));
        let mut without_i = line.clone();
        without_i.as_object_mut().unwrap().remove("i");
        assert_eq!(without_i, record_to_json(record));
    }
    let block = &parsed[1];
    assert_eq!(block["type"], "Block");
    assert_eq!(block["hash"], format!("0x{}", "12".repeat(32)));
    assert_eq!(block["base_fee"], "20000000000");
    assert_eq!(parsed[2]["input"], "0xa9059cbb0001");
    assert_eq!(parsed[3]["effective_gas_price"], u128::MAX.to_string());
    assert_eq!(parsed[3]["outcome"], "reverted");
    assert_eq!(parsed[3]["reason"], "insufficient balance");
    assert_eq!(parsed[13]["value"], i128::MIN.to_string());
    assert_eq!(parsed[14]["value"], 0.125);

    // Streaming export from a reader gives the same text.
    let (bytes, _) = write_trace(&header(), &records);
    let mut streamed = Vec::new();
    export_jsonl(TraceReader::open(&bytes[..]).unwrap(), &mut streamed).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), text);
}

#[test]
fn records_render_on_one_line() {
    let h = header();
    let lines: Vec<String> = all_records().iter().map(|r| render_record(r, &h)).collect();
    assert_eq!(
        lines[0],
        "t+12s  l1#1  block 0x1212…1212 base_fee=20000000000 gas=21000 txs=1"
    );
    assert_eq!(
        lines[1],
        "t+12s500ms  l1  alice submits 0x2121…2121 nonce=0 to=token.Token call=transfer \
         input=0xa9059cbb0001"
    );
    // The header's ABI is empty: the log renders raw.
    assert!(
        lines[4].contains("log token.Token.topics=[0x3131"),
        "{}",
        lines[4]
    );
    assert!(lines[4].contains("data=0x010203"), "{}", lines[4]);
    assert!(lines[5].contains("alice -> bob"));
    assert!(lines[10].contains("always solvency VIOLATED: deficit 3"));
    for line in &lines {
        assert!(!line.contains('\n'));
    }
    // Unknown indices fall back to numbers.
    let orphan = Record::Note {
        t: 0,
        actor: 9,
        text: "x".into(),
    };
    assert_eq!(render_record(&orphan, &h), "t+0s  actor9  note: x");
}

fn ok(records: &[Record]) -> Vec<Result<Record, TraceError>> {
    records.iter().cloned().map(Ok).collect()
}

#[test]
fn diff_finds_first_divergence_with_context() {
    let a = all_records();
    assert_eq!(first_divergence(ok(&a), ok(&a)).unwrap(), None);

    let mut b = a.clone();
    if let Record::MsgSent { bytes, .. } = &mut b[5] {
        *bytes += 1;
    }
    let d = first_divergence(ok(&a), ok(&b)).unwrap().unwrap();
    assert_eq!(d.index, 5);
    assert_eq!(d.context, a[2..5].to_vec());
    assert_eq!(d.left.as_ref(), Some(&a[5]));
    assert_eq!(d.right.as_ref(), Some(&b[5]));
    let text = d.render(Some(&header()), "recorded", "replayed");
    assert!(
        text.contains("diverge at record 5 (differs in: bytes)"),
        "{text}"
    );
    assert!(text.contains("recorded  #5"), "{text}");
    assert!(text.contains("replayed  #5"), "{text}");
    assert!(text.contains("#2"), "{text}");

    // Divergence at the start has no context.
    let mut c = a.clone();
    c[0] = a[1].clone();
    let d = first_divergence(ok(&a), ok(&c)).unwrap().unwrap();
    assert_eq!((d.index, d.context.len()), (0, 0));
    assert!(d.to_string().contains("differs in: type"));
}

#[test]
fn diff_names_the_trace_that_ends_early() {
    let a = all_records();
    let d = first_divergence(ok(&a[..4]), ok(&a)).unwrap().unwrap();
    assert_eq!(d.index, 4);
    assert_eq!(d.left, None);
    assert_eq!(d.right.as_ref(), Some(&a[4]));
    assert_eq!(d.context, a[1..4].to_vec());
    let text = d.to_string();
    assert!(
        text.contains("the left trace ends after 4 records"),
        "{text}"
    );
    assert!(text.contains("(end of trace)"), "{text}");

    let d = first_divergence(ok(&a), ok(&a[..2])).unwrap().unwrap();
    assert_eq!((d.index, d.right.clone()), (2, None));
    assert!(d
        .to_string()
        .contains("the right trace ends after 2 records"));

    let d = first_divergence(ok(&[]), ok(&a[..1])).unwrap().unwrap();
    assert_eq!((d.index, d.context.len()), (0, 0));
}

#[test]
fn diff_compares_canonical_bytes_and_propagates_errors() {
    let zero = |v: f64| Record::Metric {
        t: 0,
        name: "x".into(),
        value: Value::Real(v),
    };
    // Equal as numbers but not as bytes (so not in the digest either).
    assert!(first_divergence(ok(&[zero(0.0)]), ok(&[zero(-0.0)]))
        .unwrap()
        .is_some());
    // NaN is unequal to itself, but the bytes are the same.
    assert!(
        first_divergence(ok(&[zero(f64::NAN)]), ok(&[zero(f64::NAN)]))
            .unwrap()
            .is_none()
    );

    let (mut bytes, _) = write_trace(&header(), &all_records());
    let spans = frame_spans(&bytes);
    bytes[spans[2].0 + 8] ^= 1;
    let err =
        first_divergence(TraceReader::open(&bytes[..]).unwrap(), ok(&all_records())).unwrap_err();
    assert!(
        matches!(err, TraceError::Checksum { frame: 2, .. }),
        "{err}"
    );
}

/// Reads everything, returning the records on success.
fn read_any(bytes: &[u8]) -> Result<Vec<Record>, TraceError> {
    read_all(bytes).map(|(_, r, _)| r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_any(&bytes);
        let mut framed = prelude();
        framed.extend(&bytes);
        let _ = read_any(&framed);
        let mut with_header = prelude();
        with_header.extend(header_frame());
        with_header.extend(&bytes);
        let _ = read_any(&with_header);
    }

    #[test]
    fn random_frames_with_valid_checksums_never_panic(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..6)
    ) {
        let mut bytes = prelude();
        bytes.extend(header_frame());
        for p in &payloads {
            bytes.extend(frame_bytes(p));
        }
        let _ = read_any(&bytes);
    }

    #[test]
    fn mutations_of_a_valid_trace_are_errors_or_no_ops(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let records = all_records();
        let (bytes, _) = write_trace(&header(), &records);
        let mut bad = bytes.clone();
        for (i, v) in &edits {
            let i = i.index(bad.len());
            bad[i] = *v;
        }
        if truncate {
            bad.truncate(cut.index(bad.len()));
        }
        match read_any(&bad) {
            Ok(read) => {
                prop_assert_eq!(&bad, &bytes);
                prop_assert_eq!(read, records);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// The borrowed hot-path records encode to the bytes of the owned records they stand for.
#[test]
fn borrowed_records_encode_like_owned_ones() {
    let topics = vec![B256::repeat_byte(7), B256::repeat_byte(9)];
    let data = alloy_primitives::Bytes::from(vec![1u8, 2, 3, 250]);
    let empty = alloy_primitives::Bytes::new();
    let refs = [
        RecordRef::TxSubmitted {
            t: 123_456,
            chain: 3,
            actor: 70_000,
            tx: B256::repeat_byte(1),
            nonce: 300,
            to: Some(Address::repeat_byte(2)),
            call: "Token.transfer",
            input: &data,
        },
        RecordRef::TxSubmitted {
            t: 0,
            chain: 0,
            actor: u32::MAX,
            tx: B256::ZERO,
            nonce: 0,
            to: None,
            call: "",
            input: &empty,
        },
        RecordRef::Log {
            t: u64::MAX,
            chain: 1,
            block: 99,
            tx: B256::repeat_byte(3),
            address: Address::repeat_byte(4),
            topics: &topics,
            data: &data,
        },
        RecordRef::Log {
            t: 5,
            chain: 0,
            block: 0,
            tx: B256::ZERO,
            address: Address::ZERO,
            topics: &[],
            data: &alloy_primitives::Bytes::new(),
        },
    ];
    let mut buf = Vec::new();
    for r in &refs {
        encode_record_ref_into(r, &mut buf);
        let owned = r.to_record();
        assert_eq!(buf, encode_record(&owned), "{owned:?}");
        assert_eq!(decode_frame(&buf).unwrap(), Frame::Record(owned));
    }
}
