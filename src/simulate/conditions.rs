//! The 17 condition types of the Split Based On… widget.
//!
//! Sources: Twilio's widget page <https://www.twilio.com/docs/studio/widget-library/split-based-on>
//! (conditions are `subject, predicate, [value]`; the value may hold Liquid; "is blank" and
//! "is not blank" take no value; transitions are tried in order and `noMatch` is taken when
//! none holds), the Studio FAQ <https://www.twilio.com/docs/studio/user-guide/studio-faq>
//! (numeric comparisons need a number: `{{x | plus: 0}}`), and the project's DESIGN.md
//! (comparisons ignore case and surrounding spaces, list operators take a comma-separated
//! value, dates are `YYYY-MM-DD`, times `HH:MM` in 24 hours).
//!
//! Unconfirmed, and chosen here as DESIGN.md records them:
//! - `regex` matches the whole (trimmed) input, ignoring case (which regex dialect Studio
//!   runs is not documented; look-around and backreferences work here);
//! - a digits-only string such as `Digits` "3" counts as a number for `less_than` and
//!   `greater_than` (a text that is not a number never matches either);
//! - a date may carry a time after it (`2024-05-01T10:00:00Z` is the date 2024-05-01), and a
//!   time may carry seconds (`09:30:15` is 09:30); an input that is not a date or a time never
//!   matches the date and time operators.

use std::cmp::Ordering;

/// Every condition type Studio offers, in the order of its menu.
pub const OPERATORS: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "matches_any_of",
    "does_not_match_any_of",
    "is_blank",
    "is_not_blank",
    "regex",
    "contains",
    "does_not_contain",
    "starts_with",
    "does_not_start_with",
    "less_than",
    "greater_than",
    "is_before_time",
    "is_after_time",
    "is_before_date",
    "is_after_date",
];

/// Whether `input` satisfies the condition `operator value`. Both sides are already rendered.
/// An operator Studio does not have is an error, as is a `regex` that does not compile.
pub fn evaluate(operator: &str, input: &str, value: &str) -> Result<bool, String> {
    let a = fold(input);
    let b = fold(value);
    Ok(match operator {
        "equal_to" => a == b,
        "not_equal_to" => a != b,
        "matches_any_of" => any_of(&a, &b),
        "does_not_match_any_of" => !any_of(&a, &b),
        "is_blank" => a.is_empty(),
        "is_not_blank" => !a.is_empty(),
        "regex" => whole_match(value.trim(), input.trim())?,
        "contains" => a.contains(&b),
        "does_not_contain" => !a.contains(&b),
        "starts_with" => a.starts_with(&b),
        "does_not_start_with" => !a.starts_with(&b),
        "less_than" => compare(number(&a), number(&b)) == Some(Ordering::Less),
        "greater_than" => compare(number(&a), number(&b)) == Some(Ordering::Greater),
        "is_before_time" => compare(time(&a), time(&b)) == Some(Ordering::Less),
        "is_after_time" => compare(time(&a), time(&b)) == Some(Ordering::Greater),
        "is_before_date" => compare(date(&a), date(&b)) == Some(Ordering::Less),
        "is_after_date" => compare(date(&a), date(&b)) == Some(Ordering::Greater),
        other => {
            return Err(format!(
                "`{other}` is not a Split Based On condition type (Studio has {})",
                OPERATORS.join(", ")
            ));
        }
    })
}

/// Whether the operator reads a value (all but the two blank tests).
pub fn takes_value(operator: &str) -> bool {
    !matches!(operator, "is_blank" | "is_not_blank")
}

/// Trimmed and case-folded.
fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

fn any_of(input: &str, list: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .any(|item| item == input)
}

/// Look-around and backreferences are supported (`fancy-regex`), as in the JavaScript and
/// Java engines a Studio author may have tested with; backtracking is bounded, and a pattern
/// that exceeds the bound is an error rather than a hang.
fn whole_match(pattern: &str, input: &str) -> Result<bool, String> {
    let anchored = format!("^(?:{pattern})$");
    let regex = fancy_regex::RegexBuilder::new(&anchored)
        .case_insensitive(true)
        .backtrack_limit(1_000_000)
        .delegate_size_limit(1 << 20)
        .build()
        .map_err(|e| format!("the regex `{pattern}` does not compile: {e}"))?;
    regex
        .is_match(input)
        .map_err(|e| format!("the regex `{pattern}` could not be run on {input:?}: {e}"))
}

fn compare<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<Ordering> {
    a?.partial_cmp(&b?)
}

/// A decimal number: `3`, `-2.5`, `+7`, `1e3`; not `NaN` or `inf`.
fn number(text: &str) -> Option<f64> {
    let looks_numeric = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e'));
    if !looks_numeric {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `YYYY-MM-DD` (optionally followed by a time) as (year, month, day).
fn date(text: &str) -> Option<(u32, u32, u32)> {
    let head = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty() || rest.starts_with(['t', ' '])) {
        return None;
    }
    let mut parts = head.split('-');
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some((year, month, day))
}

/// `HH:MM` or `HH:MM:SS` (24 hours) as minutes since midnight.
fn time(text: &str) -> Option<u32> {
    let mut parts = text.split(':');
    let hours = parts.next().and_then(|h| digits_between(h, 1, 2))?;
    let minutes = digits(parts.next()?, 2)?;
    if let Some(seconds) = parts.next() {
        digits(seconds, 2).filter(|s| *s < 60)?;
    }
    if parts.next().is_some() || hours > 23 || minutes > 59 {
        return None;
    }
    Some(hours * 60 + minutes)
}

fn digits(text: &str, count: usize) -> Option<u32> {
    digits_between(text, count, count)
}

fn digits_between(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::evaluate;

    fn holds(op: &str, input: &str, value: &str) -> bool {
        evaluate(op, input, value).unwrap()
    }

    #[test]
    fn equal_to_ignores_case_and_surrounding_spaces() {
        assert!(holds("equal_to", " Yes ", "yes"));
        assert!(holds("equal_to", "1", "1"));
        assert!(!holds("equal_to", "yes please", "yes"));
        assert!(!holds("equal_to", "", "0"));
    }

    #[test]
    fn not_equal_to_is_the_negation() {
        assert!(holds("not_equal_to", "no", "yes"));
        assert!(!holds("not_equal_to", "YES", " yes"));
    }

    #[test]
    fn matches_any_of_splits_on_commas() {
        assert!(holds("matches_any_of", "Y", "Yes, y"));
        assert!(holds("matches_any_of", " sag ", "leo,sag,virgo"));
        assert!(!holds("matches_any_of", "ye", "yes, y"));
        assert!(!holds("matches_any_of", "", "a,,b"));
    }

    #[test]
    fn does_not_match_any_of_is_the_negation() {
        assert!(holds("does_not_match_any_of", "maybe", "yes,no"));
        assert!(!holds("does_not_match_any_of", "NO", "yes,no"));
    }

    #[test]
    fn is_blank_and_is_not_blank_trim() {
        assert!(holds("is_blank", "", ""));
        assert!(holds("is_blank", "  \n", ""));
        assert!(!holds("is_blank", "x", ""));
        assert!(holds("is_not_blank", "x", ""));
        assert!(!holds("is_not_blank", " ", ""));
    }

    #[test]
    fn regex_matches_the_whole_input_ignoring_case() {
        assert!(holds("regex", "Yes I do", ".*yes.*"));
        assert!(holds("regex", "42", r"\b([0-9]|[1-9][0-9])\b"));
        assert!(!holds("regex", "I rate it 42", r"[0-9]+"));
        assert!(holds("regex", "YES", "yes|y"));
        assert!(holds(
            "regex",
            "you are blocked by the Policy",
            "(?=.*blocked)(?=.*policy).*"
        ));
        assert!(!holds("regex", "blocked", "(?=.*blocked)(?=.*policy).*"));
        assert!(evaluate("regex", "x", "(").is_err());
    }

    #[test]
    fn contains_and_does_not_contain() {
        assert!(holds("contains", "Oh YES please", "yes"));
        assert!(!holds("contains", "no", "yes"));
        assert!(holds("does_not_contain", "no", "yes"));
        assert!(!holds("does_not_contain", "yes!", "YES"));
    }

    #[test]
    fn starts_with_and_does_not_start_with() {
        assert!(holds("starts_with", "+48800012935", "+488"));
        assert!(holds("starts_with", "Hello there", "hello"));
        assert!(!holds("starts_with", "say hello", "hello"));
        assert!(holds("does_not_start_with", "say hello", "hello"));
        assert!(!holds("does_not_start_with", "HELLO", "he"));
    }

    #[test]
    fn less_than_and_greater_than_compare_numbers() {
        assert!(holds("less_than", "2", "3"));
        assert!(holds("less_than", " -1.5 ", "0"));
        assert!(!holds("less_than", "10", "9"));
        assert!(holds("greater_than", "10", "9"));
        assert!(!holds("greater_than", "3", "3"));
        assert!(!holds("greater_than", "ten", "3"));
        assert!(!holds("less_than", "", "3"));
        assert!(!holds("less_than", "1", "abc"));
        assert!(!holds("greater_than", "nan", "0"));
    }

    #[test]
    fn times_compare_as_hours_and_minutes() {
        assert!(holds("is_before_time", "08:59", "09:00"));
        assert!(holds("is_before_time", "8:05", "09:00"));
        assert!(!holds("is_before_time", "09:00", "09:00"));
        assert!(holds("is_after_time", "17:30:10", "17:00"));
        assert!(!holds("is_after_time", "25:00", "17:00"));
        assert!(!holds("is_after_time", "late", "17:00"));
    }

    #[test]
    fn dates_compare_as_calendar_days() {
        assert!(holds("is_before_date", "2024-12-24", "2024-12-25"));
        assert!(!holds("is_before_date", "2024-12-25", "2024-12-25"));
        assert!(holds("is_after_date", "2025-01-01T00:00:00Z", "2024-12-31"));
        assert!(!holds("is_after_date", "01/02/2025", "2024-12-31"));
        assert!(!holds("is_after_date", "2025-13-01", "2024-12-31"));
    }

    #[test]
    fn unknown_operators_are_errors() {
        let err = evaluate("ends_with", "a", "a").unwrap_err();
        assert!(err.contains("ends_with"), "{err}");
    }

    #[test]
    fn every_operator_is_known() {
        for op in super::OPERATORS {
            assert!(evaluate(op, "a", "a").is_ok(), "{op}");
        }
    }
}
