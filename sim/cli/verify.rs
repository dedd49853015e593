//! `crucible verify TRACE DIR [--protocol P]`: recompute the protocols' derived files (payment
//! files, payout CSVs) from a trace alone and compare them byte for byte with a directory.

use super::{diag, BAD_INPUT, FAILED};
use crucible::derived::{compare, derive, RunTrace};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The recorded trace (trace.bin).
    pub trace: PathBuf,
    /// Directory holding the files to check (default: the trace's directory).
    pub dir: Option<PathBuf>,
    /// Only this protocol's files.
    #[arg(long)]
    pub protocol: Option<String>,
}

pub fn main(args: Args) -> i32 {
    if let Some(p) = &args.protocol {
        if crucible::protocols::find(p).is_none() {
            diag::error(format!("unknown protocol `{p}`"));
            return BAD_INPUT;
        }
    }
    let dir = args.dir.clone().unwrap_or_else(|| {
        args.trace
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| p.to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."))
    });
    if !dir.is_dir() {
        diag::error(format!("{}: not a directory", dir.display()));
        return BAD_INPUT;
    }
    let run = match RunTrace::read(&args.trace) {
        Ok(r) => r,
        Err(e) => {
            diag::error(format!("{}: {e}", args.trace.display()));
            return BAD_INPUT;
        }
    };
    let files = match derive(&run, args.protocol.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            diag::error(format!("{}: {e}", args.trace.display()));
            return FAILED;
        }
    };
    if files.is_empty() {
        println!("verify: the trace's protocols derive no files; nothing to compare");
        return 0;
    }
    let mismatches = compare(&dir, &files);
    for m in &mismatches {
        println!("  {m}");
    }
    if mismatches.is_empty() {
        println!(
            "verify: match ({} files recomputed from {} records)",
            files.len(),
            run.records.len()
        );
        0
    } else {
        println!(
            "verify: {} of {} files differ from the trace",
            mismatches.len(),
            files.len()
        );
        FAILED
    }
}
