//! Flows as files: the name `pull` gives each flow, the text it writes (a Flows API resource
//! that flowcheck's loader reads), and the comparison `drift` makes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::client::{FlowResource, FlowSummary};

/// Slugs longer than this (in bytes) are cut at a character boundary, so that a name with its
/// SID suffix and `.json` stays well under the usual 255-byte limit.
const MAX_SLUG_BYTES: usize = 100;

/// A file-name-safe form of a friendly name: lowercase, words joined by `-`. ASCII letters and
/// digits and every non-ASCII character that is not a space, control or invisible formatting
/// character are kept, so `Menú principal` gives `menú-principal` and `受付` stays `受付`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        let keep = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            !(c.is_whitespace() || c.is_control() || is_invisible(c))
        };
        if !keep {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('-');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    if out.len() > MAX_SLUG_BYTES {
        let mut cut = MAX_SLUG_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

/// Zero-width and direction-changing characters: invisible in a file name, or worse.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Names Windows reserves whatever the extension.
fn is_reserved(stem: &str) -> bool {
    matches!(stem, "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit())
}

/// The file name of each flow (`<slug>.json`), in the list's order. Names are computed over
/// the whole account, so `pull --flow X` writes the same name as a full pull. Flows whose
/// slugs collide (`Main IVR`, `main ivr`) all get their SID appended, so a name does not
/// depend on the order the API lists flows in.
pub fn file_names(flows: &[FlowSummary]) -> Vec<String> {
    let slugs: Vec<String> = flows
        .iter()
        .map(|f| {
            let slug = slug(&f.friendly_name);
            if slug.is_empty() {
                f.sid.to_ascii_lowercase()
            } else if is_reserved(&slug) {
                format!("{slug}-flow")
            } else {
                slug
            }
        })
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for slug in &slugs {
        *count.entry(slug.as_str()).or_default() += 1;
    }
    let mut used = HashSet::new();
    flows
        .iter()
        .zip(&slugs)
        .map(|(flow, slug)| {
            let base = if count[slug.as_str()] > 1 {
                format!("{slug}-{}", flow.sid.to_ascii_lowercase())
            } else {
                slug.clone()
            };
            // Only a flow named like another's SID-suffixed name (or a duplicated SID) gets here.
            let mut name = format!("{base}.json");
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{n}.json");
                n += 1;
            }
            name
        })
        .collect()
}

/// The file `pull` writes: the flow's SID, name, status, revision and commit message, and its
/// definition with the API's key order, indented by two spaces, ending in a newline.
pub fn resource_text(flow: &FlowResource) -> String {
    let string = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "null".into());
    let optional = |text: &Option<String>| text.as_deref().map_or("null".to_string(), string);
    let revision = flow
        .revision
        .as_ref()
        .map_or("null".to_string(), Value::to_string);
    format!(
        "{{\n  \"sid\": {},\n  \"friendly_name\": {},\n  \"status\": {},\n  \"revision\": {},\n  \
         \"commit_message\": {},\n  \"definition\": {}\n}}\n",
        string(&flow.sid),
        string(&flow.friendly_name),
        optional(&flow.status),
        revision,
        optional(&flow.commit_message),
        pretty(&flow.definition, 1),
    )
}

/// Re-indents valid JSON text by two spaces per level, starting at `level`, keeping the order
/// of keys and the exact text of every string and number.
pub fn pretty(json: &str, level: usize) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + json.len() / 2);
    let mut depth = level;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                out.push_str(&json[i..end]);
                i = end;
                continue;
            }
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                let next = skip_space(bytes, i + 1);
                out.push(open as char);
                if bytes.get(next) == Some(&close) {
                    out.push(close as char);
                    i = next + 1;
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            close @ (b'}' | b']') => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(close as char);
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            b':' => out.push_str(": "),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            // Outside strings JSON is ASCII: digits, signs, `true`, `false`, `null`.
            other => out.push(other as char),
        }
        i += 1;
    }
    out
}

/// The offset just past the string literal that starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// How two definitions of one flow differ. Key order never matters; where each widget sits
/// on the canvas (`properties.offset`) and the order of `states` are layout, not drift.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Top-level members that differ (`initial_state`, `description`, `flags`…).
    pub flow: Vec<String>,
    /// Widgets only in the account, by name.
    pub added: Vec<String>,
    /// Widgets only in the file.
    pub removed: Vec<String>,
    /// Widgets in both whose type, properties or transitions differ.
    pub changed: Vec<String>,
    /// The canvas layout differs (offsets or the order of states), and nothing else may.
    pub layout: bool,
}

impl Comparison {
    /// Nothing but (perhaps) the layout differs.
    pub fn same(&self) -> bool {
        self.flow.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

/// Compares the definition in a file with the one in the account.
pub fn compare(file: &Value, account: &Value) -> Comparison {
    let mut result = Positioned::default();
    let empty = serde_json::Map::new();
    let (file_map, account_map) = (
        file.as_object().unwrap_or(&empty),
        account.as_object().unwrap_or(&empty),
    );
    let keys: std::collections::BTreeSet<&String> =
        file_map.keys().chain(account_map.keys()).collect();
    for key in keys {
        if key != "states" && file_map.get(key) != account_map.get(key) {
            result.flow.push(key.clone());
        }
    }
    let file_states = states(file);
    let account_states = states(account);
    let (Some(file_states), Some(account_states)) = (file_states, account_states) else {
        if file.get("states") != account.get("states") {
            result.flow.push("states".to_string());
        }
        return result.into_sorted();
    };
    for (name, (index, state)) in &file_states {
        match account_states.get(name) {
            None => result.removed.push((*index, name.clone())),
            Some((other_index, other)) => {
                if without_layout(state) != without_layout(other) {
                    result.changed.push((*index, name.clone()));
                } else if state != other || index != other_index {
                    result.layout = true;
                }
            }
        }
    }
    for (name, (index, _)) in &account_states {
        if !file_states.contains_key(name) {
            result.added.push((*index, name.clone()));
        }
    }
    result.into_sorted()
}

/// The comparison with each widget's index, sorted by it at the end.
#[derive(Default)]
struct Positioned {
    flow: Vec<String>,
    added: Vec<(usize, String)>,
    removed: Vec<(usize, String)>,
    changed: Vec<(usize, String)>,
    layout: bool,
}

impl Positioned {
    fn into_sorted(self) -> Comparison {
        let names = |mut list: Vec<(usize, String)>| {
            list.sort();
            list.into_iter().map(|(_, name)| name).collect()
        };
        Comparison {
            flow: self.flow,
            added: names(self.added),
            removed: names(self.removed),
            changed: names(self.changed),
            layout: self.layout,
        }
    }
}

/// The states by name, with their index; a name's second state is `name (2)`, and so on.
/// `None` when `states` is not an array of named objects (then the arrays are compared whole).
fn states(definition: &Value) -> Option<BTreeMap<String, (usize, &Value)>> {
    let list = definition.get("states")?.as_array()?;
    let mut map = BTreeMap::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, state) in list.iter().enumerate() {
        let name = state.get("name")?.as_str()?;
        let count = seen.entry(name).or_default();
        *count += 1;
        let key = match *count {
            1 => name.to_string(),
            n => format!("{name} ({n})"),
        };
        map.insert(key, (i, state));
    }
    Some(map)
}

/// A state without its canvas position.
fn without_layout(state: &Value) -> Value {
    let mut state = state.clone();
    if let Some(properties) = state.get_mut("properties").and_then(Value::as_object_mut) {
        properties.remove("offset");
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary(sid: &str, name: &str) -> FlowSummary {
        FlowSummary {
            sid: sid.to_string(),
            friendly_name: name.to_string(),
            status: None,
        }
    }

    #[test]
    fn slugs_keep_unicode_and_drop_what_files_cannot_hold() {
        assert_eq!(slug("Main IVR (v2)"), "main-ivr-v2");
        assert_eq!(slug("  Menú   principal! "), "menú-principal");
        assert_eq!(slug("受付フロー"), "受付フロー");
        assert_eq!(slug("ÉTÉ/été"), "été-été");
        assert_eq!(slug("a\u{202e}b\u{200b}c"), "a-b-c");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("???"), "");
        let long = slug(&"é".repeat(200));
        assert!(long.len() <= MAX_SLUG_BYTES && long.chars().all(|c| c == 'é'));
    }

    #[test]
    fn names_are_unique_and_independent_of_order() {
        let flows = [
            summary("FWB", "Main IVR"),
            summary("FWA", "main  ivr"),
            summary("FWC", "Support"),
            summary("FWD", ""),
            summary("FWE", "CON"),
        ];
        let names = file_names(&flows);
        assert_eq!(
            names,
            [
                "main-ivr-fwb.json",
                "main-ivr-fwa.json",
                "support.json",
                "fwd.json",
                "con-flow.json"
            ]
        );
        let mut reversed = flows.to_vec();
        reversed.reverse();
        let mut again = file_names(&reversed);
        again.reverse();
        assert_eq!(names, again);
    }

    #[test]
    fn pretty_keeps_order_strings_and_numbers() {
        let text = r#"{"z":1.50,"a":[],"m":{"s":"a, \"b\": {c}","e":{}},"l":[1,{"x":null}]}"#;
        let out = pretty(text, 0);
        assert_eq!(
            out,
            "{\n  \"z\": 1.50,\n  \"a\": [],\n  \"m\": {\n    \"s\": \"a, \\\"b\\\": {c}\",\n    \"e\": {}\n  },\n  \"l\": [\n    1,\n    {\n      \"x\": null\n    }\n  ]\n}"
        );
        let again: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn resource_text_is_a_loadable_flows_api_resource() {
        let flow = FlowResource {
            sid: "FW1".to_string(),
            friendly_name: "Menú \"1\"".to_string(),
            status: Some("published".to_string()),
            revision: Some(json!(3)),
            commit_message: None,
            definition: r#"{"initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","transitions":[],"properties":{}}]}"#.to_string(),
        };
        let text = resource_text(&flow);
        let loaded = crate::flow::load_text("x.json".to_string(), text.clone());
        let parsed = loaded.flow.expect("loads");
        assert_eq!(parsed.base, "/definition");
        assert_eq!(parsed.states.len(), 1);
        assert!(text.ends_with("}\n") && text.contains("\"revision\": 3,"));
    }

    #[test]
    fn comparison_ignores_key_order_and_layout() {
        let file = json!({"initial_state": "T", "states": [
            {"name": "T", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "a"}],
             "properties": {"offset": {"x": 0, "y": 0}}},
            {"name": "a", "type": "say-play", "transitions": [], "properties": {"say": "hi", "offset": {"x": 1, "y": 1}}},
            {"name": "gone", "type": "say-play", "transitions": [], "properties": {}}
        ]});
        let mut account = json!({"states": [
            {"type": "say-play", "name": "a", "transitions": [], "properties": {"offset": {"x": 9, "y": 9}, "say": "hi"}},
            {"name": "T", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "a"}],
             "properties": {"offset": {"x": 0, "y": 0}}},
            {"name": "gone", "type": "say-play", "transitions": [], "properties": {}}
        ], "initial_state": "T"});
        let same = compare(&file, &account);
        assert!(same.same() && same.layout, "{same:?}");
        account["states"][0]["properties"]["say"] = json!("hello");
        account["states"][2]["name"] = json!("new");
        account["initial_state"] = json!("a");
        let diff = compare(&file, &account);
        assert_eq!(diff.flow, ["initial_state"]);
        let twice = json!({"states": [{"name": "a", "n": 1}, {"name": "a", "n": 2}]});
        let other = json!({"states": [{"name": "a", "n": 1}, {"name": "a", "n": 3}]});
        assert_eq!(compare(&twice, &other).changed, ["a (2)"]);
        assert_eq!(diff.changed, ["a"]);
        assert_eq!(diff.removed, ["gone"]);
        assert_eq!(diff.added, ["new"]);
    }
}
