//! One arm of the `evm_overhead` bench, for profilers and for noisy machines:
//! `valgrind --tool=callgrind target/release/examples/overhead raw|world` runs it once;
//! `overhead raw|world N` runs it N times more after that first run and prints the fastest and
//! the median time of those N (the fastest is the least disturbed by other work on the machine).

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use crucible::chain::raw::RawEvm;
use crucible::engine::world::RunOptions;
use crucible::protocols::token::Token;
use crucible::runner::run_digest_only;
use crucible::scenario::load_str;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transfers per world run: payers × bursts per second × seconds.
const PAYERS: u64 = 100;
const BURST: u64 = 10;
const SECONDS: u64 = 10;
const TRANSFERS: u64 = PAYERS * BURST * SECONDS;

fn flood_scenario() -> String {
    format!(
        "name: flood\nquestion: how fast are transfers through the engine?\nseed: 1\n\
         duration: {SECONDS}s\nquiet: 1s\nsample_every: 1h\n\
         chains:\n  l1: {{ block_time: 1s, base_fee_gwei: 1, gas_limit: 1000000000 }}\n\
         protocols:\n  token: {{ chain: l1 }}\n\
         actors:\n  - {{ kind: token.payer, count: {PAYERS}, every: 1s, burst: {BURST}, fixed_interval: true, notify: false, until: {SECONDS}s }}\n"
    )
}

fn raw_transfers(n: u64) -> u64 {
    let mut evm = RawEvm::new(31_337);
    let deployer = Address::with_last_byte(1);
    evm.fund(deployer, U256::from(10u64).pow(U256::from(24u64)));
    let mut initcode = Token::BYTECODE.to_vec();
    initcode.extend(
        Token::constructorCall {
            name_: "T".into(),
            symbol_: "T".into(),
        }
        .abi_encode(),
    );
    let token = evm.deploy(deployer, initcode.into());
    let payers: Vec<Address> = (0..PAYERS)
        .map(|i| Address::from_word(alloy_primitives::keccak256(i.to_le_bytes())))
        .collect();
    for (deployer_nonce, p) in (1u64..).zip(payers.iter()) {
        evm.fund(*p, U256::from(10u64).pow(U256::from(20u64)));
        let mint = Token::mintCall {
            to: *p,
            amount: U256::from(10u64).pow(U256::from(21u64)),
        };
        evm.transact_commit(deployer, token, mint.abi_encode().into(), deployer_nonce);
    }
    let mut nonces = vec![0u64; payers.len()];
    let mut ok = 0;
    for i in 0..n {
        let from = (i % PAYERS) as usize;
        let to = payers
            [(from + 1 + (i as usize / PAYERS as usize) % (PAYERS as usize - 1)) % PAYERS as usize];
        let call = Token::transferCall {
            to,
            amount: U256::from(1 + i % 1000),
        };
        if evm
            .transact_commit(payers[from], token, call.abi_encode().into(), nonces[from])
            .success
        {
            ok += 1;
        }
        nonces[from] += 1;
    }
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    let one: Box<dyn Fn() -> String> = match args.get(1).map(String::as_str) {
        Some("raw") => Box::new(|| raw_transfers(TRANSFERS).to_string()),
        Some("world") => {
            let sc = load_str(&flood_scenario(), "flood.yaml").expect("flood scenario loads");
            Box::new(move || {
                let r = run_digest_only(&sc, 1, RunOptions::default()).expect("runs");
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
