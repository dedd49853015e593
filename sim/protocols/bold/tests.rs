//! Contract-against-Rust tests: event topics, ids, bisection heights, the commitment checks,
//! the toy machine and assertion hashes computed by the Solidity equal the Rust mirrors.

use super::bindings::{conv, ecm, osp, rollup, Ecm, Rollup};
use super::history::{self, mandatory_bisection_height};
use super::truth::{assertion_hash, Heights, StateData, Truth};
use crate::chain::{BaseFeeRule, Chain, ChainConfig};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};

fn chain() -> Chain {
    Chain::new(ChainConfig {
        name: "l1".into(),
        chain_id: 1,
        block_time_ms: 12_000,
        gas_limit: 30_000_000,
        base_fee: BaseFeeRule {
            initial_wei: 1,
            elasticity: 2,
            max_change_denominator: 8,
            min_wei: 1,
        },
        spikes: Vec::new(),
        genesis_timestamp: 0,
        coinbase: Address::repeat_byte(0xcb),
    })
}

fn deployer() -> Address {
    Address::repeat_byte(0xde)
}

/// A manager with heights 4/4/4 (n = 1) and no rollup behind it (pure views only).
fn manager(c: &mut Chain) -> Address {
    let ctor = Ecm::constructorCall {
        assertionChain_: Address::repeat_byte(1),
        challengePeriodBlocks_: 40,
        oneStepProofEntry_: Address::repeat_byte(2),
        layerZeroBlockEdgeHeight: U256::from(4),
        layerZeroBigStepEdgeHeight: U256::from(4),
        layerZeroSmallStepEdgeHeight: U256::from(4),
        stakeToken_: Address::ZERO,
        excessStakeReceiver_: Address::repeat_byte(3),
        numBigStepLevel: 1,
        stakeAmounts_: vec![U256::ZERO; 3],
    };
    let mut code = Ecm::BYTECODE.to_vec();
    code.extend(ctor.abi_encode());
    c.deploy(deployer(), code.into()).expect("deploys").address
}

fn view<C: SolCall>(c: &mut Chain, to: Address, call: &C) -> Result<C::Return, Bytes> {
    match c.view(deployer(), to, call.abi_encode().into()) {
        Ok(out) => Ok(C::abi_decode_returns(&out).expect("decodes")),
        Err(crate::chain::ViewError::Revert(data)) => Err(data),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn event_topics_match_the_spec() {
    let cases: [(B256, &str); 10] = [
        (rollup::BoldRollup::AssertionCreated::SIGNATURE_HASH, "AssertionCreated(bytes32,bytes32,((bytes32,bytes32,(bytes32,uint256,address,uint64,uint64)),((bytes32[2],uint64[2]),uint8,bytes32),((bytes32[2],uint64[2]),uint8,bytes32)),bytes32,uint256,bytes32,uint256,address,uint64)"),
        (rollup::BoldRollup::AssertionConfirmed::SIGNATURE_HASH, "AssertionConfirmed(bytes32,bytes32,bytes32)"),
        (rollup::BoldRollup::UserStakeUpdated::SIGNATURE_HASH, "UserStakeUpdated(address,address,uint256,uint256)"),
        (rollup::BoldRollup::UserWithdrawableFundsUpdated::SIGNATURE_HASH, "UserWithdrawableFundsUpdated(address,uint256,uint256)"),
        (ecm::EdgeChallengeManager::EdgeAdded::SIGNATURE_HASH, "EdgeAdded(bytes32,bytes32,bytes32,bytes32,uint256,uint8,bool,bool)"),
        (ecm::EdgeChallengeManager::EdgeBisected::SIGNATURE_HASH, "EdgeBisected(bytes32,bytes32,bytes32,bool)"),
        (ecm::EdgeChallengeManager::EdgeConfirmedByTime::SIGNATURE_HASH, "EdgeConfirmedByTime(bytes32,bytes32,uint256)"),
        (ecm::EdgeChallengeManager::EdgeConfirmedByOneStepProof::SIGNATURE_HASH, "EdgeConfirmedByOneStepProof(bytes32,bytes32)"),
        (ecm::EdgeChallengeManager::TimerCacheUpdated::SIGNATURE_HASH, "TimerCacheUpdated(bytes32,uint256)"),
        (ecm::EdgeChallengeManager::EdgeRefunded::SIGNATURE_HASH, "EdgeRefunded(bytes32,bytes32,address,uint256)"),
    ];
    for (topic, canonical) in cases {
        assert_eq!(topic, keccak256(canonical.as_bytes()), "{canonical}");
    }
    // indexed flags: EdgeAdded has three indexed topics (plus topic0)
    let added = ecm::EdgeChallengeManager::EdgeAdded {
        edgeId: B256::repeat_byte(1),
        mutualId: B256::repeat_byte(2),
        originId: B256::repeat_byte(3),
        claimId: B256::ZERO,
        length: U256::from(1),
        level: 0,
        hasRival: false,
        isLayerZero: true,
    };
    assert_eq!(added.encode_topics().len(), 4);
}

#[test]
fn mandatory_bisection_height_equals_the_contract() {
    let mut c = chain();
    let m = manager(&mut c);
    for start in 0..40u64 {
        for end in start..start + 40 {
            let got = view(
                &mut c,
                m,
                &Ecm::mandatoryBisectionHeightCall {
                    start: U256::from(start),
                    end: U256::from(end),
                },
            );
            match mandatory_bisection_height(start, end) {
                Some(h) => assert_eq!(got, Ok(U256::from(h)), "({start},{end})"),
                None => assert!(got.is_err(), "({start},{end}) must revert"),
            }
        }
    }
}

#[test]
fn edge_and_mutual_ids_equal_the_contract() {
    let mut c = chain();
    let m = manager(&mut c);
    for i in 0..20u8 {
        let (level, origin, s, sr, e, er) = (
            i % 3,
            keccak256([i]),
            i as u64 * 3,
            keccak256([i, 1]),
            i as u64 * 3 + 1 + i as u64,
            keccak256([i, 2]),
        );
        let mutual = view(
            &mut c,
            m,
            &Ecm::calculateMutualIdCall {
                level,
                originId: origin,
                startHeight: U256::from(s),
                startHistoryRoot: sr,
                endHeight: U256::from(e),
            },
        )
        .unwrap();
        assert_eq!(mutual, history::mutual_id(level, origin, s, sr, e));
        let id = view(
            &mut c,
            m,
            &Ecm::calculateEdgeIdCall {
                level,
                originId: origin,
                startHeight: U256::from(s),
                startHistoryRoot: sr,
                endHeight: U256::from(e),
                endHistoryRoot: er,
            },
        )
        .unwrap();
        assert_eq!(id, history::edge_id(mutual, er));
    }
}

#[test]
fn toy_step_and_assertion_hash_equal_the_contracts() {
    let mut c = chain();
    let prover = c
        .deploy(deployer(), osp::ToyOneStepProver::BYTECODE.clone())
        .unwrap()
        .address;
    let seed = keccak256(b"seed");
    for k in [0u64, 1, 7, 255] {
        let x = keccak256(k.to_be_bytes());
        let got = view(
            &mut c,
            prover,
            &osp::ToyOneStepProver::proveOneStepCall {
                seed,
                step: U256::from(k),
                before: x,
            },
        )
        .unwrap();
        assert_eq!(got, history::step(history::step_tag(), x, k, seed));
    }
    let ctor = Rollup::constructorCall {
        stakeToken_: Address::repeat_byte(9),
        baseStake_: U256::from(10),
        confirmPeriodBlocks_: 40,
        challengeGracePeriodBlocks_: 5,
        minimumAssertionPeriod_: 1,
        loserStakeEscrow_: Address::repeat_byte(8),
        wasmModuleRoot_: seed,
    };
    let mut code = Rollup::BYTECODE.to_vec();
    code.extend(ctor.abi_encode());
    let r = c.deploy(deployer(), code.into()).unwrap().address;
    let state = StateData {
        block_state: keccak256(b"s"),
        inbox_pos: 3,
        end_history_root: keccak256(b"r"),
    };
    let parent = keccak256(b"p");
    let acc = history::inbox_acc(2);
    let got = view(
        &mut c,
        r,
        &Rollup::computeAssertionHashCall {
            prevAssertionHash: parent,
            state: conv::rollup_state(&state),
            inboxAcc: acc,
        },
    )
    .unwrap();
    assert_eq!(got, assertion_hash(parent, &state, acc));
}

#[test]
fn refinement_leaves_meet_their_claims() {
    // Leaves 0 and H of a refinement equal the start and end leaves of the claimed edge, at
    // every level, for n = 1 and n = 3.
    for heights in [
        Heights {
            block: 4,
            big: 4,
            small: 4,
            n: 1,
        },
        Heights {
            block: 4,
            big: 2,
            small: 4,
            n: 3,
        },
    ] {
        let t = Truth::new(heights, keccak256(b"m"), keccak256(b"g"), None);
        let mut lane = t.block_lane(1);
        let mut j = 1;
        while lane.level < heights.small_level() {
            let up = t.lane(&lane);
            let sub = t.refine(&lane, j);
            let h = t.lane(&sub);
            assert_eq!(h.leaves[0], up.leaves[j as usize]);
            assert_eq!(
                *h.leaves.last().unwrap(),
                up.leaves[j as usize + 1],
                "level {}",
                sub.level
            );
            lane = sub;
            j = 1;
        }
    }
}

#[test]
fn evil_history_diverges_where_asked() {
    use super::truth::Divergence;
    let heights = Heights {
        block: 4,
        big: 4,
        small: 4,
        n: 1,
    };
    let seed = keccak256(b"m");
    let g = keccak256(b"g");
    let honest = Truth::new(heights, seed, g, None);
    let evil = Truth::new(
        heights,
        seed,
        g,
        Some(Divergence {
            assertion: 1,
            block: 2,
            step: 5,
            salt: 0,
        }),
    );
    let (h, e) = (honest.block_history(1), evil.block_history(1));
    assert_eq!(h.leaves[..2], e.leaves[..2]);
    assert!(h.leaves[2..]
        .iter()
        .zip(&e.leaves[2..])
        .all(|(a, b)| a != b));
    let (hr, er) = (honest.run(1, 1), evil.run(1, 1));
    assert_eq!(hr[..=5], er[..=5]);
    assert_ne!(hr[6], er[6]);
}

#[test]
fn bad_parameters_are_clear_located_errors() {
    use crate::protocols::Protocol;
    use crate::scenario::yaml::parse;
    let cases = [
        (
            "chain: l1\nheights: [4, 3, 4]\n",
            "not a power of two",
            Some(2),
        ),
        ("chain: l1\nbig_step_levels: 2\n", "stake_amounts", None),
        (
            "chain: l1\nstake_amounts: [0, 1]\n",
            "needs 3 entries",
            Some(2),
        ),
        ("chain: l1\nbig_step_levels: 0\n", "1..=253", Some(2)),
        (
            "chain: l1\nchallenge_period_blocks: 0\n",
            "at least one block",
            Some(2),
        ),
        ("chain: l1\nprofil: tiny\n", "profile", None),
        ("chain: l1\nprofile: huge\n", "huge", None),
    ];
    for (text, needle, line) in cases {
        let node = parse(text).unwrap();
        let err = super::BOLD.parse(&node).expect_err(text);
        let shown = err.to_string();
        assert!(shown.contains(needle), "{text}: {shown}");
        if let Some(line) = line {
            assert!(shown.starts_with(&format!("{line}:")), "{text}: {shown}");
        }
    }
    let actor = |kind: &str, text: &str| {
        super::BOLD
            .parse_actor(kind, &parse(text).unwrap())
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert!(actor("evil_proposer", "block: 0\n")
        .unwrap_err()
        .contains("starts at 1"));
    assert!(actor("evil_proposer", "assertion: 0\n")
        .unwrap_err()
        .contains("inbox position"));
    assert!(actor("defender", "every: 0\n")
        .unwrap_err()
        .contains("at least one block"));
    assert!(actor("evil_proposer", "positon: first\n")
        .unwrap_err()
        .contains("position"));
    assert!(actor("evil_proposer", "position: first\nblock: 2\n").is_ok());
    let bad = actor("defender", "every: 1\ntimer_batching: by_level\n").unwrap_err();
    assert!(bad.starts_with("2:"), "{bad}");
    assert!(
        bad.contains("by_level") && bad.contains("per_edge") && bad.contains("canonical"),
        "{bad}"
    );
    assert!(actor("defender", "timer_batching: per_edge\n").is_ok());
    assert!(actor("defender", "timer_batching: canonical\n").is_ok());
}
