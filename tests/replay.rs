//! Traces: a run's trace replays record by record, identical runs write byte-identical files,
//! and a corrupted or truncated trace is reported with the frame it broke in.

use crucible::engine::world::RunOptions;
use crucible::runner::{replay, run_to_dir, ReplayOutcome};
use crucible::scenario::load_file;
use crucible::trace::{read_trace, TraceError};
use std::path::{Path, PathBuf};

fn quickstart() -> crucible::scenario::Scenario {
    load_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml"))
        .expect("quickstart loads")
}

fn run_into(dir: &Path, seed: u64) -> PathBuf {
    let sc = quickstart();
    let (rep, _) = run_to_dir(&sc, seed, dir, RunOptions::default(), &mut |_, _| {}).expect("runs");
    assert!(dir.join("summary.yaml").exists());
    assert!(dir.join("metrics.csv").exists());
    assert!(rep.digest.starts_with("0x"));
    dir.join("trace.bin")
}

#[test]
fn replay_matches_and_files_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_into(&tmp.path().join("a"), 42);
    let b = run_into(&tmp.path().join("b"), 42);
    let bytes_a = std::fs::read(&a).unwrap();
    assert_eq!(
        bytes_a,
        std::fs::read(&b).unwrap(),
        "same scenario and seed, different bytes"
    );
    match replay(&a).expect("replays") {
        ReplayOutcome::Match { records, .. } => assert!(records > 1000, "{records}"),
        other => panic!("expected a match, got {other:?}"),
    }
    // Another seed gives another trace.
    let c = run_into(&tmp.path().join("c"), 43);
    assert_ne!(bytes_a, std::fs::read(&c).unwrap());
    let (_, _, fa) = read_trace(&a).unwrap();
    let (_, _, fc) = read_trace(&c).unwrap();
    assert_ne!(fa.digest, fc.digest);
}

#[test]
fn corruption_names_the_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let path = run_into(tmp.path(), 42);
    let good = std::fs::read(&path).unwrap();
    // Flip one byte in the middle of the file: a record frame.
    let mut bad = good.clone();
    let at = good.len() / 2;
    bad[at] ^= 0x40;
    let corrupt = tmp.path().join("corrupt.bin");
    std::fs::write(&corrupt, &bad).unwrap();
    let err = read_trace(&corrupt).expect_err("a flipped byte is detected");
    let frame = err.frame().expect("the error names a frame");
    assert!(frame > 0, "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("frame {frame}")), "{msg}");
    // Replaying a corrupt trace is an error too, never a panic.
    assert!(replay(&corrupt).is_err());

    // Truncation is reported as such.
    let cut = tmp.path().join("cut.bin");
    std::fs::write(&cut, &good[..good.len() - 10]).unwrap();
    let err = read_trace(&cut).expect_err("truncation is detected");
    assert!(
        matches!(
            err,
            TraceError::Truncated { .. } | TraceError::MissingFooter { .. }
        ),
        "{err}"
    );
}

#[test]
fn replay_reports_the_first_divergence() {
    // A trace whose embedded scenario was edited diverges from its records.
    let tmp = tempfile::tempdir().unwrap();
    let path = run_into(tmp.path(), 42);
    let (mut header, records, _) = read_trace(&path).unwrap();
    header.scenario = header.scenario.replace("every: 10m", "every: 11m");
    let edited = tmp.path().join("edited.bin");
    let mut w = crucible::trace::TraceWriter::create(&edited, &header).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    match replay(&edited).expect("replays") {
        ReplayOutcome::Diverged {
            index,
            expected,
            actual,
            ..
        } => {
            assert!(index < records.len() as u64);
            assert_ne!(expected, actual);
        }
        other => panic!("expected a divergence, got {other:?}"),
    }
}
