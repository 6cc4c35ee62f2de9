//! `invalid-condition-value`: a split condition whose `value` Studio cannot use: a regular
//! expression that does not compile, a date that is not `YYYY-MM-DD`, a time that is not
//! `HH:MM` (24 h), a list operator whose list is empty or only separators. Values that hold
//! Liquid are known only at run time and left alone.

use crate::conditions::{Condition, Op, has_liquid, list_items};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    InvalidConditionValue,
    "invalid-condition-value",
    Error,
    "a split condition value Studio cannot use: a broken regex, date, time or empty list"
);

impl Rule for InvalidConditionValue {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for split in ctx.splits() {
            for branch in split.matches() {
                for condition in &branch.conditions {
                    let Some(problem) = problem(condition) else {
                        continue;
                    };
                    out.push(
                        Diagnostic::new(&META, condition.value_location(), problem.message)
                            .help(problem.help),
                    );
                }
            }
        }
    }
}

struct Problem {
    message: String,
    help: &'static str,
}

fn problem(condition: &Condition) -> Option<Problem> {
    let op = condition.op()?;
    let value = condition.value?;
    if has_liquid(value) {
        return None;
    }
    match op {
        Op::Regex => bad_regex(value),
        Op::IsBeforeDate | Op::IsAfterDate if !is_date(value.trim()) => Some(Problem {
            message: format!(
                "`{}` compares with `{value}`, which is not a date",
                condition.kind
            ),
            help: "write the date as YYYY-MM-DD, such as 2024-12-31",
        }),
        Op::IsBeforeTime | Op::IsAfterTime if !is_time(value.trim()) => Some(Problem {
            message: format!(
                "`{}` compares with `{value}`, which is not a time",
                condition.kind
            ),
            help: "write the time as HH:MM on a 24-hour clock, such as 09:00 or 17:30",
        }),
        _ if op.is_list() && list_items(value).is_empty() => Some(Problem {
            message: format!(
                "`{}` has an empty list: `{value}` holds no value to compare with",
                condition.kind
            ),
            help: "list the values separated by commas, such as `yes, y`",
        }),
        _ => None,
    }
}

/// Studio matches case-insensitively; lookarounds and backreferences are accepted.
///
/// Most patterns are plain regexes that the regex crate's parser accepts, which is enough
/// to know they compile: building the matcher too (as `fancy_regex::Regex::new` does) cost
/// half a million instructions a pattern. The others — lookarounds, backreferences, errors —
/// go to fancy-regex, which decides and words the error.
fn bad_regex(value: &str) -> Option<Problem> {
    if regex_syntax::Parser::new().parse(value).is_ok() {
        return None;
    }
    let error = fancy_regex::Regex::new(value).err()?;
    Some(Problem {
        message: format!("this regular expression does not compile: {error}"),
        help: "fix the pattern; escape characters that are meant literally (`\\.`, `\\?`, `\\(`)",
    })
}

/// `YYYY-MM-DD` with a real month and day.
fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    digits(year, 4)
        && digits(month, 2)
        && digits(day, 2)
        && (1..=12).contains(&month.parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&day.parse::<u8>().unwrap_or(0))
}

/// `HH:MM` on a 24-hour clock.
fn is_time(value: &str) -> bool {
    let Some((hours, minutes)) = value.split_once(':') else {
        return false;
    };
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    digits(hours)
        && digits(minutes)
        && hours.parse::<u8>().is_ok_and(|h| h < 24)
        && minutes.parse::<u8>().is_ok_and(|m| m < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("12/31/2024"));
        assert!(is_time("09:30"));
        assert!(!is_time("9:30"));
        assert!(!is_time("24:00"));
    }

    #[test]
    fn lookarounds_compile() {
        assert!(bad_regex("^(?=.*blocked).*").is_none());
        assert!(bad_regex("(yes").is_some());
        assert!(bad_regex(r"(\w+) \1").is_none());
    }

    #[test]
    fn plain_patterns_are_judged_without_building_a_matcher() {
        assert!(bad_regex(r"^\d{4}$").is_none());
        assert!(bad_regex("^(yes|y|yeah)$").is_none());
        // The regex crate's parser rejects a bare `{`; fancy-regex reads it literally.
        assert!(bad_regex("a{").is_none());
        assert!(bad_regex("[z-a]").is_some());
        assert!(bad_regex("*yes").is_some());
    }
}
