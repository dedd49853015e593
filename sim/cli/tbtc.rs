//! `crucible tbtc window`: predicts one tBTC coordination decision (seed, leader, checklist)
//! without a simulation, to compare with real windows seen in client logs.

use super::{diag, BAD_INPUT};
use crucible::protocols::tbtc::{
    self, checklist::ChecklistParams, coordination_seed, gorand, leader, window, Decision,
};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Seed, leader and actions checklist of one coordination window for one wallet.
    Window(WindowArgs),
}

#[derive(clap::Args)]
pub struct WindowArgs {
    /// Operator of each seat, in seat order, comma-separated (repeat an operator per seat).
    /// Addresses in any case, with or without 0x; normalized to EIP-55 unless --verbatim.
    #[arg(long)]
    operators: String,
    /// The 32-byte coordination seed in hex (instead of --wallet-pkh and --safe-block-hash).
    #[arg(long)]
    seed: Option<String>,
    /// The wallet public key hash (20 bytes hex).
    #[arg(long)]
    wallet_pkh: Option<String>,
    /// Hash of the safe block `w - 32` (32 bytes hex).
    #[arg(long)]
    safe_block_hash: Option<String>,
    /// The coordination block `w`.
    #[arg(long)]
    window_block: u64,
    /// Heartbeat probability p in [0, 1].
    #[arg(long, default_value_t = tbtc::checklist::DEFAULT_HEARTBEAT_PROBABILITY,
          allow_hyphen_values = true)]
    heartbeat_probability: f64,
    /// Sweeps and moving funds are checked every this many windows.
    #[arg(long, default_value_t = tbtc::checklist::DEFAULT_SWEEP_EVERY)]
    sweep_every: u64,
    /// Sort the operator strings as given, without EIP-55 normalization.
    #[arg(long)]
    verbatim: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn main(cmd: Command) -> i32 {
    match cmd {
        Command::Window(args) => match window_cmd(&args) {
            Ok(()) => 0,
            Err(msg) => {
                diag::error(msg);
                BAD_INPUT
            }
        },
    }
}

/// Decodes `0x`-prefixed or bare hex of exactly `N` bytes.
fn parse_hex<const N: usize>(flag: &str, s: &str) -> Result<[u8; N], String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("--{flag}: {c:?} is not a hex digit"));
    }
    if digits.len() != 2 * N {
        return Err(format!(
            "--{flag}: expected {} hex digits ({N} bytes), found {}",
            2 * N,
            digits.len()
        ));
    }
    let bytes = alloy_primitives::hex::decode(digits).map_err(|e| format!("--{flag}: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("--{flag}: expected {N} bytes"))
}

fn window_cmd(a: &WindowArgs) -> Result<(), String> {
    let params = ChecklistParams {
        heartbeat_probability: a.heartbeat_probability,
        sweep_every: a.sweep_every,
    };
    params.validate()?;

    // Surrounding whitespace is dropped from addresses; verbatim strings stay exactly as given.
    let raw: Vec<&str> = a
        .operators
        .split(',')
        .map(|s| if a.verbatim { s } else { s.trim() })
        .collect();
    if raw.iter().all(|s| s.is_empty()) {
        return Err("--operators: the operator list is empty".into());
    }
    if let Some(i) = raw.iter().position(|s| s.is_empty()) {
        return Err(format!("--operators: entry {} is empty", i + 1));
    }
    let seats: Vec<String> = if a.verbatim {
        raw.iter().map(|s| s.to_string()).collect()
    } else {
        leader::normalize_operators(&raw).map_err(|(i, e)| {
            format!(
                "--operators: entry {} ({:?}) is not an address: {e} (use --verbatim for \
                 non-address operator strings)",
                i + 1,
                raw[i]
            )
        })?
    };

    let (seed, pkh, safe_hash) =
        match (&a.seed, &a.wallet_pkh, &a.safe_block_hash) {
            (Some(s), None, None) => (parse_hex::<32>("seed", s)?, None, None),
            (None, Some(p), Some(h)) => {
                let pkh = parse_hex::<20>("wallet-pkh", p)?;
                let hash = parse_hex::<32>("safe-block-hash", h)?;
                (coordination_seed(&pkh, &hash), Some(pkh), Some(hash))
            }
            _ => return Err(
                "give either --seed, or both --wallet-pkh and --safe-block-hash (not both forms)"
                    .into(),
            ),
        };

    let d = tbtc::decide(&seats, &seed, a.window_block, &params)
        .ok_or("--operators: the operator list is empty")?;
    if a.json {
        println!("{}", to_json(&d, a, &params, pkh, safe_hash));
    } else {
        print_human(&d, &params);
    }
    Ok(())
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", alloy_primitives::hex::encode(b))
}

fn to_json(
    d: &Decision,
    a: &WindowArgs,
    params: &ChecklistParams,
    pkh: Option<[u8; 20]>,
    safe_hash: Option<[u8; 32]>,
) -> serde_json::Value {
    let w = window::Window::new(d.window_block);
    json!({
        "seed": hex0x(&d.seed),
        "wallet_pkh": pkh.map(|p| hex0x(&p)),
        "safe_block_hash": safe_hash.map(|h| hex0x(&h)),
        "window_block": d.window_block,
        "window_index": d.window_index,
        "valid_window": d.valid(),
        "safe_block": w.map(|w| w.safe_block()),
        "active_phase_end": w.map(|w| w.active_end()),
        "action_start": w.map(|w| w.action_start()),
        "go_seed": d.go_seed,
        "go_seed_reduced": d.go_seed_reduced,
        "verbatim": a.verbatim,
        "operators_sorted": d.leader.sorted,
        "operators_shuffled": d.leader.shuffled,
        "leader": d.leader.leader,
        "leader_sender_seat": d.leader_seat,
        "heartbeat_probability": params.heartbeat_probability,
        "sweep_every": params.sweep_every,
        "heartbeat_draw": d.heartbeat_draw,
        "heartbeat": d.heartbeat(),
        "checklist": d.checklist.iter().map(|x| x.name()).collect::<Vec<_>>(),
        "checklist_wire": d.checklist.iter().map(|x| x.wire()).collect::<Vec<_>>(),
    })
}

fn print_human(d: &Decision, params: &ChecklistParams) {
    println!("seed         {}", hex0x(&d.seed));
    println!(
        "go seed      {} (reduced {})",
        d.go_seed,
        gorand::reduce_seed(d.go_seed)
    );
    match window::Window::new(d.window_block) {
        Some(w) => println!(
            "window       block {} index {} (safe block {}, active until {}, actions start {})",
            w.block(),
            w.index(),
            w.safe_block(),
            w.active_end(),
            w.action_start()
        ),
        None => println!(
            "window       block {} is not a coordination window (index 0): no coordination",
            d.window_block
        ),
    }
    println!(
        "leader       {} (seat {}, among {} operators)",
        d.leader.leader,
        d.leader_seat,
        d.leader.sorted.len()
    );
    println!(
        "heartbeat    draw {} vs p = {} -> {}",
        d.heartbeat_draw,
        params.heartbeat_probability,
        if d.heartbeat() { "yes" } else { "no" }
    );
    let names: Vec<&str> = d.checklist.iter().map(|x| x.name()).collect();
    println!(
        "checklist    {}",
        if names.is_empty() {
            "(empty)".to_string()
        } else {
            names.join(", ")
        }
    );
}
