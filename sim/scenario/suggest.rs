//! "Did you mean …?" suggestions for misspelled names.

/// Levenshtein edit distance between two strings, counted in `char`s.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if any is close enough to be a plausible misspelling.
///
/// A candidate is accepted when it matches case-insensitively, when one of the two is a prefix
/// of the other and the shorter has at least 4 characters, or when the edit distance is at most
/// `max(1, len / 3)` (with `len` the length of `name` in characters; case is ignored). Among accepted candidates
/// the one with the smallest distance wins; ties go to the earliest candidate.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        if cand == name {
            continue;
        }
        let cand_lower = cand.to_lowercase();
        let d = if cand_lower == lower {
            0
        } else {
            let d = distance(&lower, &cand_lower);
            let (short, long) = if len <= cand.chars().count() {
                (&lower, &cand_lower)
            } else {
                (&cand_lower, &lower)
            };
            let prefix = short.chars().count() >= 4 && long.starts_with(short.as_str());
            if d > limit && !prefix {
                continue;
            }
            d
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("duratoin", "duration"), 2);
        assert_eq!(distance("flaw", "lawn"), 2);
        assert_eq!(distance("héllo", "hello"), 1);
    }

    #[test]
    fn suggestions() {
        let fields = ["name", "seed", "duration", "chains", "protocols", "actors"];
        let cases: &[(&str, Option<&str>)] = &[
            ("duratoin", Some("duration")),
            ("durration", Some("duration")),
            ("sed", Some("seed")),
            ("Seed", Some("seed")),
            ("NAME", Some("name")),
            ("actor", Some("actors")),
            ("proto", Some("protocols")),
            ("chainsss", Some("chains")),
            ("xyz", None),
            ("", None),
            ("question", None),
            ("pro", None),
        ];
        for (name, want) in cases {
            assert_eq!(closest(name, fields), *want, "{name}");
        }
    }

    #[test]
    fn exact_match_is_not_a_suggestion_and_ties_keep_order() {
        assert_eq!(closest("a", ["a"]), None);
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"));
        assert_eq!(closest("ab", ["ad", "ac"]), Some("ad"));
    }
}
