//! The regression corpus: shrunk failures written as runnable scenarios into
//! `tests/regressions/<protocol>/`, which the test suite replays before it fuzzes.
//!
//! A regression file is an ordinary scenario. Its `expect` block states what the replay must
//! show, so `crucible run FILE` exits 0 exactly when the file's status still holds:
//!
//! * **open** (as written): `expect: { violations: [INVARIANT], invariants: none }` — the bug is
//!   not fixed; the scenario must still violate the invariant. When a fix makes it pass, the
//!   replay fails and says so: whoever fixed the bug flips the file to *fixed*.
//! * **fixed**: `expect: { invariants: [...] }` listing the protocol's `always` and `eventually`
//!   invariants — the scenario must now run clean, and stays in the corpus as a guard.
//!
//! The comment block on top names the invariant, the case it came from, the original and shrunk
//! sizes, the swarm, and the one-line reproduction command.

use super::case::Case;
use super::run::PANIC;
use super::shrink::Shrunk;
use std::path::{Path, PathBuf};

/// What a campaign needs to say about where a failure came from.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The `crucible fuzz ...` command that regenerates the original case.
    pub command: String,
}

/// File name of a regression: invariant (without the protocol prefix) and case seed.
pub fn file_name(case: &Case, invariant: &str) -> String {
    let short = invariant
        .split_once('.')
        .map(|(_, r)| r)
        .unwrap_or(invariant)
        .replace(['.', '_'], "-");
    format!("{short}-{:016x}.yaml", case.seed)
}

/// The regression scenario text for a shrunk failure, stored at `path` (used in the comment's
/// reproduction command).
pub fn regression_yaml(shrunk: &Shrunk, origin: &Origin, path: &str) -> String {
    let case = &shrunk.case;
    let violation = &shrunk.violation;
    let inv = violation.invariant.as_str();
    let status = if inv == PANIC {
        "# status: open (the run panics, so replaying this file fails until the panic is fixed;\n\
         #   then keep `expect` as it is).\n"
            .to_string()
    } else {
        format!(
            "# status: open (the run must still violate {inv}; once fixed, replace `expect` with\n\
             #   `expect: {{ invariants: [<the protocol's always and eventually invariants>] }}`).\n"
        )
    };
    let head = format!(
        "# Regression found by `crucible fuzz`: {inv} violated.\n\
         {status}\
         # first violation: {detail}\n\
         # original case: {original}; shrunk: {shrunk_size} ({steps} steps, {runs} runs).\n\
         # swarm of the original case: {swarm}\n\
         # found by: {command}\n\
         # reproduce: crucible run {path}\n",
        detail = violation.detail.replace('\n', " "),
        original = shrunk.original,
        shrunk_size = case.size(),
        steps = shrunk.steps,
        runs = shrunk.runs,
        swarm = case.swarm,
        command = origin.command,
    );
    let name = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "regression".into());
    let expect = if inv == PANIC {
        "expect:\n  invariants: none\n".to_string()
    } else {
        format!("expect:\n  violations: [{inv}]\n  invariants: none\n")
    };
    case.to_yaml(
        &format!("regression-{}-{name}", case.protocol),
        &format!(
            "Does this shrunk {} case still violate {inv}?",
            case.protocol
        ),
        &head,
        &expect,
    )
}

/// Writes the regression of a shrunk failure under `dir/<protocol>/` and returns its path.
pub fn write(dir: &Path, shrunk: &Shrunk, origin: &Origin) -> std::io::Result<PathBuf> {
    let folder = dir.join(&shrunk.case.protocol);
    std::fs::create_dir_all(&folder)?;
    let path = folder.join(file_name(&shrunk.case, &shrunk.violation.invariant));
    let text = regression_yaml(shrunk, origin, &path.display().to_string());
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Every regression file under `dir` (`dir/<protocol>/*.yaml`), sorted.
pub fn corpus(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir)? {
        let sub = entry?.path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub)? {
            let f = f?.path();
            if f.extension().is_some_and(|e| e == "yaml") {
                out.push(f);
            }
        }
    }
    out.sort();
    Ok(out)
}
