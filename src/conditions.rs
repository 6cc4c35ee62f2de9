//! The conditions of split-based-on widgets, read once for the condition rules, and Studio's
//! comparison semantics: values are compared trimmed and case-insensitively, list operators
//! take a comma-separated `value`, and a transition holds when all its conditions do.

use std::collections::BTreeSet;

use crate::catalog::{self, MATCH, NO_MATCH, Role};
use crate::flow::json::Json;
use crate::flow::{Flow, Location, State, Transition};
use crate::liquid;

/// Whether a string holds Liquid: the condition rules leave such values alone.
pub use crate::liquid::has_liquid;

/// `match` transitions of one split that the condition rules compare with each other (real
/// splits have a handful; the corpus's largest has 9).
pub const MAX_COMPARED_BRANCHES: usize = 128;
/// Conditions of one split's `match` transitions, in all, that they compare.
pub const MAX_COMPARED_CONDITIONS: usize = 512;

/// A split-based-on widget with its input and its transitions in the order Studio tries them.
pub struct Split<'f> {
    pub index: usize,
    pub state: &'f State,
    /// `properties.input`, when it is a string.
    pub input: Option<&'f str>,
    pub branches: Vec<Branch<'f>>,
    /// See [`Split::tested`]; worked out once, several rules ask.
    tested: Option<String>,
}

/// One transition of a split: `match` with its conditions, or `noMatch` (no conditions).
pub struct Branch<'f> {
    /// Index into the state's transitions.
    pub position: usize,
    pub transition: &'f Transition,
    /// Boxed: a slice as long as the conditions, where a collected vector would reserve four.
    pub conditions: Box<[Condition<'f>]>,
}

/// One condition of a `match` transition.
pub struct Condition<'f> {
    pub kind: &'f str,
    /// `value`, when it is a string.
    pub value: Option<&'f str>,
    /// The string members of `arguments`, with their index.
    pub arguments: Box<[(usize, &'f str)]>,
    /// The condition object.
    pub location: Location,
}

impl Branch<'_> {
    pub fn is_match(&self) -> bool {
        self.transition.event == MATCH
    }

    pub fn is_no_match(&self) -> bool {
        self.transition.event == NO_MATCH
    }

    /// "`match` → `gather_2`", "`noMatch` (ends the flow)".
    pub fn describe(&self) -> String {
        match &self.transition.next {
            Some(next) => format!("`{}` → `{next}`", self.transition.event),
            None => format!("`{}` (which ends the flow)", self.transition.event),
        }
    }
}

impl Condition<'_> {
    /// Its `value`.
    pub fn value_location(&self) -> Location {
        self.location.clone().key("value")
    }

    /// Its argument at `index`.
    pub fn argument_location(&self, index: usize) -> Location {
        self.location.clone().key("arguments").index(index)
    }

    /// The operator, when it is one of Studio's.
    pub fn op(&self) -> Option<Op> {
        Op::parse(self.kind)
    }

    /// The value as Studio compares it, `None` when it holds Liquid (known only at run time).
    pub fn static_value(&self) -> Option<String> {
        let value = self.value.unwrap_or("");
        (!has_liquid(value)).then(|| normalize(value))
    }
}

/// Studio's condition types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    EqualTo,
    NotEqualTo,
    MatchesAnyOf,
    DoesNotMatchAnyOf,
    IsBlank,
    IsNotBlank,
    Regex,
    Contains,
    DoesNotContain,
    StartsWith,
    DoesNotStartWith,
    LessThan,
    GreaterThan,
    IsBeforeTime,
    IsAfterTime,
    IsBeforeDate,
    IsAfterDate,
}

impl Op {
    pub fn parse(kind: &str) -> Option<Op> {
        Some(match kind {
            "equal_to" => Op::EqualTo,
            "not_equal_to" => Op::NotEqualTo,
            "matches_any_of" => Op::MatchesAnyOf,
            "does_not_match_any_of" => Op::DoesNotMatchAnyOf,
            "is_blank" => Op::IsBlank,
            "is_not_blank" => Op::IsNotBlank,
            "regex" => Op::Regex,
            "contains" => Op::Contains,
            "does_not_contain" => Op::DoesNotContain,
            "starts_with" => Op::StartsWith,
            "does_not_start_with" => Op::DoesNotStartWith,
            "less_than" => Op::LessThan,
            "greater_than" => Op::GreaterThan,
            "is_before_time" => Op::IsBeforeTime,
            "is_after_time" => Op::IsAfterTime,
            "is_before_date" => Op::IsBeforeDate,
            "is_after_date" => Op::IsAfterDate,
            _ => return None,
        })
    }

    /// Whether the operator ignores `value` (the canvas fills it with "Is Blank").
    pub fn ignores_value(self) -> bool {
        matches!(self, Op::IsBlank | Op::IsNotBlank)
    }

    pub fn is_list(self) -> bool {
        matches!(self, Op::MatchesAnyOf | Op::DoesNotMatchAnyOf)
    }
}

/// Every split-based-on widget of the flow, in file order.
pub fn splits(flow: &Flow) -> Vec<Split<'_>> {
    flow.states
        .iter()
        .enumerate()
        .filter(|(_, s)| catalog::role(&s.kind) == Role::Split)
        .map(|(index, state)| read_split(flow, index, state))
        .collect()
}

fn read_split<'f>(flow: &'f Flow, index: usize, state: &'f State) -> Split<'f> {
    let input = flow
        .properties(state)
        .and_then(|p| p.get("input"))
        .and_then(Json::as_str);
    let branches = state
        .transitions
        .iter()
        .enumerate()
        .map(|(position, transition)| Branch {
            position,
            transition,
            conditions: read_conditions(flow, transition),
        })
        .collect();
    let mut split = Split {
        index,
        state,
        input,
        branches,
        tested: None,
    };
    split.tested = split.work_out_tested();
    split
}

fn read_conditions<'f>(flow: &'f Flow, transition: &Transition) -> Box<[Condition<'f>]> {
    let conditions = transition.member("conditions");
    flow.conditions(transition)
        .iter()
        .enumerate()
        .map(|(i, c)| Condition {
            kind: c.get("type").and_then(Json::as_str).unwrap_or(""),
            value: c.get("value").and_then(Json::as_str),
            arguments: c
                .get("arguments")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(k, a)| a.as_str().map(|a| (k, a)))
                .collect(),
            location: conditions.clone().index(i),
        })
        .collect()
}

impl<'f> Split<'f> {
    pub fn matches(&self) -> impl Iterator<Item = &Branch<'f>> {
        self.branches.iter().filter(|b| b.is_match())
    }

    /// The expression every condition tests, normalised: the input, when each condition's
    /// arguments read the same. `None` when they disagree or there is no input, and for a
    /// split of more than [`MAX_COMPARED_BRANCHES`] `match` transitions or
    /// [`MAX_COMPARED_CONDITIONS`] conditions: the rules that compare a split's transitions
    /// (shadowed-condition, dead-branch) do it pairwise, and a generated split of 20,000
    /// transitions took a minute.
    pub fn tested(&self) -> Option<&str> {
        self.tested.as_deref()
    }

    fn work_out_tested(&self) -> Option<String> {
        let conditions: usize = self.matches().map(|b| b.conditions.len()).sum();
        if self.matches().count() > MAX_COMPARED_BRANCHES || conditions > MAX_COMPARED_CONDITIONS {
            return None;
        }
        let written = self.input?;
        let input = same_expression_key(written);
        let agree = self
            .matches()
            .flat_map(|b| &b.conditions)
            .flat_map(|c| &c.arguments)
            .all(|&(_, a)| a == written || same_expression_key(a) == input);
        agree.then_some(input)
    }
}

/// A value as Studio compares it: trimmed, case-insensitive.
pub fn normalize(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The items of a comma-separated list value, normalised; empty items are left out.
pub fn list_items(value: &str) -> BTreeSet<String> {
    value
        .split(',')
        .map(normalize)
        .filter(|v| !v.is_empty())
        .collect()
}

/// A Liquid text with the blanks inside `{{ }}` and `{% %}` removed, and trimmed: two
/// spellings of one expression (`{{ a.b }}`, `{{a. b}}`) give one key.
pub fn same_expression_key(text: &str) -> String {
    // Trimming first gives the same key: leading blanks are never in a block, and trailing
    // ones are dropped either way. Delimiters and blanks are ASCII, so every cut below falls
    // on a character boundary.
    let text = text.trim();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        let Some(open) = liquid::find_open(&text[at..]).map(|i| at + i) else {
            out.push_str(&text[at..]);
            break;
        };
        out.push_str(&text[at..open + 2]);
        let close = block_close(bytes, open + 2).unwrap_or(bytes.len());
        out.extend(text[open + 2..close].split(|c: char| c.is_ascii_whitespace()));
        at = (close + 2).min(bytes.len());
        out.push_str(&text[close..at]);
    }
    out
}

/// Where the first `}}` or `%}` from `from` starts.
fn block_close(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr_iter(b'}', bytes.get(from + 1..)?)
        .map(|at| from + at)
        .find(|&at| matches!(bytes[at], b'}' | b'%'))
}

/// A number as `less_than`/`greater_than` read it.
pub fn number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The value of one condition on a known input (both normalised); `None` when flowcheck
/// cannot tell (regular expressions, times, dates, non-numeric comparisons).
pub fn holds(op: Op, value: &str, input: &str) -> Option<bool> {
    Some(match op {
        Op::EqualTo => input == value,
        Op::NotEqualTo => input != value,
        Op::MatchesAnyOf => list_items(value).contains(input),
        Op::DoesNotMatchAnyOf => !list_items(value).contains(input),
        Op::IsBlank => input.is_empty(),
        Op::IsNotBlank => !input.is_empty(),
        Op::Contains => input.contains(value),
        Op::DoesNotContain => !input.contains(value),
        Op::StartsWith => input.starts_with(value),
        Op::DoesNotStartWith => !input.starts_with(value),
        Op::LessThan => number(input)? < number(value)?,
        Op::GreaterThan => number(input)? > number(value)?,
        _ => return None,
    })
}

/// What is known of a value: anything, one of a set, or none of a set (all normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values {
    Any,
    OneOf(BTreeSet<String>),
    NoneOf(BTreeSet<String>),
}

impl Values {
    /// The values a condition admits, when a set says it exactly.
    pub fn admitted_by(condition: &Condition) -> Values {
        let (Some(op), Some(value)) = (condition.op(), condition.static_value()) else {
            return Values::Any;
        };
        let one = |v: String| BTreeSet::from([v]);
        match op {
            Op::EqualTo => Values::OneOf(one(value)),
            Op::NotEqualTo => Values::NoneOf(one(value)),
            Op::MatchesAnyOf => Values::OneOf(list_items(&value)),
            Op::DoesNotMatchAnyOf => Values::NoneOf(list_items(&value)),
            Op::IsBlank => Values::OneOf(one(String::new())),
            Op::IsNotBlank => Values::NoneOf(one(String::new())),
            _ => Values::Any,
        }
    }

    /// The values a transition admits: all its conditions hold.
    pub fn admitted_by_all(conditions: &[Condition]) -> Values {
        conditions
            .iter()
            .fold(Values::Any, |acc, c| acc.and(&Values::admitted_by(c)))
    }

    /// The values for which a transition does not hold, when a set says it exactly (a
    /// transition of one condition).
    pub fn rejected_by(conditions: &[Condition]) -> Values {
        match conditions {
            [only] => Values::admitted_by(only).complement(),
            _ => Values::Any,
        }
    }

    pub fn complement(self) -> Values {
        match self {
            Values::Any => Values::Any,
            Values::OneOf(set) => Values::NoneOf(set),
            Values::NoneOf(set) => Values::OneOf(set),
        }
    }

    /// Both hold.
    pub fn and(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Any, x) | (x, Any) => x.clone(),
            (OneOf(a), OneOf(b)) => OneOf(a.intersection(b).cloned().collect()),
            (OneOf(a), NoneOf(b)) | (NoneOf(b), OneOf(a)) => {
                OneOf(a.difference(b).cloned().collect())
            }
            (NoneOf(a), NoneOf(b)) => NoneOf(a.union(b).cloned().collect()),
        }
    }

    /// Either holds.
    pub fn or(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Any, _) | (_, Any) => Any,
            (OneOf(a), OneOf(b)) => OneOf(a.union(b).cloned().collect()),
            (OneOf(a), NoneOf(b)) | (NoneOf(b), OneOf(a)) => {
                NoneOf(b.difference(a).cloned().collect())
            }
            (NoneOf(a), NoneOf(b)) => NoneOf(a.intersection(b).cloned().collect()),
        }
    }

    /// Whether every value here is also in `other`.
    pub fn within(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (_, Any) => true,
            (_, NoneOf(b)) if b.is_empty() => true,
            (Any, _) => false,
            (OneOf(a), OneOf(b)) => a.is_subset(b),
            (OneOf(a), NoneOf(b)) => a.is_disjoint(b),
            (NoneOf(_), OneOf(_)) => false,
            (NoneOf(a), NoneOf(b)) => b.is_subset(a),
        }
    }

    /// Whether a condition holds for every value here (`Some(true)`), for none
    /// (`Some(false)`), or flowcheck cannot tell.
    pub fn decides(&self, condition: &Condition) -> Option<bool> {
        let op = condition.op()?;
        let value = condition.static_value()?;
        match self {
            Values::Any => None,
            Values::OneOf(set) => {
                let results: Option<BTreeSet<bool>> =
                    set.iter().map(|v| holds(op, &value, v)).collect();
                match results?.into_iter().collect::<Vec<_>>().as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
            Values::NoneOf(_) => {
                let admitted = Values::admitted_by(condition);
                if admitted == Values::Any {
                    None
                } else if self.within(&admitted) {
                    Some(true)
                } else if self.within(&admitted.clone().complement()) {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }

    /// Whether a transition holds for every value here, for none, or cannot be told.
    pub fn decides_all(&self, conditions: &[Condition]) -> Option<bool> {
        if conditions.is_empty() {
            return None;
        }
        let mut all = Some(true);
        for condition in conditions {
            match self.decides(condition) {
                Some(false) => return Some(false),
                Some(true) => {}
                None => all = None,
            }
        }
        all
    }

    /// "`2`", "one of `1`, `2`", "not `done`".
    pub fn describe(&self) -> String {
        let list = |set: &BTreeSet<String>| {
            set.iter()
                .map(|v| {
                    if v.is_empty() {
                        "empty".to_string()
                    } else {
                        format!("`{v}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Values::Any => "anything".to_string(),
            Values::OneOf(set) if set.len() == 1 => list(set),
            Values::OneOf(set) => format!("one of {}", list(set)),
            Values::NoneOf(set) if set.len() == 1 => format!("not {}", list(set)),
            Values::NoneOf(set) => format!("none of {}", list(set)),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The key as the first version wrote it, a character at a time: the oracle below.
    fn expression_key_by_characters(text: &str) -> String {
        let mut out = String::new();
        let mut in_block = false;
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            if !in_block && (rest.starts_with("{{") || rest.starts_with("{%")) {
                (in_block, i) = (true, i + 2);
                out.push_str(&rest[..2]);
            } else if in_block && (rest.starts_with("}}") || rest.starts_with("%}")) {
                (in_block, i) = (false, i + 2);
                out.push_str(&rest[..2]);
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                if !(in_block && c.is_ascii_whitespace()) {
                    out.push(c);
                }
                i += c.len_utf8();
            }
        }
        out.trim().to_string()
    }

    #[test]
    fn expression_keys_drop_the_blanks_inside_blocks_only() {
        assert_eq!(
            same_expression_key(" {{ a . b }} x  y {%if c%} "),
            "{{a.b}} x  y {%ifc%}"
        );
        assert_eq!(same_expression_key("{{ a"), "{{a");
        assert_eq!(same_expression_key("{ { a } }"), "{ { a } }");
        assert_eq!(same_expression_key("{{{ a }}}"), "{{{a}}}");
        let alphabet = ['{', '}', '%', ' ', '\t', 'a', '.', 'é', '\u{a0}'];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let len = (seed >> 60) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            assert_eq!(
                same_expression_key(&text),
                expression_key_by_characters(&text),
                "{text:?}"
            );
        }
    }

    /// A split of `branches` `match` transitions that each test the input.
    fn split_flow(branches: usize) -> Flow {
        let matches = (0..branches).map(|i| {
            serde_json::json!({"event": "match", "next": "", "conditions": [{"friendly_name": "x",
                "arguments": ["{{trigger.call.From}}"], "type": "equal_to", "value": i.to_string()}]})
        });
        let transitions: Vec<_> = std::iter::once(serde_json::json!({"event": "noMatch"}))
            .chain(matches)
            .collect();
        let definition = serde_json::json!({"initial_state": "split", "states": [
            {"name": "split", "type": "split-based-on",
             "properties": {"input": "{{trigger.call.From}}"}, "transitions": transitions}]});
        crate::flow::load_text("t.json".into(), definition.to_string())
            .flow
            .expect("the test flow loads")
    }

    #[test]
    fn splits_too_large_to_compare_test_nothing() {
        let within = split_flow(MAX_COMPARED_BRANCHES);
        assert_eq!(splits(&within)[0].tested(), Some("{{trigger.call.From}}"));
        let beyond = split_flow(MAX_COMPARED_BRANCHES + 1);
        assert_eq!(splits(&beyond)[0].tested(), None);
    }

    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn expression_keys_ignore_blanks_inside_liquid() {
        assert_eq!(
            same_expression_key(" {{ widgets.a. Digits }} "),
            same_expression_key("{{widgets.a.Digits}}")
        );
        assert_ne!(
            same_expression_key("{{widgets.a.Digits}}"),
            same_expression_key("{{widgets.b.Digits}}")
        );
    }

    #[test]
    fn sets_combine() {
        let one = Values::OneOf(set(&["1", "2"]));
        let none = Values::NoneOf(set(&["2"]));
        assert_eq!(one.and(&none), Values::OneOf(set(&["1"])));
        assert_eq!(one.or(&none), Values::NoneOf(set(&[])));
        assert!(Values::OneOf(set(&["2"])).within(&Values::NoneOf(set(&["1"]))));
    }

    #[test]
    fn comparisons_are_trimmed_lists_split() {
        assert_eq!(holds(Op::MatchesAnyOf, "yes, y", "y"), Some(true));
        assert_eq!(holds(Op::LessThan, "5", "10"), Some(false));
        assert_eq!(holds(Op::LessThan, "5", "abc"), None);
        assert_eq!(normalize(" 9 "), "9");
    }
}
