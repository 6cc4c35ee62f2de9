//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `name`, when it is close enough to be a likely typo.
/// Ties go to the alphabetically first candidate so output is deterministic.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let length = name.chars().count();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        // Cheap bounds first: an edit distance is at least the difference in length, and
        // extensions are at most 5/3 as long (see `distance`).
        .filter(|c| {
            let other = c.chars().count();
            length.abs_diff(other) <= budget(length.max(other))
                || length.max(other) * 3 <= length.min(other) * 5
        })
        .map(|c| (distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= budget(length.max(c.chars().count())))
        .min()
        .map(|(_, c)| c)
}

/// The closest candidate when no other is as close: safe to apply without asking.
pub fn unique_closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let best = closest(name, candidates.iter().copied())?;
    let lower = name.to_lowercase();
    let score = distance(&lower, &best.to_lowercase());
    let ties = candidates
        .iter()
        .filter(|c| **c != name && **c != best)
        .filter(|c| distance(&lower, &c.to_lowercase()) == score)
        .count();
    (ties == 0).then_some(best)
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

fn distance(a: &str, b: &str) -> usize {
    // Prefix / suffix additions (`get_assignment_express` for `get_assignment`) are common
    // in real flows; score them by the part that differs rather than the whole length.
    // Only when most of the name is shared: `chamados` is no typo of `incorreta_chamados`.
    let (shorter, longer) = (a.len().min(b.len()), a.len().max(b.len()));
    let extended = a.starts_with(b) || b.starts_with(a) || a.ends_with(b) || b.ends_with(a);
    if extended && shorter >= 4 && shorter * 5 >= longer * 3 {
        return 1;
    }
    strsim::damerau_levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

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
