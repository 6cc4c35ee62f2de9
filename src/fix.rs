//! Applying fixes: byte-range edits on the original text, so that everything outside an edit
//! (indentation, key order, line endings) stays as it was. Fixes whose edits overlap one
//! already taken wait for the next run.

use crate::analyze::{FileReport, FindingKey};
use crate::rule::{Applicability, Edit, Fix};

/// Which fixes a run applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixMode {
    /// Unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

impl FixMode {
    pub fn allows(self, fix: &Fix) -> bool {
        fix.applicability == Applicability::Safe || self.unsafe_fixes
    }
}

/// The outcome of fixing one file's text.
#[derive(Debug)]
pub struct Fixed {
    pub text: String,
    /// The keys and titles of the findings fixed, in file order.
    pub applied: Vec<(FindingKey, String)>,
}

/// Applies the fixes of a report that `mode` allows; `None` when there is nothing to apply.
pub fn apply(report: &FileReport, mode: FixMode) -> Option<Fixed> {
    let mut fixes: Vec<(FindingKey, &Fix)> = report
        .findings
        .iter()
        .filter_map(|f| {
            let fix = f.diagnostic.fix.as_deref().filter(|fix| mode.allows(fix))?;
            Some((report.key(f), fix))
        })
        .collect();
    fixes.sort_by_key(|(_, fix)| fix.edits.iter().map(|e| e.span.start).min());
    let text = &report.source.text;
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for (key, fix) in fixes {
        let fits = fix.edits.iter().all(|edit| {
            edit.span.start <= edit.span.end
                && edit.span.end <= text.len()
                && text.is_char_boundary(edit.span.start)
                && text.is_char_boundary(edit.span.end)
                && taken.iter().all(|other| !overlaps(&edit.span, &other.span))
        });
        if fits {
            taken.extend(&fix.edits);
            applied.push((key, fix.title.clone()));
        }
    }
    if applied.is_empty() {
        return None;
    }
    taken.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in taken {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    Some(Fixed { text: out, applied })
}

/// Two edits touch the same bytes (an insertion at the same place counts).
fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end || a.start == b.start
}

/// Rules whose new findings mean an edit broke the file rather than revealed the flow: a
/// fix that makes one of these appear is rolled back. (Repairing a transition may bring
/// widgets back into the flow with the defects they always had; that is no reason to undo it.)
const BROKEN_BY_AN_EDIT: &[&str] = &[
    "malformed-flow",
    "dangling-transition",
    "duplicate-event",
    "duplicate-state-name",
    "unknown-event",
    "invalid-initial-state",
    "schema-violation",
    "undefined-widget-reference",
];

/// Whether fixing left the file sound: it still loads, the fixed findings are gone, and no
/// finding of a rule in [`BROKEN_BY_AN_EDIT`] appeared.
pub fn introduces_nothing(
    before: &FileReport,
    after: &FileReport,
    fixed: &[(FindingKey, String)],
) -> Result<(), String> {
    if let Some(error) = &after.error {
        return Err(format!("the fixed file would not load: {}", error.message));
    }
    let mut remaining: Vec<FindingKey> = before.findings.iter().map(|f| before.key(f)).collect();
    for (key, _) in fixed {
        if let Some(at) = remaining.iter().position(|k| k == key) {
            remaining.swap_remove(at);
        }
    }
    for finding in &after.findings {
        let key = after.key(finding);
        match remaining.iter().position(|k| *k == key) {
            Some(at) => {
                remaining.swap_remove(at);
            }
            None if BROKEN_BY_AN_EDIT.contains(&finding.diagnostic.rule) => {
                return Err(format!(
                    "fixing would bring a new finding: {}: {}",
                    finding.diagnostic.rule, finding.diagnostic.message
                ));
            }
            None => {}
        }
    }
    Ok(())
}

/// A unified diff of a file before and after fixing, `--- a/… +++ b/…`.
pub fn unified_diff(name: &str, before: &str, after: &str) -> String {
    let (old, new) = if name.starts_with('/') {
        (name.to_string(), name.to_string())
    } else {
        (format!("a/{name}"), format!("b/{name}"))
    };
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string()
}

/// Writes `text` over `path` atomically (a file beside it, then a rename), and only when the
/// file still holds `expected`: a file changed on disk since it was read is left alone.
pub fn write_atomically(path: &std::path::Path, expected: &str, text: &str) -> Result<(), String> {
    let now =
        std::fs::read(path).map_err(|e| format!("cannot read {} again: {e}", path.display()))?;
    if now != expected.as_bytes() {
        return Err(format!(
            "{} changed on disk since it was read: not fixed",
            path.display()
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.flowcheck-fix"));
    std::fs::write(&temporary, text)
        .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    if let Ok(metadata) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, metadata.permissions());
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot replace {}: {e}", path.display())
    })
}
