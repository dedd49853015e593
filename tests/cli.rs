//! The `crucible` binary as a user runs it: exit codes and what it prints.

use std::path::Path;
use std::process::Command;

fn crucible() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crucible"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn run_quickstart_then_replay_and_inspect() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("qs");
    let o = crucible()
        .args(["run", "scenarios/quickstart.yaml", "--out"])
        .arg(&out)
        .arg("--check-determinism")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("yes: all"), "{stdout}");
    assert!(stdout.contains("determinism: ok"), "{stdout}");
    let trace = out.join("trace.bin");

    let o = crucible().arg("replay").arg(&trace).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("replay: match"), "{text}");

    let o = crucible()
        .args(["trace", "show", "--limit", "50"])
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&o.stdout);
    assert_eq!(shown.lines().count(), 50);
    assert!(shown.contains("block"), "{shown}");

    let o = crucible()
        .args(["trace", "show"])
        .arg(&trace)
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&o.stdout);
    assert!(
        all.contains("Transfer(from="),
        "logs are decoded with the header ABIs"
    );

    let jsonl = tmp.path().join("t.jsonl");
    let o = crucible()
        .args(["trace", "export", "--jsonl"])
        .arg(&trace)
        .arg("-o")
        .arg(&jsonl)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&jsonl).unwrap();
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every line is JSON");
    }
    assert!(text.lines().next().unwrap().starts_with("{\"header\""));

    let o = crucible()
        .args(["trace", "summary"])
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("digest:"));

    let o = crucible()
        .args(["trace", "diff"])
        .arg(&trace)
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("identical"));

    // A corrupted copy: a clear error naming the frame, exit code 2, no panic.
    let mut bytes = std::fs::read(&trace).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let bad = tmp.path().join("bad.bin");
    std::fs::write(&bad, bytes).unwrap();
    for args in [
        vec!["replay"],
        vec!["trace", "show"],
        vec!["trace", "summary"],
    ] {
        let o = crucible().args(&args).arg(&bad).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("frame"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = crucible()
        .args(["trace", "diff"])
        .arg(&trace)
        .arg(&bad)
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
}

#[test]
fn validate_reports_location_and_exit_code_two() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad.yaml");
    std::fs::write(
        &f,
        "name: x\nquestion: y\nduratoin: 1d\nchains:\n  l1: { block_time: 12s }\n",
    )
    .unwrap();
    let o = crucible().arg("validate").arg(&f).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(":3:1"), "{err}");
    assert!(err.contains("duration"), "{err}");
    assert!(!err.contains("panicked"));

    let o = crucible()
        .args(["validate", "scenarios/quickstart.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));

    let o = crucible()
        .args(["run", "does/not/exist.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = crucible().args(["run"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(Path::new(env!("CARGO_BIN_EXE_crucible")).exists());
}

#[test]
fn a_failed_expectation_exits_one_with_a_repro_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("calm.yaml");
    // No faults: nothing is ever slow, so the `sometimes` property is never reached.
    std::fs::write(
        &f,
        "name: calm\nquestion: is anything slow without faults?\nseed: 3\nduration: 2h\n\
         chains:\n  l1: { block_time: 12s }\nprotocols:\n  token: { chain: l1 }\n\
         actors:\n  - { kind: token.payer, count: 2 }\n",
    )
    .unwrap();
    let o = crucible()
        .arg("run")
        .arg(&f)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .args(["--seed", "9"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED invariant token.slow_inclusion_seen holds (never reached"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("repro:    crucible run {} --seed 9", f.display())),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(tmp.path().join("o/summary.yaml")).unwrap();
    assert!(summary.contains("outcome: fail"));
    assert!(summary.contains("seed: 9"));
}

/// A reader that stops early (`crucible … | head`) ends the command quietly with the
/// closed-pipe exit code (what a shell reports for a tool stopped by SIGPIPE): no panic, no
/// message, and a run's files are all written.
#[test]
fn closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("qs");
    // The reader is gone before the run prints its summary (`println!`).
    let mut child = crucible()
        .args(["run", "scenarios/quickstart.yaml", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr, got: {stderr}");
    for file in ["trace.bin", "summary.yaml", "metrics.csv"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    // About a megabyte of records each: far more than a pipe holds, so the writer meets the
    // closed end after the first bytes were read.
    for command in [&["trace", "show"][..], &["trace", "export"]] {
        let mut child = crucible()
            .args(command)
            .arg(out.join("trace.bin"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(141), "{command:?}: {stderr}");
        assert!(
            stderr.is_empty(),
            "{command:?}: nothing on stderr, got: {stderr}"
        );
    }
}
