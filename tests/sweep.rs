//! Parameter sweeps as a user runs them: identical files for any `--jobs`, resume after a torn
//! file and after a killed process, shards in separate processes merged byte for byte, and
//! located errors (exit code 2) for bad sweep files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Two payers for half an hour: 4 points × 3 runs.
const TINY: &str = r#"name: tiny
question: Does the sweep machinery hold together?
seed: 3
runs: 3
scenario:
  name: tiny
  question: Two payers exchange transfers for half an hour.
  duration: 30m
  chains:
    l1: { block_time: 12s }
  protocols:
    token: { chain: l1, slow_inclusion: 5s }
  actors:
    - { kind: token.payer, name: alice, every: 2m }
    - { kind: token.payer, name: bob, every: 2m }
design:
  grid:
    actors.alice.every: [1m, 5m]
    actors.bob.tip_gwei: [1, 3]
metrics: [token.transfers, token.max_inclusion_delay_s.alice]
"#;

const FILES: &[&str] = &["sweep.json", "runs.csv", "points.csv"];

fn crucible() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crucible"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .env_remove("JOB_COMPLETION_INDEX");
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    t
}

fn write_sweep(dir: &Path, body: &str) -> PathBuf {
    let f = dir.join("sweep.yaml");
    std::fs::write(&f, body).unwrap();
    f
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> Output {
    crucible()
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The tiny sweep run once with one job: the reference every other way of running it must
/// reproduce byte for byte.
fn reference() -> &'static Path {
    static REF: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = REF.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let file = write_sweep(tmp.path(), TINY);
        let out = tmp.path().join("ref");
        let t = ok(sweep(&file, &out, &["--jobs", "1"]));
        assert!(t.contains("ran:      12 runs"), "{t}");
        (tmp, out)
    });
    out
}

/// Every file of two result directories, byte for byte (`sweep.json`, the CSVs, the plots).
fn assert_same_files(a: &Path, b: &Path) {
    let list = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let names = list(a);
    assert_eq!(names, list(b), "{} vs {}", a.display(), b.display());
    for f in FILES {
        assert!(names.iter().any(|n| n == f), "{f} in {}", a.display());
    }
    for f in &names {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(
            x == y,
            "{f} differs:\n{}\n---\n{}",
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y)
        );
    }
}

#[test]
fn results_are_sorted_complete_and_the_same_for_any_jobs() {
    let reference = reference();
    let runs = std::fs::read_to_string(reference.join("runs.csv")).unwrap();
    let lines: Vec<&str> = runs.lines().collect();
    assert_eq!(
        lines[0],
        "point,run,actors.alice.every,actors.bob.tip_gwei,seed,digest,violated,error,\
         token.transfers,token.max_inclusion_delay_s.alice"
    );
    assert_eq!(lines.len(), 13);
    let keys: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    let want: Vec<String> = (0..4)
        .flat_map(|p| (0..3).map(move |r| format!("{p},{r}")))
        .collect();
    assert_eq!(keys, want);
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        assert!(cells[5].starts_with("0x"), "{l}");
        assert_eq!(cells[6], "", "every invariant holds: {l}");
        assert_eq!(cells[7], "", "no run errors: {l}");
        assert!(cells[8].parse::<u64>().unwrap() > 0, "transfers land: {l}");
    }
    // One plot per metric and parameter; `sweep plot` redraws the same bytes.
    let plot = reference.join("plot--token.transfers--vs--actors.alice.every.svg");
    let drawn = std::fs::read(&plot).unwrap();
    assert!(String::from_utf8_lossy(&drawn).contains("actors.bob.tip_gwei=3"));
    let plots = std::fs::read_dir(reference).unwrap().filter(|e| {
        e.as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".svg")
    });
    assert_eq!(plots.count(), 4);
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for f in FILES {
        std::fs::copy(reference.join(f), copy.join(f)).unwrap();
    }
    let t = ok(crucible()
        .args(["sweep", "plot"])
        .arg(&copy)
        .output()
        .unwrap());
    assert!(t.contains("plots:    4 SVG files"), "{t}");
    assert_same_files(reference, &copy);
    // Faster payments mean more transfers.
    let points = std::fs::read_to_string(reference.join("points.csv")).unwrap();
    let mean = |p: usize| -> f64 {
        let row: Vec<&str> = points.lines().nth(p + 1).unwrap().split(',').collect();
        row[8].parse().unwrap()
    };
    assert!(mean(0) > mean(2), "{points}");

    let file = write_sweep(tmp.path(), TINY);
    let out = tmp.path().join("j4");
    ok(sweep(&file, &out, &["--jobs", "4"]));
    assert_same_files(reference, &out);

    // A second run into the same directory needs --resume; with it, nothing is repeated.
    let again = sweep(&file, &out, &["--jobs", "2"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("--resume"), "{}", text(&again));
    let t = ok(sweep(&file, &out, &["--jobs", "2", "--resume"]));
    assert!(
        t.contains("12 finished runs kept") && t.contains("ran:      0 runs"),
        "{t}"
    );
    assert_same_files(reference, &out);
}

#[test]
fn a_run_reproduces_from_its_point_scenario_and_seed() {
    let reference = reference();
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), TINY);
    let scenario = ok(crucible()
        .arg("sweep")
        .arg(&file)
        .args(["--point", "2"])
        .output()
        .unwrap());
    assert!(scenario.contains("every: 5m"), "{scenario}");
    let point = tmp.path().join("p2.yaml");
    std::fs::write(&point, scenario).unwrap();
    let runs = std::fs::read_to_string(reference.join("runs.csv")).unwrap();
    let row: Vec<&str> = runs
        .lines()
        .find(|l| l.starts_with("2,1,"))
        .unwrap()
        .split(',')
        .collect();
    let t = ok(crucible()
        .arg("run")
        .arg(&point)
        .args(["--seed", row[4], "--keep-going", "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap());
    assert!(t.contains(&format!("digest:   {}", row[5])), "{t}\n{row:?}");
    let o = crucible()
        .arg("sweep")
        .arg(&file)
        .args(["--point", "4"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn resume_after_a_torn_results_file() {
    let reference = reference();
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), TINY);
    let out = tmp.path().join("torn");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(reference.join("sweep.json"), out.join("sweep.json")).unwrap();
    // Five complete rows in an unsorted order, then half a row, as a crash leaves it.
    let runs = std::fs::read_to_string(reference.join("runs.csv")).unwrap();
    let lines: Vec<&str> = runs.lines().collect();
    let mut torn = format!("{}\n", lines[0]);
    for i in [7, 2, 11, 1, 4] {
        torn.push_str(lines[i]);
        torn.push('\n');
    }
    torn.push_str(&lines[9][..lines[9].len() / 2]);
    std::fs::write(out.join("runs.csv"), torn).unwrap();
    let t = ok(sweep(&file, &out, &["--jobs", "2", "--resume"]));
    assert!(
        t.contains("5 finished runs kept, 1 incomplete lines dropped"),
        "{t}"
    );
    assert!(t.contains("ran:      7 runs"), "{t}");
    assert_same_files(reference, &out);
}

#[test]
fn resume_after_a_killed_process() {
    let reference = reference();
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), TINY);
    let out = tmp.path().join("killed");
    let mut child = crucible()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["--jobs", "1", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rows = |p: &Path| {
        std::fs::read_to_string(p.join("runs.csv"))
            .map(|t| t.matches('\n').count().saturating_sub(1))
            .unwrap_or(0)
    };
    let started = Instant::now();
    while rows(&out) < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = rows(&out);
    assert!((2..12).contains(&kept), "{kept} rows at the kill");
    let t = ok(sweep(&file, &out, &["--jobs", "2", "--resume"]));
    assert!(t.contains(&format!("{kept} finished runs kept")), "{t}");
    assert!(t.contains(&format!("ran:      {} runs", 12 - kept)), "{t}");
    assert_same_files(reference, &out);
}

#[test]
fn shards_in_separate_processes_merge_into_the_single_machine_files() {
    let reference = reference();
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(tmp.path(), TINY);
    let dirs: Vec<PathBuf> = (0..3).map(|k| tmp.path().join(format!("s{k}"))).collect();
    // Three ways to name the shard: explicitly, as a Slurm array task (ids 1..3), and as a
    // Kubernetes Indexed Job completion.
    let mut a = crucible();
    a.arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&dirs[0])
        .args(["--shard", "0/3"]);
    let mut b = crucible();
    b.arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&dirs[1])
        .args(["--shard", "3"]);
    b.env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1");
    let mut c = crucible();
    c.arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&dirs[2])
        .args(["--shard", "3"]);
    c.env("JOB_COMPLETION_INDEX", "2");
    let children: Vec<_> = [a, b, c]
        .iter_mut()
        .map(|cmd| {
            cmd.args(["--jobs", "1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (k, ch) in children.into_iter().enumerate() {
        let t = ok(ch.wait_with_output().unwrap());
        assert!(t.contains(&format!("shard:    {k}/3: 4 runs")), "{t}");
        assert!(!dirs[k].join("points.csv").exists());
    }

    // Missing and doubled shards are refused.
    let merged = tmp.path().join("merged");
    let o = crucible()
        .args(["sweep", "merge"])
        .args(&dirs[..2])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("shards missing: 2/3"), "{}", text(&o));
    let o = crucible()
        .args(["sweep", "merge"])
        .args([&dirs[0], &dirs[1], &dirs[1]])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("given twice"), "{}", text(&o));

    let t = ok(crucible()
        .args(["sweep", "merge"])
        .args(&dirs)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap());
    assert!(t.contains("3 shards, 12 runs"), "{t}");
    assert_same_files(reference, &merged);

    // An unfinished shard is refused with the command that finishes it.
    let runs = dirs[2].join("runs.csv");
    let full = std::fs::read_to_string(&runs).unwrap();
    let cut = full.trim_end().rfind('\n').unwrap() + 1;
    std::fs::write(&runs, &full[..cut]).unwrap();
    let o = crucible()
        .args(["sweep", "merge"])
        .args(&dirs)
        .arg("--out")
        .arg(tmp.path().join("m2"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("unfinished: 3 runs done, 1 to go"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("--shard 2/3"), "{}", text(&o));
}

#[test]
fn bad_sweep_files_are_located_errors_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("runs: 3\n", "rnus: 3\n", "sweep.yaml:4:1: unknown field `rnus`"),
        ("  grid:\n", "  gird:\n", "unknown design `gird`"),
        (
            "  grid:\n    actors.alice.every: [1m, 5m]\n    actors.bob.tip_gwei: [1, 3]\n",
            "  zip:\n    actors.alice.every: [1m, 5m]\n    actors.bob.tip_gwei: [1, 3, 4]\n",
            "sweep.yaml:19:26: zipped lists must have the same length",
        ),
        ("actors.alice.every: [1m, 5m]", "actors.alic.every: [1m, 5m]", "did you mean `alice`?"),
        (
            "actors.alice.every: [1m, 5m]",
            "actors.alice.every: [1m, often]",
            "sweep.yaml:18:30: `actors.alice.every` = often (point 2): invalid duration",
        ),
        (
            "actors.bob.tip_gwei: [1, 3]",
            "actors.bob.tip_gwie: [1, 3]",
            "sweep.yaml:19:5: `actors.bob.tip_gwie` = 1 (point 0): unknown field `tip_gwie`",
        ),
        ("runs: 3\n", "runs: 0\n", "sweep.yaml:4:7: `runs` must be at least 1"),
        (
            "metrics: [",
            "stop: { metric: token.transfer, half_width: 1 }\nmetrics: [",
            "`token.transfer` is not a collected metric",
        ),
        (
            "  grid:\n    actors.alice.every: [1m, 5m]\n    actors.bob.tip_gwei: [1, 3]\n",
            "  latin_hypercube:\n    points: 4\n    parameters:\n      actors.alice.every: { min: 5m, max: 1m }\n",
            "`max` must be above `min`",
        ),
        ("duration: 30m", "duration: 0s", "`duration` must be positive"),
        ("seed: 3\n", "seed: 3\nseed: 4\n", "duplicate key `seed`"),
    ];
    for (from, to, want) in cases {
        assert!(TINY.contains(from), "{from}");
        let body = TINY.replacen(from, to, 1);
        let file = write_sweep(tmp.path(), &body);
        let o = crucible()
            .arg("sweep")
            .arg(&file)
            .arg("--out")
            .arg(tmp.path().join("never"))
            .output()
            .unwrap();
        // miette wraps long messages; compare with the wrapping undone.
        let t = text(&o).replace('│', " ");
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(o.status.code(), Some(2), "{want}\n{t}");
        assert!(t.contains(want), "want `{want}` in:\n{t}");
        assert!(!tmp.path().join("never").exists());
    }
    for garbage in [
        "",
        "[1, 2]",
        "name: x",
        "{ name: x, scenario: 3, design: 1 }",
    ] {
        let file = write_sweep(tmp.path(), garbage);
        let o = crucible().arg("sweep").arg(&file).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{garbage}\n{}", text(&o));
    }
    let o = crucible()
        .args([
            "sweep",
            "sweeps/quickstart-payer-interval.yaml",
            "--shard",
            "3/3",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn shipped_sweeps_validate() {
    let mut n = 0;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let t = ok(crucible()
                .arg("sweep")
                .arg(&path)
                .arg("--dry-run")
                .output()
                .unwrap());
            assert!(t.contains("point\t"), "{t}");
            n += 1;
        }
    }
    assert!(n > 0);
}

#[test]
fn stop_rule_ends_points_by_their_own_runs_whatever_the_scheduling() {
    use crucible::sweep::merge::merge;
    use crucible::sweep::{load_sweep_str, run_sweep, Shard, SweepOptions};
    let tmp = tempfile::tempdir().unwrap();
    let run = |half_width: &str, jobs: usize, shard: Shard, out: &str| {
        let body = TINY.replacen(
            "runs: 3\n",
            &format!(
                "runs: 4\nstop: {{ metric: token.max_inclusion_delay_s.alice, half_width: {half_width}, min_runs: 2 }}\n"
            ),
            1,
        );
        let sweep = load_sweep_str(&body, "sweep.yaml", tmp.path()).unwrap();
        let opts = SweepOptions {
            jobs,
            out: tmp.path().join(out),
            resume: false,
            shard,
        };
        run_sweep(&sweep, &opts, &|_| {}).unwrap()
    };
    // A wide tolerance is met after the first two runs of every point.
    let wide = run("1000", 2, Shard::ALL, "wide");
    assert_eq!((wide.ran, wide.rows), (8, 8));
    // A tolerance no spread meets runs every point to the end.
    let narrow = run("0.000001", 1, Shard::ALL, "narrow1");
    assert_eq!(narrow.rows, 16);
    let narrow3 = run("0.000001", 3, Shard::ALL, "narrow3");
    assert_eq!(narrow3.rows, 16);
    assert_same_files(&tmp.path().join("narrow1"), &tmp.path().join("narrow3"));
    // Somewhere between: whatever each point needs, the same with shards (by point) merged.
    let mid = run("1.5", 2, Shard::ALL, "mid");
    let dirs: Vec<PathBuf> = (0..3)
        .map(|k| {
            let name = format!("mid{k}");
            run("1.5", 1, Shard { index: k, count: 3 }, &name);
            tmp.path().join(name)
        })
        .collect();
    merge(&dirs, &tmp.path().join("mid-merged")).unwrap();
    assert_same_files(&tmp.path().join("mid"), &tmp.path().join("mid-merged"));
    assert!((8..=16).contains(&mid.rows));
}

#[test]
fn boundary_search_bisects_and_stores_regression_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("slow.yaml");
    // The `sometimes` check is reached only when some inclusion takes at least
    // `slow_inclusion`; with 12 s blocks no transfer waits much longer than a block.
    let body = TINY
        .split_once("scenario:\n")
        .unwrap()
        .1
        .split_once("design:")
        .unwrap()
        .0
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&scenario, format!("seed: 5\n{body}\n")).unwrap();
    let out = tmp.path().join("regressions");
    let args = |from: &str, to: &str| {
        let mut c = crucible();
        c.args(["sweep", "boundary"])
            .arg(&scenario)
            .args([
                "--param",
                "protocols.token.slow_inclusion",
                "--from",
                from,
                "--to",
                to,
            ])
            .args([
                "--invariant",
                "token.slow_inclusion_seen",
                "--seeds",
                "2",
                "--probes",
                "4",
            ])
            .arg("--out")
            .arg(&out);
        c
    };
    let t = ok(args("1m", "1s").output().unwrap());
    assert_eq!(t.matches("probe:").count(), 6, "{t}");
    let line = t.lines().find(|l| l.starts_with("boundary:")).unwrap();
    let value = |word: &str| -> u64 {
        let v = line
            .split(word)
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        v.parse::<crucible::engine::Dur>().unwrap().as_ms()
    };
    let (holds, fails) = (value("= "), value("fails at "));
    assert!(holds < fails && fails - holds < 60_000 / 8, "{line}");
    assert!((1_000..=13_000).contains(&fails), "{line}");
    let stored: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!stored.is_empty());
    for s in &stored {
        let r = crucible()
            .arg("run")
            .arg(s)
            .arg("--out")
            .arg(tmp.path().join("r"))
            .output()
            .unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "the regression shows the violation: {}",
            text(&r)
        );
    }
    let o = args("1s", "2s").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("holds at both ends"), "{}", text(&o));
    let o = args("1s", "9").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
