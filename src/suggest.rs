//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `name`, when it is close enough to be a likely typo.
/// Ties go to the alphabetically first candidate so output is deterministic.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    nearest(name, candidates).closest
}

/// The closest candidate when no other is as close: safe to apply without asking.
pub fn unique_closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest(name, candidates).unique()
}

/// The closest candidate to a name, and whether another is as close.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nearest<'a> {
    pub closest: Option<&'a str>,
    /// Another candidate is exactly as close: a fix would have to guess.
    pub tied: bool,
}

impl<'a> Nearest<'a> {
    /// The closest candidate when no other is as close.
    pub fn unique(self) -> Option<&'a str> {
        self.closest.filter(|_| !self.tied)
    }
}

/// [`closest`] and whether it is unique, in one pass over the candidates.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Nearest<'a> {
    let lower = name.to_lowercase();
    let length = name.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    let mut tied = false;
    for candidate in candidates.into_iter().filter(|c| *c != name) {
        let other = candidate.chars().count();
        // Cheap bounds first: an edit distance is at least the difference in length, and
        // extensions are at most 5/3 as long (see `distance`).
        let longest = length.max(other);
        if length.abs_diff(other) > budget(longest) && longest * 3 > length.min(other) * 5 {
            continue;
        }
        let score = distance(&lower, &candidate.to_lowercase(), budget(longest));
        if score > budget(longest) {
            continue;
        }
        match best {
            Some((d, c)) if (d, c) < (score, candidate) => tied |= d == score && c != candidate,
            Some((d, c)) => {
                tied = d == score && c != candidate;
                best = Some((score, candidate));
            }
            None => best = Some((score, candidate)),
        }
    }
    Nearest {
        closest: best.map(|(_, c)| c),
        tied,
    }
}

/// A cheap lower bound of the edit distance of two ASCII names: an edit changes the count
/// of at most two letters by one each (a swap changes none), so half the letters one name
/// has more of than the other is a bound. Most names are ruled out with it before the
/// quadratic distance runs. Names with other characters get 0 (no bound).
fn letters_apart(a: &str, b: &str) -> usize {
    if !a.is_ascii() || !b.is_ascii() {
        return 0;
    }
    let mut counts = [0i32; 128];
    for byte in a.bytes() {
        counts[usize::from(byte)] += 1;
    }
    for byte in b.bytes() {
        counts[usize::from(byte)] -= 1;
    }
    let apart: u32 = counts.iter().map(|c| c.unsigned_abs()).sum();
    (apart as usize).div_ceil(2)
}

/// "`a`, `b` or `c`": names quoted as code and joined with `conjunction` before the last.
pub fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>, conjunction: &str) -> String {
    let quoted: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// How many edits a name of this length may differ by and still be a typo.
fn budget(len: usize) -> usize {
    (len / 3).clamp(1, 4)
}

/// The edit distance of two names, or some number above `limit` when it is more.
fn distance(a: &str, b: &str, limit: usize) -> usize {
    // Prefix / suffix additions (`get_assignment_express` for `get_assignment`) are common
    // in real flows; score them by the part that differs rather than the whole length.
    // Only when most of the name is shared: `chamados` is no typo of `incorreta_chamados`.
    let (shorter, longer) = (a.len().min(b.len()), a.len().max(b.len()));
    let extended = a.starts_with(b) || b.starts_with(a) || a.ends_with(b) || b.ends_with(a);
    if extended && shorter >= 4 && shorter * 5 >= longer * 3 {
        return 1;
    }
    if letters_apart(a, b) > limit {
        return limit + 1;
    }
    // Optimal string alignment: adjacent swaps count once, like Damerau–Levenshtein, without
    // its per-call hash map of the alphabet (4 % of a run over a directory of real flows).
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_apart_never_exceeds_the_distance() {
        let names = [
            "say_hello",
            "say_helo",
            "sya_hello",
            "gather",
            "gahter",
            "x",
            "",
            "menu_a",
        ];
        for a in names {
            for b in names {
                assert!(letters_apart(a, b) <= strsim::osa_distance(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn a_tie_is_not_unique() {
        assert_eq!(
            nearest("menu_x", ["menu_a", "menu_b", "other"]),
            Nearest {
                closest: Some("menu_a"),
                tied: true
            }
        );
        assert_eq!(unique_closest("menu_x", ["menu_a", "menu_b"]), None);
        assert_eq!(unique_closest("menu_ab", ["menu_a", "menu_abc"]), None);
        assert_eq!(
            unique_closest("menu_b", ["menu_bb", "gather"]),
            Some("menu_bb")
        );
    }

    #[test]
    fn suggests_a_close_name() {
        assert_eq!(
            closest("say_helo", ["say_hello", "gather"]),
            Some("say_hello")
        );
        assert_eq!(closest("Gather", ["gather", "say"]), Some("gather"));
    }

    #[test]
    fn suggests_the_name_an_extension_was_added_to() {
        let names = ["get_assignment", "split_1"];
        assert_eq!(
            closest("get_assignment_express", names),
            Some("get_assignment")
        );
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(closest("completely_else", ["gather", "say"]), None);
        assert_eq!(closest("a", ["xyz"]), None);
        assert_eq!(closest("incorreta_chamados", ["chamados"]), None);
    }
}
