//! `crucible payments verify TRACE [DIR]`: the BOLD reimbursement cross-check (spec §8.4) —
//! recompute the payment files from the trace alone and report any byte difference. A thin
//! alias of `crucible verify TRACE DIR --protocol bold`.

use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Recompute the BOLD payment files from a trace and compare them byte for byte.
    Verify {
        /// The recorded trace (trace.bin).
        trace: PathBuf,
        /// Directory holding `payments/` (default: the trace's directory).
        dir: Option<PathBuf>,
    },
}

pub fn main(cmd: Command) -> i32 {
    match cmd {
        Command::Verify { trace, dir } => super::verify::main(super::verify::Args {
            trace,
            dir,
            protocol: Some("bold".into()),
        }),
    }
}
