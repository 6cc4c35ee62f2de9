//! `shadowed-condition`: a `match` transition of a split that can never fire, because the
//! transitions before it catch every input it accepts. Studio tries the transitions in order
//! and takes the first whose conditions all hold, so a later transition with the same
//! conditions, or with conditions that imply an earlier one's, is dead.
//!
//! Implication is decided per operator on Studio's comparison (trimmed, case-insensitive):
//! value sets for `equal_to`/`matches_any_of`/`is_blank` and their negations, prefixes for
//! `starts_with`, substrings for `contains`, bounds for `less_than`/`greater_than`; and, when
//! a transition admits a finite set of values, each value is tried on the earlier ones.

use crate::conditions::{self, Branch, Condition, Op, Split, Values, holds, number};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    ShadowedCondition,
    "shadowed-condition",
    Warning,
    "a split transition that never fires: earlier transitions catch everything it accepts"
);

impl Rule for ShadowedCondition {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for split in ctx.splits() {
            // Conditions that read different things cannot be compared.
            if split.tested().is_none() {
                continue;
            }
            let matches: Vec<&Branch> = split.matches().collect();
            for (i, later) in matches.iter().enumerate() {
                if let Some(found) = shadowed(&matches[..i], later) {
                    out.push(finding(split, later, &found));
                }
            }
        }
    }
}

/// Why a transition never fires: the earlier transitions that catch its inputs, and whether
/// one of them has the very same conditions.
struct Shadow<'b, 'f> {
    by: Vec<&'b Branch<'f>>,
    duplicate: bool,
}

fn shadowed<'b, 'f>(earlier: &[&'b Branch<'f>], later: &Branch) -> Option<Shadow<'b, 'f>> {
    if later.conditions.is_empty() || later.conditions.iter().any(|c| c.op().is_none()) {
        return None;
    }
    if let Some(same) = earlier.iter().find(|e| same_conditions(e, later)) {
        return Some(Shadow {
            by: vec![*same],
            duplicate: true,
        });
    }
    if let Some(by) = earlier.iter().find(|e| implies(later, e)) {
        return Some(Shadow {
            by: vec![*by],
            duplicate: false,
        });
    }
    caught_value_by_value(earlier, later).map(|by| Shadow {
        by,
        duplicate: false,
    })
}

fn same_conditions(a: &Branch, b: &Branch) -> bool {
    // List values compare as sets: `Yes, y` and ` y ,YES` are the same condition.
    let key = |c: &Condition| {
        let value = match (c.op(), c.static_value()) {
            (Some(op), Some(v)) if op.is_list() => Some(
                conditions::list_items(&v)
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (Some(op), Some(_)) if op.ignores_value() => Some(String::new()),
            (_, v) => v,
        };
        (c.kind.to_string(), value)
    };
    let mut a: Vec<_> = a.conditions.iter().map(key).collect();
    let mut b: Vec<_> = b.conditions.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b && a.iter().all(|(_, v)| v.is_some())
}

/// Whether every input that passes `later` passes `earlier`: each of `earlier`'s conditions
/// follows from one of `later`'s, or from the set of values `later` admits.
fn implies(later: &Branch, earlier: &Branch) -> bool {
    if earlier.conditions.is_empty() {
        return false;
    }
    let admitted = Values::admitted_by_all(&later.conditions);
    earlier.conditions.iter().all(|e| {
        let as_set = Values::admitted_by(e);
        (as_set != Values::Any && admitted.within(&as_set))
            || admitted.decides(e) == Some(true)
            || later.conditions.iter().any(|l| condition_implies(l, e))
    })
}

/// Whether condition `a` holding makes condition `b` hold, for operators that are not sets.
fn condition_implies(a: &Condition, b: &Condition) -> bool {
    let (Some(oa), Some(ob), Some(va), Some(vb)) =
        (a.op(), b.op(), a.static_value(), b.static_value())
    else {
        return false;
    };
    let numbers = || number(&va).zip(number(&vb));
    match (oa, ob) {
        _ if oa == ob && va == vb && !oa.ignores_value() => true,
        _ if oa == ob && oa.ignores_value() => true,
        (Op::StartsWith, Op::StartsWith) => va.starts_with(&vb),
        (Op::StartsWith | Op::Contains, Op::Contains) => va.contains(&vb),
        (Op::DoesNotContain, Op::DoesNotContain) => vb.contains(&va),
        (Op::DoesNotContain, Op::DoesNotStartWith) => vb.contains(&va),
        (Op::DoesNotStartWith, Op::DoesNotStartWith) => vb.starts_with(&va),
        (Op::StartsWith | Op::Contains, Op::IsNotBlank) => !va.is_empty(),
        (Op::LessThan, Op::LessThan) => numbers().is_some_and(|(a, b)| a <= b),
        (Op::GreaterThan, Op::GreaterThan) => numbers().is_some_and(|(a, b)| a >= b),
        _ => false,
    }
}

/// A transition that admits a finite set of values, each of which an earlier transition
/// catches (`equal_to 1`, `equal_to 2`, then `matches_any_of 1,2`).
fn caught_value_by_value<'b, 'f>(
    earlier: &[&'b Branch<'f>],
    later: &Branch,
) -> Option<Vec<&'b Branch<'f>>> {
    let Values::OneOf(values) = Values::admitted_by_all(&later.conditions) else {
        return None;
    };
    if values.is_empty() {
        return None;
    }
    let mut by: Vec<&'b Branch<'f>> = Vec::new();
    for value in &values {
        let catcher = earlier.iter().find(|e| holds_for(e, value) == Some(true))?;
        if !by.iter().any(|b| b.position == catcher.position) {
            by.push(catcher);
        }
    }
    Some(by)
}

/// Whether all of a transition's conditions hold for one input value.
fn holds_for(branch: &Branch, input: &str) -> Option<bool> {
    if branch.conditions.is_empty() {
        return None;
    }
    let mut all = true;
    for condition in &branch.conditions {
        all &= holds(condition.op()?, &condition.static_value()?, input)?;
    }
    Some(all)
}

fn finding(split: &Split, later: &Branch, shadow: &Shadow) -> Diagnostic {
    let name = &split.state.name;
    let which = |b: &Branch| format!("transition {} ({})", b.position, b.describe());
    let by: Vec<String> = shadow.by.iter().map(|b| which(b)).collect();
    let message = if shadow.duplicate {
        format!(
            "{} of `{name}` repeats the conditions of {}, which Studio tries first: it never fires",
            which(later),
            by[0]
        )
    } else {
        format!(
            "{} of `{name}` never fires: every input it accepts is caught first by {}",
            which(later),
            by.join(" and ")
        )
    };
    let condition = &later.conditions[0];
    let location = match condition.op() {
        Some(op) if op.ignores_value() => condition.location.clone().key("type"),
        _ if condition.value.is_none() => condition.location.clone(),
        _ => condition.value_location(),
    };
    let mut diagnostic = Diagnostic::new(&META, location, message).help(
        "Studio takes the first transition whose conditions hold: put the narrower \
             transition first, or change its conditions",
    );
    for b in &shadow.by {
        if let Some(first) = b.conditions.first() {
            let at = match first.value {
                Some(_) => first.value_location(),
                None => first.location.clone(),
            };
            diagnostic = diagnostic.related(at, "caught here first");
        }
    }
    diagnostic
}
