//! The command line: one module per subcommand. Exit codes: 0 success, 1 an expectation or
//! invariant failed (or a replay diverged), 2 bad input (scenario, trace, arguments).

mod diag;
mod fuzz;
mod payments;
mod payouts;
mod replay;
mod run;
mod sweep;
mod tbtc;
mod trace;
mod validate;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit code for bad input.
pub const BAD_INPUT: i32 = 2;
/// Exit code when the run answered "no" or a replay diverged.
pub const FAILED: i32 = 1;
/// Exit code when the reader of the output closed it early (`crucible trace show T | head`):
/// what a shell reports for a Unix tool stopped by SIGPIPE (128 + 13). Nothing is printed.
pub const CLOSED_PIPE: i32 = 141;

/// The exit code for output that could not be written: [`CLOSED_PIPE`], quietly, when the
/// reader went away; otherwise the error is reported ([`BAD_INPUT`], as for an unwritable
/// output path).
pub fn output_failed(what: &str, e: &std::io::Error) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return CLOSED_PIPE;
    }
    diag::error(format!("cannot write {what}: {e}"));
    BAD_INPUT
}

#[derive(Parser)]
#[command(
    name = "crucible",
    version,
    about = "Deterministic simulation and replay engine for blockchain protocols",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: writes trace.bin, summary.yaml and metrics.csv.
    Run(run::Args),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Re-run the scenario and seed embedded in a trace and compare record by record.
    Replay { trace: PathBuf },
    /// Fuzz protocol invariants with generated scenarios and swarm faults; shrink failures.
    Fuzz(fuzz::Args),
    /// Inspect traces.
    #[command(subcommand)]
    Trace(trace::Command),
    /// Run a scenario over many parameter points and seeds (see `sweeps/`).
    Sweep(sweep::Args),
    /// Recompute the protocols' derived files (payments, payouts) from a trace and compare them
    /// byte for byte with a directory.
    Verify(verify::Args),
    /// BOLD reimbursement payment files (`payments verify TRACE [DIR]`).
    #[command(subcommand)]
    Payments(payments::Command),
    /// tBTC wallet coordination tools (window predictor).
    #[command(subcommand)]
    Tbtc(tbtc::Command),
    /// Payouts pipeline tools (`payouts verify`: invoices, payout CSVs, receipts from a trace).
    #[command(subcommand)]
    Payouts(payouts::Command),
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { BAD_INPUT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Run(args) => run::main(args),
        Command::Validate { files } => validate::main(&files),
        Command::Replay { trace } => replay::main(&trace),
        Command::Fuzz(args) => fuzz::main(args),
        Command::Trace(cmd) => trace::main(cmd),
        Command::Sweep(args) => sweep::main(args),
        Command::Verify(args) => verify::main(args),
        Command::Payments(cmd) => payments::main(cmd),
        Command::Tbtc(cmd) => tbtc::main(cmd),
        Command::Payouts(cmd) => payouts::main(cmd),
    }
}
