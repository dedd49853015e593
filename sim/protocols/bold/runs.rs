//! The shape of the canonical timer updates (spec §8.2) along one root-to-leaf path of an
//! essential root's honest subtree, shared by the honest defender (which emits them) and
//! spec-mode reimbursement (which pays only them), so that the two cannot drift apart.

/// `topdown[i]` = `bonus` + the sum of `weight(k)` over `k < i`: the weight of path\[i\]'s
/// strict ancestors up to the root (the root counts its own time), saturating.
pub fn topdown(len: usize, bonus: u128, weight: impl Fn(usize) -> u128) -> Vec<u128> {
    let mut out = Vec::with_capacity(len);
    let mut acc = bonus;
    for i in 0..len {
        out.push(acc);
        acc = acc.saturating_add(weight(i));
    }
    out
}

/// The maximal same-level runs of a path of `len` edges, leaf first: each run lists its
/// indices bottom-up and ends with its top (index 0, or an edge reached by a claim link, i.e. a
/// refinement). Between a run whose top is `j > 0` and the next run stands the level boundary
/// `(j − 1, j)`: path\[j − 1\] is the terminal that path\[j\] refines, updated by claim and in
/// no run. `claim(i)`: path\[i\] was reached from path\[i − 1\] by a claim link.
pub fn same_level_runs(len: usize, claim: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut runs = Vec::new();
    let Some(mut i) = len.checked_sub(1) else {
        return runs;
    };
    loop {
        let mut run = vec![i];
        let mut j = i;
        while j > 0 && !claim(j) {
            j -= 1;
            run.push(j);
        }
        runs.push(run);
        if j <= 1 {
            break;
        }
        // The terminal path[j − 1] is updated by claim; its parent starts the run above.
        i = j - 2;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_claim_links_and_skip_the_terminals() {
        // root 0, bisection children 1, 2; 3 refines terminal 2; 4, 5 below; 6 refines 5.
        let claims = [true, false, false, true, false, false, true];
        let runs = same_level_runs(claims.len(), |i| claims[i]);
        assert_eq!(runs, vec![vec![6], vec![4, 3], vec![1, 0]]);
        // A single-level path is one run; a path that starts with a refinement of the root ends
        // with the boundary (0, 1) and no run above it.
        assert_eq!(same_level_runs(3, |i| i == 0), vec![vec![2, 1, 0]]);
        assert_eq!(same_level_runs(2, |i| i <= 1), vec![vec![1]]);
        assert!(same_level_runs(0, |_| true).is_empty());
    }

    #[test]
    fn topdown_sums_strict_ancestors_from_the_bonus() {
        assert_eq!(topdown(4, 5, |i| [10, 1, 2, 3][i]), vec![5, 15, 16, 18]);
        assert_eq!(
            topdown(2, u128::MAX - 1, |_| 7),
            vec![u128::MAX - 1, u128::MAX]
        );
    }
}
