//! `crucible payouts verify TRACE [DIR]`: recompute the payouts pipeline's invoices, payout CSVs
//! and receipts from a trace and compare them byte for byte — `crucible verify --protocol
//! payouts` under the pipeline's own name.

use super::verify;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Recompute invoices.csv, payouts/<period>/*.csv and receipts.csv from a trace and report
    /// every byte difference with DIR.
    Verify {
        /// The recorded trace (trace.bin).
        trace: PathBuf,
        /// Directory holding the files (default: the trace's directory).
        dir: Option<PathBuf>,
    },
}

pub fn main(cmd: Command) -> i32 {
    match cmd {
        Command::Verify { trace, dir } => verify::main(verify::Args {
            trace,
            dir,
            protocol: Some("payouts".into()),
        }),
    }
}
