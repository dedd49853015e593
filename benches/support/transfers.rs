//! The overhead workload shared by `benches/engine.rs` (`evm_overhead`) and
//! `examples/overhead.rs`: the same token transfers as a scenario for a whole world and as a
//! bare revm transaction stream.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use crucible::chain::raw::RawEvm;
use crucible::protocols::token::{initcode, Token};

/// Transfers per world run: payers × bursts per second × seconds.
pub const PAYERS: u64 = 100;
pub const BURST: u64 = 10;
pub const SECONDS: u64 = 10;
pub const TRANSFERS: u64 = PAYERS * BURST * SECONDS;

pub fn flood_scenario() -> String {
    format!(
        "name: flood\nquestion: how fast are transfers through the engine?\nseed: 1\n\
         duration: {SECONDS}s\nquiet: 1s\nsample_every: 1h\n\
         chains:\n  l1: {{ block_time: 1s, base_fee_gwei: 1, gas_limit: 1000000000 }}\n\
         protocols:\n  token: {{ chain: l1 }}\n\
         actors:\n  - {{ kind: token.payer, count: {PAYERS}, every: 1s, burst: {BURST}, fixed_interval: true, notify: false, until: {SECONDS}s }}\n"
    )
}

pub fn raw_transfers(n: u64) -> u64 {
    let mut evm = RawEvm::new(31_337);
    let deployer = Address::with_last_byte(1);
    evm.fund(deployer, U256::from(10u64).pow(U256::from(24u64)));
    let token = evm.deploy(deployer, initcode("T", "T").into());
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
    // From here on the world's transactions as its chain executes them: EIP-1559 fees at the
    // scenario's base fee, the payers' default tip and gas limit, a new block every second.
    const GWEI: u64 = 1_000_000_000;
    evm.charge_fees(GWEI, GWEI.into(), 80_000, Address::with_last_byte(0xc0));
    let mut nonces = vec![0u64; payers.len()];
    let mut ok = 0;
    for i in 0..n {
        if i % (PAYERS * BURST) == 0 {
            evm.next_block(1);
        }
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
