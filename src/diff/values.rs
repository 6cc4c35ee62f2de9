//! Comparing JSON values the way a reviewer reads them: object members by key, `{key, value}`
//! lists by key, Liquid references to renamed widgets by their new names; and showing a
//! changed value compactly.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::liquid::{self, Root};

/// Rewrites the widget names that Liquid references and transitions use: old names to new
/// ones for renamed widgets, or names to a placeholder when building rename signatures.
#[derive(Debug, Default)]
pub struct Names {
    map: HashMap<String, String>,
}

/// What unmatched widgets' names become in rename signatures.
pub const PLACEHOLDER: &str = "\u{1}";

impl Names {
    pub fn new(map: HashMap<String, String>) -> Names {
        Names { map }
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A widget name as this mapping writes it.
    pub fn name<'a>(&'a self, name: &'a str) -> &'a str {
        self.map.get(name).map_or(name, String::as_str)
    }

    /// Whether the mapping changes this name.
    pub fn renames(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A string with its Liquid widget references rewritten.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let liquid = text.contains("{{") || text.contains("{%");
        if self.map.is_empty() || !liquid || !text.contains("widgets") {
            return Cow::Borrowed(text);
        }
        let mut out = String::new();
        let mut copied = 0;
        liquid::scan_liquid(text, |found| {
            let (name, span) = found.name();
            if found.root != Root::Widget {
                return;
            }
            if let Some(new) = self.map.get(name)
                && span.start >= copied
            {
                out.push_str(&text[copied..span.start]);
                out.push_str(new);
                copied = span.end;
            }
        });
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// The renamed widgets a text still names by their old names.
    pub fn stale_references(&self, text: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        liquid::scan_liquid(text, |found| {
            let (name, _) = found.name();
            if found.root == Root::Widget && self.map.contains_key(name) {
                names.push(name.to_string());
            }
        });
        names.dedup();
        names
    }
}

/// Whether two values are the same once each side's names are rewritten; `skip` leaves out
/// top-level members (`offset`).
pub fn same(old: &Value, new: &Value, old_names: &Names, new_names: &Names, skip: &[&str]) -> bool {
    match (old, new) {
        (Value::String(a), Value::String(b)) => old_names.text(a) == new_names.text(b),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| same(x, y, old_names, new_names, &[]))
        }
        (Value::Object(a), Value::Object(b)) => {
            let kept = |m: &&serde_json::Map<String, Value>| {
                m.keys().filter(|k| !skip.contains(&k.as_str())).count()
            };
            kept(&a) == kept(&b)
                && a.iter()
                    .filter(|(k, _)| !skip.contains(&k.as_str()))
                    .all(|(k, x)| {
                        b.get(k)
                            .is_some_and(|y| same(x, y, old_names, new_names, &[]))
                    })
        }
        _ => old == new,
    }
}

/// A hash of a value that ignores the order of object members, with names rewritten and
/// top-level members in `skip` left out.
pub fn hash_value(value: &Value, names: &Names, skip: &[&str], state: &mut impl Hasher) {
    match value {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        Value::Number(n) => (2u8, n.to_string()).hash(state),
        Value::String(s) => (3u8, names.text(s).as_ref()).hash(state),
        Value::Array(items) => {
            (4u8, items.len()).hash(state);
            for item in items {
                hash_value(item, names, &[], state);
            }
        }
        Value::Object(members) => {
            let mut keys: Vec<&String> = members
                .keys()
                .filter(|k| !skip.contains(&k.as_str()))
                .collect();
            keys.sort();
            (5u8, keys.len()).hash(state);
            for key in keys {
                key.hash(state);
                hash_value(&members[key], names, &[], state);
            }
        }
    }
}

/// One changed value: where (`say`, `parameters["to"].value`, `flags.x`), and what it was and
/// is (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// Why an apparently equal text changed: it still names a renamed widget by its old name.
    pub note: Option<String>,
}

/// The changes between two values, at the finest level a reader can follow: members of
/// objects, entries of `{key, value}` lists by key, items of lists of equal length.
pub struct Differ<'a> {
    /// The old side's names, rewritten as the new side calls them.
    pub names: &'a Names,
    /// Top-level members to leave out.
    pub skip: &'a [&'a str],
}

impl Differ<'_> {
    pub fn diff(&self, path: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<ValueChange> {
        let mut out = Vec::new();
        self.walk(path, old, new, self.skip, &mut out);
        out
    }

    fn walk(
        &self,
        path: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        skip: &[&str],
        out: &mut Vec<ValueChange>,
    ) {
        let identity = Names::default();
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(a), Some(b)) if same(a, b, self.names, &identity, skip) => return,
            (Some(a), Some(b)) => (a, b),
            (a, b) => {
                out.push(self.change(path, a, b));
                return;
            }
        };
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let keys = a
                    .keys()
                    .chain(b.keys().filter(|k| !a.contains_key(*k)))
                    .filter(|k| !skip.contains(&k.as_str()));
                for key in keys {
                    let child = member_path(path, key);
                    self.walk(&child, a.get(key), b.get(key), &[], out);
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                if let (Some(ka), Some(kb)) = (keyed(a), keyed(b)) {
                    let keys = ka
                        .iter()
                        .map(|(k, _)| *k)
                        .chain(kb.iter().map(|(k, _)| *k).filter(|k| !ka.contains_key(k)));
                    let mut seen = std::collections::HashSet::new();
                    for key in keys.filter(|k| seen.insert(*k)) {
                        let child = format!("{path}[{}]", quote(key));
                        self.walk(&child, ka.get(key).copied(), kb.get(key).copied(), &[], out);
                    }
                } else if a.len() == b.len() {
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        self.walk(&format!("{path}[{i}]"), Some(x), Some(y), &[], out);
                    }
                } else {
                    out.push(self.change(path, Some(old), Some(new)));
                }
            }
            _ => out.push(self.change(path, Some(old), Some(new))),
        }
    }

    fn change(&self, path: &str, old: Option<&Value>, new: Option<&Value>) -> ValueChange {
        let note = match (old, new) {
            (Some(Value::String(a)), Some(Value::String(b))) if a == b => {
                let stale = self.names.stale_references(a);
                let renamed: Vec<String> = stale
                    .iter()
                    .map(|n| format!("`{n}` (now `{}`)", self.names.name(n)))
                    .collect();
                (!renamed.is_empty())
                    .then(|| format!("still names {} by its old name", renamed.join(", ")))
            }
            _ => None,
        };
        ValueChange {
            path: path.to_string(),
            old: old.cloned(),
            new: new.cloned(),
            note,
        }
    }
}

/// A list of `{key, …}` objects with distinct string keys (parameters, attributes), by key.
/// An ordered map keeps the output in file order.
fn keyed(items: &[Value]) -> Option<indexed::Keyed<'_>> {
    if items.is_empty() {
        return None;
    }
    let mut map = indexed::Keyed::default();
    for item in items {
        let key = item.get("key")?.as_str()?;
        if !map.insert(key, item) {
            return None;
        }
    }
    Some(map)
}

mod indexed {
    use serde_json::Value;
    use std::collections::HashMap;

    /// Entries in insertion order, looked up by key.
    #[derive(Default)]
    pub struct Keyed<'a> {
        order: Vec<(&'a str, &'a Value)>,
        index: HashMap<&'a str, usize>,
    }

    impl<'a> Keyed<'a> {
        /// False when the key is already there.
        pub fn insert(&mut self, key: &'a str, value: &'a Value) -> bool {
            if self.index.contains_key(key) {
                return false;
            }
            self.index.insert(key, self.order.len());
            self.order.push((key, value));
            true
        }

        pub fn get(&self, key: &str) -> Option<&&'a Value> {
            self.index.get(key).map(|&i| &self.order[i].1)
        }

        pub fn contains_key(&self, key: &str) -> bool {
            self.index.contains_key(key)
        }

        pub fn iter(&self) -> impl Iterator<Item = &(&'a str, &'a Value)> {
            self.order.iter()
        }
    }
}

/// `a.b` for an identifier-like key, `a["b c"]` otherwise; the key alone at the top.
pub fn member_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", quote(key)),
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// A value in at most about `limit` characters: strings beside the other side's value lose
/// their common beginning and end, anything longer is cut with `…`. `None` is `(none)`.
pub fn compact(value: Option<&Value>, other: Option<&Value>, limit: usize) -> String {
    let Some(value) = value else {
        return "(none)".to_string();
    };
    if let (Value::String(text), Some(Value::String(other))) = (value, other) {
        return compact_string(text, other, limit);
    }
    if let Value::String(text) = value {
        return quote(&cut(text, limit));
    }
    let text = serde_json::to_string(value).unwrap_or_default();
    cut(&text, limit)
}

/// A string shown beside another: when either is long, the part that differs with a little
/// context either side.
fn compact_string(text: &str, other: &str, limit: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= limit {
        return quote(text);
    }
    let others: Vec<char> = other.chars().collect();
    let prefix = chars
        .iter()
        .zip(&others)
        .take_while(|(a, b)| a == b)
        .count();
    let room = chars.len().min(others.len()) - prefix;
    let suffix = chars
        .iter()
        .rev()
        .zip(others.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    const CONTEXT: usize = 12;
    let start = prefix.saturating_sub(CONTEXT);
    let end = (chars.len() - suffix + CONTEXT).min(chars.len());
    let middle: String = chars[start..end].iter().collect();
    let middle = cut(&middle, limit);
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() && !middle.ends_with('…') {
        "…"
    } else {
        ""
    };
    quote(&format!("{lead}{middle}{tail}"))
}

fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn renames(pairs: &[(&str, &str)]) -> Names {
        Names::new(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn references_follow_a_renamed_widget() {
        let names = renames(&[("ask", "ask_zip")]);
        assert_eq!(
            names.text("{{widgets.ask.Digits}} and {{ widgets[\"ask\"].x }} {{widgets.asked}}"),
            "{{widgets.ask_zip.Digits}} and {{ widgets[\"ask_zip\"].x }} {{widgets.asked}}"
        );
        assert_eq!(
            names.text("widgets.ask outside Liquid"),
            "widgets.ask outside Liquid"
        );
    }

    #[test]
    fn differ_reports_members_and_keyed_entries() {
        let names = renames(&[("a", "b")]);
        let differ = Differ {
            names: &names,
            skip: &["offset"],
        };
        let old = json!({"say": "{{widgets.a.x}}", "offset": {"x": 1},
                         "parameters": [{"key": "k", "value": "1"}, {"key": "j", "value": "2"}]});
        let new = json!({"say": "{{widgets.b.x}}", "offset": {"x": 2},
                         "parameters": [{"key": "j", "value": "3"}, {"key": "k", "value": "1"}]});
        let changes = differ.diff("", Some(&old), Some(&new));
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["parameters[\"j\"].value"]);
    }

    #[test]
    fn stale_reference_is_explained() {
        let names = renames(&[("a", "b")]);
        let differ = Differ {
            names: &names,
            skip: &[],
        };
        let old = json!({"say": "{{widgets.a.x}}"});
        let changes = differ.diff("", Some(&old), Some(&old));
        assert_eq!(changes.len(), 1);
        assert!(
            changes[0]
                .note
                .as_deref()
                .unwrap()
                .contains("`a` (now `b`)")
        );
    }

    #[test]
    fn long_strings_show_the_difference() {
        let old =
            json!("Welcome to Owl Bank. Press 1 for your balance, 2 or 3 for an agent. Goodbye.");
        let new = json!("Welcome to Owl Bank. Press 1 for your balance, 2 for an agent. Goodbye.");
        assert_eq!(
            compact(Some(&old), Some(&new), 40),
            "\"… balance, 2 or 3 for an agent…\""
        );
        assert_eq!(compact(None, Some(&new), 40), "(none)");
        assert_eq!(compact(Some(&json!({"a": 1})), None, 40), "{\"a\":1}");
    }
}
