//! Chain behaviour on small hand-assembled contracts.

use super::raw::RawEvm;
use super::*;
use alloy_primitives::{hex, keccak256};

const GWEI: u128 = 1_000_000_000;
const GENESIS_TS: u64 = 1_700_000_000;

/// Runtime: with calldata, stores word 0 at slot 0 and emits LOG1(topic 0xaa, data word);
/// without calldata, returns slot 0.
const STORE_LOG: &str = "36600c575f545f5260205ff35b5f35805f555f5260aa60205fa100";
/// Runtime: returns BLOCKHASH(calldata word 0).
const BLOCKHASH_OF: &str = "5f35405f5260205ff3";
/// Runtime: returns TIMESTAMP.
const TIMESTAMP: &str = "425f5260205ff3";
/// Runtime: hits INVALID.
const INVALID: &str = "fe";

fn alice() -> Address {
    Address::with_last_byte(0xa1)
}
fn bob() -> Address {
    Address::with_last_byte(0xb0)
}
fn carol() -> Address {
    Address::with_last_byte(0xca)
}
fn coinbase() -> Address {
    Address::with_last_byte(0xc0)
}

fn config(gas_limit: u64) -> ChainConfig {
    ChainConfig {
        name: "l1".into(),
        chain_id: 1337,
        block_time_ms: 12_000,
        gas_limit,
        base_fee: BaseFeeRule {
            initial_wei: GWEI,
            elasticity: 2,
            max_change_denominator: 8,
            min_wei: 7,
        },
        spikes: Vec::new(),
        genesis_timestamp: GENESIS_TS,
        coinbase: coinbase(),
    }
}

fn funded(config: ChainConfig) -> Chain {
    let mut chain = Chain::new(config);
    for who in [alice(), bob(), carol()] {
        chain.fund(who, U256::from(10u128.pow(18)));
    }
    chain
}

/// Init code that copies `runtime` (< 256 bytes) to memory and returns it.
fn initcode(runtime: &[u8]) -> Bytes {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![0x60, len, 0x60, 0x0a, 0x5f, 0x39, 0x60, len, 0x5f, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// Runtime that reverts with exactly `data` (< 256 bytes).
fn reverter(data: &[u8]) -> Vec<u8> {
    let len = u8::try_from(data.len()).expect("short data");
    let mut code = vec![0x60, len, 0x60, 0x0a, 0x5f, 0x39, 0x60, len, 0x5f, 0xfd];
    code.extend_from_slice(data);
    code
}

fn deploy(chain: &mut Chain, runtime_hex: &str) -> Address {
    let runtime = hex::decode(runtime_hex).unwrap();
    chain.deploy(bob(), initcode(&runtime)).unwrap().address
}

fn word(v: u64) -> Bytes {
    B256::from(U256::from(v)).0.to_vec().into()
}

fn req(from: Address, to: Address, data: Bytes, tip: u128) -> TxRequest {
    TxRequest {
        from,
        to: Some(to),
        data,
        value: U256::ZERO,
        gas_limit: 100_000,
        max_priority_fee: tip,
        max_fee: None,
    }
}

/// A plain 21 000-gas transfer of zero value.
fn transfer(from: Address, tip: u128) -> TxRequest {
    TxRequest {
        gas_limit: 21_000,
        ..req(from, Address::with_last_byte(0xee), Bytes::new(), tip)
    }
}

fn all(_: &PendingTx) -> bool {
    true
}

fn included(block: &Block) -> Vec<B256> {
    block.receipts.iter().map(|r| r.tx).collect()
}

#[test]
fn deploy_then_view_and_genesis_call() {
    let mut chain = funded(config(30_000_000));
    let runtime = hex::decode(STORE_LOG).unwrap();
    let deployed = chain.deploy(bob(), initcode(&runtime)).unwrap();
    assert_eq!(deployed.code_hash, keccak256(&runtime));
    assert_eq!(chain.code_hash(deployed.address), keccak256(&runtime));
    assert_eq!(deployed.address, bob().create(0));
    assert!(deployed.gas_used > 21_000);
    // Genesis costs nothing.
    assert_eq!(chain.balance(bob()), U256::from(10u128.pow(18)));

    let c = deployed.address;
    assert_eq!(chain.view(alice(), c, Bytes::new()).unwrap(), word(0));
    chain.genesis_call(bob(), c, word(5), U256::ZERO).unwrap();
    assert_eq!(chain.view(alice(), c, Bytes::new()).unwrap(), word(5));
    assert_eq!(chain.nonce(bob()), 2);
    assert_eq!(chain.head().number, 0);

    // A view that writes commits nothing and leaves the caller's nonce alone.
    chain.view(alice(), c, word(9)).unwrap();
    let stranger = Address::with_last_byte(0x77);
    assert_eq!(chain.view(stranger, c, Bytes::new()).unwrap(), word(5));
    assert_eq!(chain.nonce(stranger), 0);
    assert_eq!(chain.view(alice(), c, Bytes::new()).unwrap(), word(5));
    assert_eq!(chain.nonce(alice()), 0);
}

#[test]
fn failed_deploy_and_genesis_call_are_errors() {
    let mut chain = funded(config(30_000_000));
    let err = chain.deploy(bob(), Bytes::from(reverter(b"x")));
    assert!(matches!(err, Err(ChainError::DeployFailed(_))));
    let bad = deploy(&mut chain, INVALID);
    let err = chain.genesis_call(bob(), bad, Bytes::new(), U256::ZERO);
    assert!(matches!(err, Err(ChainError::CallFailed(_))));
}

#[test]
fn nonces_follow_submission_and_order_each_sender() {
    let mut chain = funded(config(30_000_000));
    let a0 = chain.submit(transfer(alice(), 1), SimTime(0));
    let a1 = chain.submit(transfer(alice(), 100), SimTime(0));
    let b0 = chain.submit(transfer(bob(), 50), SimTime(0));
    assert_eq!((a0.nonce, a1.nonce, b0.nonce), (0, 1, 0));
    assert_ne!(a0.hash, a1.hash);
    assert_eq!(chain.pending_len(), 3);
    let order: Vec<B256> = chain.pending().iter().map(|t| t.hash).collect();
    // (sender, nonce) order; alice's address sorts before bob's.
    assert_eq!(order, vec![a0.hash, a1.hash, b0.hash]);

    let block = chain.build_block(SimTime(12_000), &mut all);
    // a1 pays the highest tip but cannot overtake a0.
    assert_eq!(included(&block), vec![b0.hash, a0.hash, a1.hash]);
    let nonces: Vec<u64> = block.receipts.iter().map(|r| r.nonce).collect();
    assert_eq!(nonces, vec![0, 0, 1]);
    assert_eq!(chain.nonce(alice()), 2);
    assert_eq!(chain.pending_len(), 0);

    // Pending nonces continue from the committed one.
    let a2 = chain.submit(transfer(alice(), 1), SimTime(12_000));
    assert_eq!(a2.nonce, 2);
}

#[test]
fn tx_hash_is_independent_of_nonce() {
    let mut one = funded(config(30_000_000));
    let mut two = funded(config(30_000_000));
    two.genesis_call(alice(), bob(), Bytes::new(), U256::ZERO)
        .unwrap();
    let x = one.submit(transfer(alice(), 1), SimTime(0));
    let y = two.submit(transfer(alice(), 1), SimTime(0));
    assert_eq!((x.nonce, y.nonce), (0, 1));
    assert_eq!(x.hash, y.hash);
}

#[test]
fn priority_fee_then_arrival() {
    let mut chain = funded(config(30_000_000));
    let a = chain.submit(transfer(alice(), 5), SimTime(0));
    let b = chain.submit(transfer(bob(), 10), SimTime(1));
    let c = chain.submit(transfer(carol(), 10), SimTime(2));
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(included(&block), vec![b.hash, c.hash, a.hash]);
    let idx: Vec<u32> = block.receipts.iter().map(|r| r.index).collect();
    assert_eq!(idx, vec![0, 1, 2]);
}

/// Bursts of several transactions per sender with mixed tips, submitted interleaved: the block
/// takes, at every step, the sender head with the highest tip, then the earliest arrival — the
/// reference order computed here step by step over all heads.
#[test]
fn block_order_is_greedy_over_sender_heads() {
    let mut chain = Chain::new(config(30_000_000));
    let senders: Vec<Address> = (1..=7u8)
        .map(|i| Address::with_last_byte(0x10 + i))
        .collect();
    for s in &senders {
        chain.fund(*s, U256::from(10u128.pow(18)));
    }
    // (sender index, tip) in submission order, from a fixed pseudo-random sequence.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut queues: Vec<Vec<(u64, u128, B256)>> = vec![Vec::new(); senders.len()];
    for seq in 0..60u64 {
        let who = (next() % senders.len() as u64) as usize;
        let tip = u128::from(next() % 4) * GWEI / 2;
        let sub = chain.submit(transfer(senders[who], tip), SimTime(0));
        queues[who].push((seq, tip, sub.hash));
    }
    let mut expected = Vec::new();
    let mut heads = vec![0usize; senders.len()];
    loop {
        let best = (0..senders.len())
            .filter_map(|i| queues[i].get(heads[i]).map(|&(seq, tip, _)| (i, seq, tip)))
            .min_by_key(|&(_, seq, tip)| (std::cmp::Reverse(tip), seq));
        let Some((i, _, _)) = best else { break };
        expected.push(queues[i][heads[i]].2);
        heads[i] += 1;
    }
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(included(&block), expected);
}

#[test]
fn effective_tip_is_capped_by_fee_cap() {
    let mut chain = funded(config(30_000_000));
    // Tip 3 gwei but only 0.5 gwei above the base fee: effective tip 0.5 gwei.
    let capped = chain.submit(
        TxRequest {
            max_fee: Some(GWEI + GWEI / 2),
            ..transfer(alice(), 3 * GWEI / 2)
        },
        SimTime(0),
    );
    let plain = chain.submit(transfer(bob(), GWEI), SimTime(0));
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(included(&block), vec![plain.hash, capped.hash]);
}

#[test]
fn ineligible_head_blocks_only_its_sender() {
    let mut chain = funded(config(30_000_000));
    let a0 = chain.submit(transfer(alice(), 100), SimTime(0));
    let a1 = chain.submit(transfer(alice(), 100), SimTime(0));
    let b0 = chain.submit(transfer(bob(), 1), SimTime(0));
    let censored = a0.hash;
    let block = chain.build_block(SimTime(12_000), &mut |t: &PendingTx| t.hash != censored);
    assert_eq!(included(&block), vec![b0.hash]);
    assert_eq!(chain.pending_len(), 2);

    // Holding back only the second transaction lets the first through.
    let held = a1.hash;
    let block = chain.build_block(SimTime(24_000), &mut |t: &PendingTx| t.hash != held);
    assert_eq!(included(&block), vec![a0.hash]);
    let block = chain.build_block(SimTime(36_000), &mut all);
    assert_eq!(included(&block), vec![a1.hash]);
}

#[test]
fn fee_cap_below_base_fee_waits() {
    let mut chain = funded(config(30_000_000));
    let low = chain.submit(
        TxRequest {
            max_fee: Some(GWEI - 1),
            ..transfer(alice(), 0)
        },
        SimTime(0),
    );
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert!(block.receipts.is_empty() && block.dropped.is_empty());
    assert_eq!(chain.pending()[0].hash, low.hash);
    // Base fee falls on the empty block, and the transaction fits.
    let block = chain.build_block(SimTime(24_000), &mut all);
    assert_eq!(block.header.base_fee, GWEI * 7 / 8);
    assert_eq!(included(&block), vec![low.hash]);
}

#[test]
fn base_fee_follows_eip1559_and_respects_min() {
    // Two transfers fill a 42 000 gas block exactly; the target is 21 000.
    let mut chain = funded(config(42_000));
    assert_eq!(chain.base_fee_at(SimTime(12_000)), GWEI);
    chain.submit(transfer(alice(), 1), SimTime(0));
    chain.submit(transfer(bob(), 1), SimTime(0));
    let b1 = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(b1.header.base_fee, GWEI);
    assert_eq!(b1.header.gas_used, 42_000);
    let full = GWEI + GWEI / 8;
    assert_eq!(chain.base_fee_at(SimTime(24_000)), full);
    // At target the fee stays.
    chain.submit(transfer(alice(), 1), SimTime(12_000));
    let b2 = chain.build_block(SimTime(24_000), &mut all);
    assert_eq!(b2.header.base_fee, full);
    assert_eq!(b2.header.gas_used, 21_000);
    let b3 = chain.build_block(SimTime(36_000), &mut all);
    assert_eq!(b3.header.base_fee, full);
    // Empty block: down by 1/8.
    let b4 = chain.build_block(SimTime(48_000), &mut all);
    assert_eq!(b4.header.base_fee, full - full / 8);

    let mut cfg = config(30_000_000);
    cfg.base_fee.initial_wei = 10;
    cfg.base_fee.min_wei = 9;
    let mut chain = Chain::new(cfg);
    let fees: Vec<u128> = (1..=4)
        .map(|i| {
            chain
                .build_block(SimTime(i * 12_000), &mut all)
                .header
                .base_fee
        })
        .collect();
    assert_eq!(fees, vec![10, 9, 9, 9]);
}

#[test]
fn spike_multiplies_charged_fee_only_within_window() {
    let mut cfg = config(30_000_000);
    cfg.spikes = vec![BaseFeeSpike {
        from: SimTime(24_000),
        to: SimTime(36_000),
        multiplier: 3,
    }];
    let mut chain = funded(cfg);
    let b1 = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(b1.header.base_fee, GWEI);
    let rule2 = GWEI * 7 / 8;
    assert_eq!(chain.base_fee_at(SimTime(23_999)), rule2);
    assert_eq!(chain.base_fee_at(SimTime(24_000)), 3 * rule2);

    // Inside the spike the charged fee is tripled, and the tip comes on top of it.
    let tx = chain.submit(transfer(alice(), 2), SimTime(24_000));
    assert_eq!(tx.max_fee, 6 * rule2 + 2);
    let b2 = chain.build_block(SimTime(24_000), &mut all);
    assert_eq!(b2.header.base_fee, 3 * rule2);
    assert_eq!(b2.receipts[0].effective_gas_price, 3 * rule2 + 2);

    // The next fee is computed from the rule value, not from the spiked one (block 2 used
    // 21 000 gas of a 15 000 000 target).
    let expected3 = rule2 - rule2 * (15_000_000 - 21_000) / 15_000_000 / 8;
    assert_eq!(chain.base_fee_at(SimTime(30_000)), 3 * expected3);
    let b3 = chain.build_block(SimTime(36_000), &mut all);
    assert_eq!(b3.header.base_fee, expected3);
}

#[test]
fn sender_pays_effective_price_and_coinbase_gets_tip() {
    let mut chain = funded(config(30_000_000));
    let start = chain.balance(alice());
    let tip = 2 * GWEI;
    let tx = chain.submit(
        TxRequest {
            value: U256::from(1000u64),
            to: Some(Address::with_last_byte(0xee)),
            ..transfer(alice(), tip)
        },
        SimTime(0),
    );
    assert_eq!(tx.max_fee, 2 * GWEI + tip);
    let block = chain.build_block(SimTime(12_000), &mut all);
    let r = &block.receipts[0];
    assert_eq!(r.status, TxStatus::Success);
    assert_eq!(r.gas_used, 21_000);
    assert_eq!(r.effective_gas_price, GWEI + tip);
    let paid = U256::from(21_000u128 * (GWEI + tip)) + U256::from(1000u64);
    assert_eq!(chain.balance(alice()), start - paid);
    assert_eq!(chain.balance(coinbase()), U256::from(21_000u128 * tip));
    assert_eq!(
        chain.balance(Address::with_last_byte(0xee)),
        U256::from(1000u64)
    );
}

#[test]
fn revert_data_and_halts_are_captured() {
    let mut chain = funded(config(30_000_000));
    // Error("no")
    let mut data = hex::decode("08c379a0").unwrap();
    data.extend_from_slice(word(0x20).as_ref());
    data.extend_from_slice(word(2).as_ref());
    let mut msg = [0u8; 32];
    msg[..2].copy_from_slice(b"no");
    data.extend_from_slice(&msg);
    let rev = chain
        .deploy(bob(), initcode(&reverter(&data)))
        .unwrap()
        .address;
    let bad = deploy(&mut chain, INVALID);

    let r = chain.submit(req(alice(), rev, Bytes::new(), 1), SimTime(0));
    let h = chain.submit(req(alice(), bad, Bytes::new(), 1), SimTime(0));
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(included(&block), vec![r.hash, h.hash]);
    assert_eq!(
        block.receipts[0].status,
        TxStatus::Revert(data.clone().into())
    );
    assert!(block.receipts[0].gas_used < 100_000);
    assert!(matches!(block.receipts[1].status, TxStatus::Halt(_)));
    // A halt consumes all gas.
    assert_eq!(block.receipts[1].gas_used, 100_000);
    assert_eq!(chain.nonce(alice()), 2);

    assert_eq!(
        chain.view(alice(), rev, Bytes::new()),
        Err(ViewError::Revert(data.into()))
    );
    assert!(matches!(
        chain.view(alice(), bad, Bytes::new()),
        Err(ViewError::Halt(_))
    ));
}

#[test]
fn logs_and_state_changes_are_captured() {
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, STORE_LOG);
    let tx = chain.submit(req(alice(), c, word(0x42), 1), SimTime(0));
    let block = chain.build_block(SimTime(12_000), &mut all);
    let r = &block.receipts[0];
    assert_eq!(r.tx, tx.hash);
    assert_eq!(r.to, Some(c));
    assert_eq!(
        r.logs,
        vec![Log {
            address: c,
            topics: vec![B256::with_last_byte(0xaa)],
            data: word(0x42),
        }]
    );
    assert_eq!(chain.view(alice(), c, Bytes::new()).unwrap(), word(0x42));
    assert_eq!(block.header.gas_used, r.gas_used);
}

#[test]
fn deployment_through_the_mempool() {
    let mut chain = funded(config(30_000_000));
    let runtime = hex::decode(TIMESTAMP).unwrap();
    chain.submit(
        TxRequest {
            from: carol(),
            to: None,
            data: initcode(&runtime),
            value: U256::ZERO,
            gas_limit: 200_000,
            max_priority_fee: 1,
            max_fee: None,
        },
        SimTime(0),
    );
    let block = chain.build_block(SimTime(12_000), &mut all);
    let created = block.receipts[0].contract_address.unwrap();
    assert_eq!(created, carol().create(0));
    assert_eq!(chain.code_hash(created), keccak256(&runtime));
}

#[test]
fn blockhash_in_evm_matches_block_hash() {
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, BLOCKHASH_OF);
    assert_eq!(chain.block_hash(0), Some(chain.head().hash));
    for i in 1..=3 {
        chain.build_block(SimTime(i * 12_000), &mut all);
    }
    assert_eq!(chain.head().number, 3);
    for n in 0..3u64 {
        let seen = chain.view(alice(), c, word(n)).unwrap();
        assert_eq!(seen.as_ref(), chain.block_hash(n).unwrap().as_slice());
    }
    // The current block's own hash is not visible.
    assert_eq!(chain.view(alice(), c, word(3)).unwrap(), word(0));

    chain.submit(req(alice(), c, word(3), 1), SimTime(36_000));
    let block = chain.build_block(SimTime(48_000), &mut all);
    let parent = chain.block_hash(3).unwrap();
    assert_eq!(block.header.parent_hash, parent);
    assert_eq!(block.receipts[0].output.as_ref(), parent.as_slice());
    assert_eq!(chain.block_hash(4), Some(block.header.hash));
    assert_eq!(chain.block_hash(5), None);
    // The header hash is BLAKE3 of the engine's header layout, the transaction ids folded
    // with BLAKE3 in block order.
    let h = &block.header;
    let txs_root = blake3::hash(block.receipts[0].tx.as_slice());
    let header = [
        h.parent_hash.as_slice(),
        &h.number.to_be_bytes(),
        &h.timestamp.to_be_bytes(),
        &h.base_fee.to_be_bytes(),
        &h.gas_used.to_be_bytes(),
        &chain.config().chain_id.to_be_bytes(),
        txs_root.as_bytes(),
    ]
    .concat();
    assert_eq!(header.len(), HEADER_LEN);
    assert_eq!(h.hash, B256::from(*blake3::hash(&header).as_bytes()));
    // An empty block's transaction root is BLAKE3 of nothing.
    let parent = h.hash;
    let empty = chain.build_block(SimTime(60_000), &mut all);
    let h = &empty.header;
    let header = [
        parent.as_slice(),
        &5u64.to_be_bytes(),
        &h.timestamp.to_be_bytes(),
        &h.base_fee.to_be_bytes(),
        &0u64.to_be_bytes(),
        &chain.config().chain_id.to_be_bytes(),
        blake3::hash(&[]).as_bytes(),
    ]
    .concat();
    assert_eq!(h.hash, B256::from(*blake3::hash(&header).as_bytes()));

    let mut other = Chain::new(ChainConfig {
        chain_id: 1,
        ..config(30_000_000)
    });
    assert_ne!(other.head().hash, chain.block_hash(0).unwrap());
    assert_eq!(
        other.head().hash,
        B256::from(
            *blake3::hash(&[b"crucible genesis".as_slice(), &1u64.to_be_bytes()].concat())
                .as_bytes()
        )
    );
    other.build_block(SimTime(0), &mut all);
}

#[test]
fn blockhash_window_is_256_blocks() {
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, BLOCKHASH_OF);
    for i in 1..=300 {
        chain.build_block(SimTime(i * 1000), &mut all);
    }
    let visible = chain.view(alice(), c, word(44)).unwrap();
    assert_eq!(visible.as_ref(), chain.block_hash(44).unwrap().as_slice());
    assert_eq!(chain.view(alice(), c, word(43)).unwrap(), word(0));
    assert!(chain.block_hash(43).is_some());
}

#[test]
fn blockhash_window_follows_runs_of_empty_blocks() {
    // revm's table is brought up to date only when something executes: after runs of empty
    // blocks of every length (shorter than, equal to and longer than the window), a view (run
    // in the head block) sees blocks head - 256 ..= head - 1, a transaction of the next block
    // its 256 predecessors, and the table holds blocks head - 256 ..= head and nothing else.
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, BLOCKHASH_OF);
    let mut t = 0;
    for run in [0u64, 1, 5, 255, 256, 257, 1000, 3] {
        for _ in 0..run {
            t += 1000;
            chain.build_block(SimTime(t), &mut all);
        }
        let head = chain.head().number;
        let lo = head.saturating_sub(256);
        for n in lo..head {
            let seen = chain.view(alice(), c, word(n)).unwrap();
            assert_eq!(
                seen.as_ref(),
                chain.block_hash(n).unwrap().as_slice(),
                "head {head}, block {n}"
            );
        }
        assert_eq!(chain.view(alice(), c, word(head)).unwrap(), word(0));
        if lo > 0 {
            assert_eq!(chain.view(alice(), c, word(lo - 1)).unwrap(), word(0));
        }
        let table = &chain.evm.ctx.journaled_state.database.cache.block_hashes;
        assert_eq!(table.len() as u64, head - lo + 1, "head {head}");
        // A transaction of the next block sees its parent, the head.
        chain.submit(req(alice(), c, word(head), 1), SimTime(t));
        t += 1000;
        let block = chain.build_block(SimTime(t), &mut all);
        assert_eq!(
            block.receipts[0].output.as_ref(),
            chain.block_hash(head).unwrap().as_slice()
        );
    }
    // A transaction asking for the block 257 before its own sees nothing.
    let head = chain.head().number;
    chain.submit(req(alice(), c, word(head - 256), 1), SimTime(t));
    let block = chain.build_block(SimTime(t + 1000), &mut all);
    assert_eq!(block.receipts[0].output, word(0));
}

#[test]
fn timestamp_is_in_seconds() {
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, TIMESTAMP);
    assert_eq!(
        chain.view(alice(), c, Bytes::new()).unwrap(),
        word(GENESIS_TS)
    );
    chain.submit(req(alice(), c, Bytes::new(), 1), SimTime(0));
    let block = chain.build_block(SimTime(12_345), &mut all);
    assert_eq!(block.header.timestamp, GENESIS_TS + 12);
    assert_eq!(block.header.time, SimTime(12_345));
    assert_eq!(block.receipts[0].output, word(GENESIS_TS + 12));
    // Views run in the head block's environment.
    assert_eq!(
        chain.view(alice(), c, Bytes::new()).unwrap(),
        word(GENESIS_TS + 12)
    );
}

#[test]
fn invalid_tx_is_dropped_and_later_nonces_move_down() {
    let mut chain = Chain::new(config(30_000_000));
    let poor = Address::with_last_byte(0x90);
    let broke = Address::with_last_byte(0x91);
    chain.fund(poor, U256::from(10u128.pow(15)));
    // Needs 10M gas x 2 gwei up front: more than the balance.
    let big = chain.submit(
        TxRequest {
            gas_limit: 10_000_000,
            ..req(poor, Address::with_last_byte(0xee), Bytes::new(), 0)
        },
        SimTime(0),
    );
    let small = chain.submit(transfer(poor, 0), SimTime(0));
    let later = chain.submit(transfer(poor, 0), SimTime(0));
    let nothing = chain.submit(transfer(broke, 0), SimTime(0));
    assert_eq!((big.nonce, small.nonce, later.nonce), (0, 1, 2));

    let hold = later.hash;
    let block = chain.build_block(SimTime(12_000), &mut |t: &PendingTx| t.hash != hold);
    let dropped: Vec<B256> = block.dropped.iter().map(|d| d.tx).collect();
    assert_eq!(dropped, vec![big.hash, nothing.hash]);
    assert!(block.dropped.iter().all(|d| !d.reason.is_empty()));
    assert_eq!(block.dropped[1].from, broke);
    assert_eq!(included(&block), vec![small.hash]);
    assert_eq!(block.receipts[0].nonce, 0);
    assert_eq!(chain.pending()[0].hash, later.hash);
    assert_eq!(chain.pending()[0].nonce, 1);

    let block = chain.build_block(SimTime(24_000), &mut all);
    assert_eq!(included(&block), vec![later.hash]);
    assert_eq!(chain.nonce(poor), 2);
}

#[test]
fn packs_by_remaining_gas() {
    let mut chain = funded(config(50_000));
    let a = chain.submit(
        TxRequest {
            gas_limit: 30_000,
            ..transfer(alice(), 10)
        },
        SimTime(0),
    );
    let b = chain.submit(
        TxRequest {
            gas_limit: 30_000,
            ..transfer(bob(), 5)
        },
        SimTime(0),
    );
    let c = chain.submit(transfer(carol(), 1), SimTime(0));
    let block = chain.build_block(SimTime(12_000), &mut all);
    // After a (21 000 used), 29 000 remain: b (limit 30 000) waits, c fits.
    assert_eq!(included(&block), vec![a.hash, c.hash]);
    assert_eq!(block.header.gas_used, 42_000);
    let block = chain.build_block(SimTime(24_000), &mut all);
    assert_eq!(included(&block), vec![b.hash]);

    // A transaction above the block gas limit can never fit: it is dropped.
    let huge = chain.submit(
        TxRequest {
            gas_limit: 60_000,
            ..transfer(alice(), 1)
        },
        SimTime(24_000),
    );
    let block = chain.build_block(SimTime(36_000), &mut all);
    assert_eq!(block.dropped[0].tx, huge.hash);
}

fn scripted_run(chain_id: u64) -> Vec<B256> {
    let mut chain = funded(ChainConfig {
        chain_id,
        ..config(30_000_000)
    });
    let c = deploy(&mut chain, STORE_LOG);
    let mut hashes = Vec::new();
    for i in 1..=5u64 {
        chain.submit(req(alice(), c, word(i), u128::from(i)), SimTime(i * 1000));
        chain.submit(req(bob(), c, word(i * 7), 3), SimTime(i * 1000 + 1));
        chain.submit(transfer(carol(), 2), SimTime(i * 1000 + 2));
        hashes.push(chain.build_block(SimTime(i * 12_000), &mut all).header.hash);
    }
    hashes
}

#[test]
fn identical_chains_produce_identical_hashes() {
    let one = scripted_run(1337);
    assert_eq!(one, scripted_run(1337));
    assert_ne!(one, scripted_run(1338));
}

#[test]
fn raw_evm_runs_the_same_calls() {
    let mut raw = RawEvm::new(1337);
    raw.fund(alice(), U256::from(10u128.pow(18)));
    let runtime = hex::decode(STORE_LOG).unwrap();
    let c = raw.deploy(bob(), initcode(&runtime));
    assert_eq!(c, bob().create(0));
    for nonce in 0..3 {
        let r = raw.transact_commit(alice(), c, word(nonce + 1), nonce);
        assert!(r.success);
        assert!(r.gas_used > 21_000);
    }
}

/// With fees on, the raw benchmark EVM executes what a chain's block executes: the same gas, the
/// same fee taken from the sender and paid to the coinbase.
#[test]
fn raw_evm_with_fees_runs_the_chains_transactions() {
    let tip = 2 * GWEI;
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, STORE_LOG);
    for v in 1..=3 {
        chain.submit(req(alice(), c, word(v), tip), SimTime::ZERO);
    }
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(block.receipts.len(), 3);

    let mut raw = RawEvm::new(1337);
    raw.fund(alice(), U256::from(10u128.pow(18)));
    let rc = raw.deploy(bob(), initcode(&hex::decode(STORE_LOG).unwrap()));
    assert_eq!(rc, c);
    raw.charge_fees(block.header.base_fee as u64, tip, 100_000, coinbase());
    raw.next_block(12);
    for (nonce, r) in (0u64..).zip(&block.receipts) {
        let got = raw.transact_commit(alice(), rc, word(nonce + 1), nonce);
        assert!(got.success);
        assert_eq!(got.gas_used, r.gas_used, "tx {nonce}");
    }
    assert_eq!(raw.balance(alice()), chain.balance(alice()));
    assert_eq!(raw.balance(coinbase()), chain.balance(coinbase()));
    assert!(raw.balance(coinbase()) > U256::ZERO);
}

#[test]
fn empty_transaction_root_is_blake3_of_nothing() {
    assert_eq!(EMPTY_TXS_ROOT, B256::from(*blake3::hash(&[]).as_bytes()));
}

/// A receipt carries the calldata its transaction was submitted with (what a client reading
/// full blocks sees); the mempool entry lends it to the trace until then.
#[test]
fn receipts_carry_the_calldata() {
    let mut chain = funded(config(30_000_000));
    let c = deploy(&mut chain, STORE_LOG);
    let data = word(0x1234_5678);
    let sent = chain.submit(req(alice(), c, data.clone(), 1), SimTime::ZERO);
    assert_eq!(chain.last_pending(alice()).unwrap().hash, sent.hash);
    assert_eq!(chain.last_pending(alice()).unwrap().req.data, data);
    chain.submit(transfer(bob(), 1), SimTime::ZERO);
    let block = chain.build_block(SimTime(12_000), &mut all);
    assert_eq!(block.receipts.len(), 2);
    let mine = block.receipts.iter().find(|r| r.tx == sent.hash).unwrap();
    assert_eq!(mine.input, data);
    let other = block.receipts.iter().find(|r| r.tx != sent.hash).unwrap();
    assert!(other.input.is_empty());
    assert!(chain.last_pending(alice()).is_none());
}
