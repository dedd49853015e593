//! `crucible trace show | export --jsonl | summary | diff`

use super::{diag, output_failed, BAD_INPUT, FAILED};
use crucible::trace::{
    first_divergence, render_record, write_jsonl, CheckKind, Record, TraceError, TraceReader,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print records one per line.
    Show {
        trace: PathBuf,
        /// Print at most this many records.
        #[arg(long)]
        limit: Option<u64>,
        /// Skip this many records first.
        #[arg(long, default_value_t = 0)]
        skip: u64,
    },
    /// Export as JSON lines (header, one object per record, footer).
    Export {
        trace: PathBuf,
        /// JSON lines (the only format so far; accepted for clarity).
        #[arg(long)]
        jsonl: bool,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Counts, actors, contracts, checks and the digest of a trace.
    Summary { trace: PathBuf },
    /// Print the first record where two traces differ, with context.
    Diff { a: PathBuf, b: PathBuf },
    /// Raiden: what a monitoring service knew and did, as JSON (the seed draft's REST reads).
    Query {
        trace: PathBuf,
        /// `balance-proofs`, `channel-updates` or `stats`.
        what: RaidenQuery,
        /// Only this monitoring service (actor name).
        #[arg(long)]
        ms: Option<String>,
        /// Only this channel identifier.
        #[arg(long)]
        channel: Option<u64>,
        /// As of this simulated time in seconds (default: the end of the trace).
        #[arg(long)]
        at: Option<u64>,
    },
}

/// The questions `trace query` answers.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RaidenQuery {
    BalanceProofs,
    ChannelUpdates,
    Stats,
}

pub fn main(cmd: Command) -> i32 {
    let res = match cmd {
        Command::Show { trace, limit, skip } => show(&trace, skip, limit),
        Command::Export {
            trace,
            jsonl: _,
            output,
        } => export(&trace, output.as_deref()),
        Command::Summary { trace } => summary(&trace),
        Command::Diff { a, b } => diff(&a, &b),
        Command::Query {
            trace,
            what,
            ms,
            channel,
            at,
        } => query(&trace, what, ms, channel, at),
    };
    match res {
        Ok(code) => code,
        Err((path, e)) => {
            diag::error(format!("{}: {e}", path.display()));
            BAD_INPUT
        }
    }
}

type Res = Result<i32, (PathBuf, TraceError)>;

fn query(
    path: &Path,
    what: RaidenQuery,
    ms: Option<String>,
    channel: Option<u64>,
    at: Option<u64>,
) -> Res {
    use crucible::protocols::raiden::query::{query, Filter, Query};
    let mut r = open(path)?;
    let header = r.header().clone();
    let mut records = Vec::new();
    while let Some(rec) = r.next_record().map_err(|e| (path.to_path_buf(), e))? {
        records.push(rec);
    }
    let q = match what {
        RaidenQuery::BalanceProofs => Query::BalanceProofs,
        RaidenQuery::ChannelUpdates => Query::ChannelUpdates,
        RaidenQuery::Stats => Query::Stats,
    };
    let filter = Filter {
        ms,
        channel,
        at_ms: at.map(|s| s.saturating_mul(1000)),
    };
    let out = query(&header, &records, q, &filter);
    println!(
        "{}",
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| "[]".into())
    );
    Ok(0)
}

/// A trace writing error as the I/O error it is (keeping its kind, e.g. a closed pipe).
fn io_error(e: TraceError) -> std::io::Error {
    match e {
        TraceError::Io(io) => std::io::Error::new(io.kind(), io.to_string()),
        other => std::io::Error::other(other),
    }
}

fn open(
    path: &Path,
) -> Result<TraceReader<std::io::BufReader<std::fs::File>>, (PathBuf, TraceError)> {
    TraceReader::open_path(path).map_err(|e| (path.to_path_buf(), e))
}

fn show(path: &Path, skip: u64, limit: Option<u64>) -> Res {
    let mut r = open(path)?;
    let header = r.header().clone();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut i = 0u64;
    let mut shown = 0u64;
    while let Some(rec) = r.next_record().map_err(|e| (path.to_path_buf(), e))? {
        if i >= skip && limit.is_none_or(|l| shown < l) {
            if let Err(e) = writeln!(out, "{i:>7}  {}", render_record(&rec, &header)) {
                return Ok(output_failed("the records", &e));
            }
            shown += 1;
        }
        i += 1;
    }
    Ok(0)
}

fn export(path: &Path, output: Option<&Path>) -> Res {
    let mut r = open(path)?;
    let header = r.header().clone();
    let mut records = Vec::new();
    while let Some(rec) = r.next_record().map_err(|e| (path.to_path_buf(), e))? {
        records.push(rec);
    }
    let footer = r.footer().cloned().expect("footer after the last record");
    let result = match output {
        Some(o) => std::fs::File::create(o).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            write_jsonl(&header, records.iter(), &footer, &mut w).map_err(io_error)?;
            w.flush()
        }),
        None => {
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            write_jsonl(&header, records.iter(), &footer, &mut w).map_err(io_error)
        }
    };
    match result {
        Ok(()) => Ok(0),
        Err(e) => Ok(output_failed("the export", &e)),
    }
}

fn summary(path: &Path) -> Res {
    let mut r = open(path)?;
    let h = r.header().clone();
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut per_actor: BTreeMap<u32, u64> = BTreeMap::new();
    let mut reverted = 0u64;
    let mut last_t = 0u64;
    let mut failed_checks = Vec::new();
    while let Some(rec) = r.next_record().map_err(|e| (path.to_path_buf(), e))? {
        last_t = last_t.max(rec.time());
        let kind = match &rec {
            Record::Block { .. } => "block",
            Record::TxSubmitted { actor, .. } => {
                *per_actor.entry(*actor).or_insert(0) += 1;
                "tx_submitted"
            }
            Record::TxIncluded { outcome, .. } => {
                if !matches!(outcome, crucible::trace::Outcome::Success) {
                    reverted += 1;
                }
                "tx_included"
            }
            Record::TxDropped { .. } => "tx_dropped",
            Record::Log { .. } => "log",
            Record::MsgSent { .. } => "msg_sent",
            Record::MsgDelivered { .. } => "msg_delivered",
            Record::MsgDropped { .. } => "msg_dropped",
            Record::Timer { .. } => "timer",
            Record::Fault { .. } => "fault",
            Record::Check {
                name,
                ok,
                kind,
                detail,
                t,
            } => {
                if !ok {
                    let k = match kind {
                        CheckKind::Always => "always",
                        CheckKind::Eventually => "eventually",
                        CheckKind::Sometimes => "sometimes",
                    };
                    failed_checks.push(format!(
                        "{name} ({k}) at {}: {detail}",
                        crucible::engine::SimTime(*t)
                    ));
                }
                "check"
            }
            Record::Note { .. } => "note",
            Record::Metric { .. } => "metric",
        };
        *kinds.entry(kind).or_insert(0) += 1;
    }
    let footer = r.footer().cloned().expect("footer after the last record");
    println!("trace:     {}", path.display());
    println!(
        "format:    v{} (engine {}, revm {})",
        h.format_version, h.engine_version, h.revm_version
    );
    println!("scenario:  {}", h.scenario_path);
    println!("seed:      {}", h.seed);
    println!("simulated: {}", crucible::engine::SimTime(last_t));
    for c in &h.chains {
        println!("chain:     {} (id {}, {})", c.name, c.chain_id, c.hardfork);
    }
    for c in &h.contracts {
        println!(
            "contract:  {} at {} on {} (code {})",
            c.name, c.address, h.chains[c.chain as usize].name, c.code_hash
        );
    }
    println!("actors:    {}", h.actors.len());
    for (i, a) in h.actors.iter().enumerate() {
        println!(
            "  {:<28} {:<28} {}  txs={}",
            a.name,
            a.kind,
            a.address,
            per_actor.get(&(i as u32)).copied().unwrap_or(0)
        );
    }
    println!("records:   {}", footer.records);
    for (k, n) in &kinds {
        println!("  {k:<14} {n}");
    }
    println!("reverted:  {reverted}");
    if failed_checks.is_empty() {
        println!("checks:    no failures");
    } else {
        println!("checks:    {} failures", failed_checks.len());
        for f in &failed_checks {
            println!("  {f}");
        }
    }
    println!("digest:    {}", footer.digest);
    Ok(0)
}

fn diff(a: &Path, b: &Path) -> Res {
    let mut ra = open(a)?;
    let mut rb = open(b)?;
    let header = ra.header().clone();
    let ia = std::iter::from_fn(|| ra.next_record().transpose());
    let ib = std::iter::from_fn(|| rb.next_record().transpose());
    match first_divergence(ia, ib) {
        Ok(None) => {
            println!("traces are identical");
            Ok(0)
        }
        Ok(Some(d)) => {
            println!("traces diverge at record {}", d.index);
            for r in &d.context {
                println!("    {}", render_record(r, &header));
            }
            match &d.left {
                Some(r) => println!("  {}: {}", a.display(), render_record(r, &header)),
                None => println!("  {}: (ended)", a.display()),
            }
            match &d.right {
                Some(r) => println!("  {}: {}", b.display(), render_record(r, &header)),
                None => println!("  {}: (ended)", b.display()),
            }
            Ok(FAILED)
        }
        Err(e) => Err((
            PathBuf::from(format!("{} / {}", a.display(), b.display())),
            e,
        )),
    }
}
