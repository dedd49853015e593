//! One arm of the `evm_overhead` bench, for profilers and for noisy machines:
//! `valgrind --tool=callgrind target/release/examples/overhead raw|world` runs it once;
//! `overhead raw|world N` runs it N times more after that first run and prints the fastest and
//! the median time of those N (the fastest is the least disturbed by other work on the machine).

use crucible::engine::world::{RunOptions, RunResult};
use crucible::runner::run_digest_only;
use crucible::scenario::{load_str, Scenario};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/support/transfers.rs"]
mod transfers;
use transfers::{flood_scenario, raw_transfers, TRANSFERS};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("ratio") {
        let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20);
        return ratio(n);
    }
    let repeat: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    let one: Box<dyn Fn() -> String> = match args.get(1).map(String::as_str) {
        Some("raw") => Box::new(|| raw_transfers(TRANSFERS).to_string()),
        Some("world") => {
            let sc = flood();
            Box::new(move || {
                let r = run_world(&sc);
                format!("{} {}", r.txs.included, r.digest)
            })
        }
        _ => {
            eprintln!("usage: overhead raw|world [N]");
            std::process::exit(2);
        }
    };
    println!("{}", one());
    if repeat > 0 {
        let mut ms: Vec<f64> = (0..repeat)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(one());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "fastest {:.2} ms, median {:.2} ms of {repeat}",
            ms[0],
            ms[repeat / 2]
        );
    }
}

/// The world arm's scenario.
fn flood() -> Scenario {
    load_str(&flood_scenario(), "flood.yaml").expect("flood scenario loads")
}

/// One run of the world arm (seed 1, digest only).
fn run_world(sc: &Scenario) -> RunResult {
    run_digest_only(sc, 1, RunOptions::default()).expect("runs")
}

/// Alternates the two arms `n` times and prints the ratio of their fastest and median times and
/// the median of the per-pair ratios: alternating keeps slow drifts of the machine out of it.
fn ratio(n: usize) {
    let sc = flood();
    let time = |f: &dyn Fn()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
    };
    let raw = || {
        std::hint::black_box(raw_transfers(TRANSFERS));
    };
    let world = || {
        std::hint::black_box(run_world(&sc));
    };
    raw();
    world();
    let (mut r, mut w, mut pair) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let a = time(&raw);
        let b = time(&world);
        r.push(a);
        w.push(b);
        pair.push(b / a);
    }
    for v in [&mut r, &mut w, &mut pair] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "raw fastest {:.2} ms median {:.2} ms; world fastest {:.2} ms median {:.2} ms; \
         ratio of fastest {:.3}, of medians {:.3}, median pair ratio {:.3} ({n} pairs)",
        r[0],
        r[n / 2],
        w[0],
        w[n / 2],
        w[0] / r[0],
        w[n / 2] / r[n / 2],
        pair[n / 2]
    );
}
