//! Running one case: render it to YAML, load it with the ordinary scenario loader, run it with
//! every `always` invariant after every block and the `eventually` ones after the fault-free quiet
//! period, stopping at the first violation. A panic inside the run is caught and reported as a
//! failure of its own (`panic`), so the campaign goes on.

use super::case::Case;
use crate::check::CheckStatus;
use crate::engine::world::RunOptions;
use crate::runner::run_digest_only;
use crate::scenario::load_str;
use crate::trace::CheckKind;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Name under which a panic inside a run is reported.
pub const PANIC: &str = "panic";

/// The first invariant a case violated.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Qualified invariant name, or [`PANIC`].
    pub invariant: String,
    /// Simulated ms of the violation.
    pub at: u64,
    pub detail: String,
}

/// What one case did.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseOutcome {
    pub violation: Option<Violation>,
    /// `sometimes` properties of the run, with whether the run reached them.
    pub sometimes: Vec<(String, bool)>,
    /// Digest of the run (the same case always gives the same digest).
    pub digest: String,
}

/// Why a case could not run at all: the generator produced a scenario the loader or the
/// protocol rejects (a bug in the protocol's fuzz space).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("generated scenario is invalid: {0}")]
pub struct InvalidCase(pub String);

/// Scenario name of a case (also its file name in messages).
pub fn case_name(case: &Case) -> String {
    format!("fuzz-{}-{:016x}", case.protocol, case.seed)
}

/// The case as a scenario for running (no expectations: the runner reads the checks directly).
pub fn case_yaml(case: &Case) -> String {
    case.to_yaml(
        &case_name(case),
        &format!("generated {} case", case.protocol),
        "",
        "",
    )
}

/// Runs `case` once.
pub fn run_case(case: &Case) -> Result<CaseOutcome, InvalidCase> {
    let yaml = case_yaml(case);
    let file = format!("{}.yaml", case_name(case));
    let sc = load_str(&yaml, &file).map_err(|e| InvalidCase(e.to_string()))?;
    let opts = RunOptions {
        stop_on_violation: true,
    };
    let result = match catch_unwind(AssertUnwindSafe(|| run_digest_only(&sc, sc.seed, opts))) {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(InvalidCase(e.to_string())),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-text panic payload".into());
            return Ok(CaseOutcome {
                violation: Some(Violation {
                    invariant: PANIC.into(),
                    at: 0,
                    detail: msg,
                }),
                sometimes: Vec::new(),
                digest: String::new(),
            });
        }
    };
    let violation = result
        .checks
        .iter()
        .filter(|c| c.kind != CheckKind::Sometimes && c.status == CheckStatus::Violated)
        .min_by_key(|c| c.at.unwrap_or(u64::MAX))
        .map(|c| Violation {
            invariant: c.name.clone(),
            at: c.at.unwrap_or(0),
            detail: c.detail.clone().unwrap_or_default(),
        });
    let sometimes = result
        .checks
        .iter()
        .filter(|c| c.kind == CheckKind::Sometimes)
        .map(|c| (c.name.clone(), c.status == CheckStatus::Reached))
        .collect();
    Ok(CaseOutcome {
        violation,
        sometimes,
        digest: result.digest.to_string(),
    })
}
