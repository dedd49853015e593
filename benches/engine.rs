//! Engine benchmarks, reported as ratios against the physical limit.
//!
//! * `scheduler`: events per second through the event queue alone.
//! * `evm_overhead`: N token transfers through a whole world (actors, mempool, block builder,
//!   receipts, logs, trace records and digest, invariants) versus the same transactions (EIP-1559,
//!   same fees and gas limit) through bare revm `transact_commit`. The ratio of the two is the
//!   engine's overhead; `examples/overhead.rs ratio N` times the two interleaved.
//! * `quickstart`: the quickstart scenario end to end (one simulated day).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use crucible::engine::queue::{Class, EventQueue};
use crucible::engine::time::SimTime;
use crucible::engine::world::RunOptions;
use crucible::runner::run_digest_only;
use crucible::scenario::{load_file, load_str};
use std::hint::black_box;
use std::path::Path;

/// The binary's allocator, so both arms are measured as `crucible` runs them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn scheduler(c: &mut Criterion) {
    const EVENTS: u64 = 1_000_000;
    let mut g = c.benchmark_group("scheduler");
    g.throughput(Throughput::Elements(EVENTS));
    g.sample_size(10);
    g.bench_function("pop_push_steady_10k", |b| {
        b.iter_batched(
            || {
                let mut q = EventQueue::new();
                for i in 0..10_000u64 {
                    q.push(SimTime(i * 7 % 1000), Class::Timer, i);
                }
                q
            },
            |mut q| {
                let mut x = 1u64;
                for _ in 0..EVENTS {
                    let (t, _, e) = q.pop().expect("non-empty");
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    q.push(SimTime(t.0 + 1 + (x >> 54)), Class::Timer, e);
                }
                black_box(q.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

#[path = "support/transfers.rs"]
mod transfers;
use transfers::{flood_scenario, raw_transfers, TRANSFERS};

fn evm_overhead(c: &mut Criterion) {
    let sc = load_str(&flood_scenario(), "flood.yaml").expect("flood scenario loads");
    let mut g = c.benchmark_group("evm_overhead");
    g.throughput(Throughput::Elements(TRANSFERS));
    g.sample_size(10);
    g.bench_function("raw_revm_transfers", |b| {
        b.iter(|| {
            let ok = raw_transfers(TRANSFERS);
            // Every transfer succeeds, as in the world: a failing one would be cheaper.
            assert_eq!(ok, TRANSFERS);
            black_box(ok)
        })
    });
    g.bench_function("world_transfers", |b| {
        b.iter(|| {
            let r = run_digest_only(&sc, 1, RunOptions::default()).expect("runs");
            // Exactly the raw stream's transfers (plus the genesis mints, which are not txs).
            assert_eq!(r.txs.included, TRANSFERS, "{:?}", r.txs);
            assert_eq!(r.txs.submitted, TRANSFERS, "{:?}", r.txs);
            black_box(r.digest)
        })
    });
    g.finish();
}

fn quickstart(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let sc = load_file(&path).expect("quickstart loads");
    let mut g = c.benchmark_group("quickstart");
    g.sample_size(10);
    g.bench_function("one_day", |b| {
        b.iter(|| {
            black_box(
                run_digest_only(&sc, sc.seed, RunOptions::default())
                    .expect("runs")
                    .digest,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, scheduler, evm_overhead, quickstart);
criterion_main!(benches);
