//! `crucible replay TRACE`

use super::{diag, BAD_INPUT, FAILED};
use crucible::runner::{replay, ReplayError, ReplayOutcome};
use crucible::trace::render_record;
use std::path::Path;

pub fn main(path: &Path) -> i32 {
    match replay(path) {
        Ok(ReplayOutcome::Match { records, digest }) => {
            println!("replay: match ({records} records, digest {digest})");
            0
        }
        Ok(ReplayOutcome::Diverged {
            index,
            expected,
            actual,
            context,
            header,
        }) => {
            println!("replay: DIVERGED at record {index}");
            for r in &context {
                println!("    {}", render_record(r, &header));
            }
            match expected {
                Some(r) => println!("  recorded: {}", render_record(&r, &header)),
                None => println!("  recorded: (trace ended)"),
            }
            match actual {
                Some(r) => println!("  replayed: {}", render_record(&r, &header)),
                None => println!("  replayed: (run ended)"),
            }
            FAILED
        }
        Err(e @ ReplayError::Scenario(_)) | Err(e @ ReplayError::Trace(_)) => {
            diag::error(format!("{}: {e}", path.display()));
            BAD_INPUT
        }
        Err(e) => {
            diag::error(format!("{}: {e}", path.display()));
            BAD_INPUT
        }
    }
}
