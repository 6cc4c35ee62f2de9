//! `liquid-syntax`: Liquid that Studio cannot parse (error 81018), in every string Studio
//! renders (widget properties and split conditions; a condition's `friendly_name` is only a
//! label): a `{{` or `{%` that is never closed, an unknown tag, a block (`if`, `for`,
//! `unless`, `case`, `capture`, …) left open or closed by the wrong tag, a filter that is not
//! one of Liquid's standard filters or Studio's `to_json`, `+` used as an operator, and names
//! with non-ASCII letters. Each finding underlines the exact place inside the string.
//!
//! A small scanner rather than a Liquid crate: `liquid-core` reports positions only inside a
//! formatted message and parses its own dialect (its errors are not Studio's), so the checks
//! here are the ones error 81018 lists, each with a byte span.

use crate::flow::Location;
use crate::flow::json::Span;
use crate::rule::{Anchor, Context, Diagnostic, Rule};

declare_rule!(
    LiquidSyntax,
    "liquid-syntax",
    Error,
    "Liquid that Studio cannot parse: unclosed braces or blocks, unknown tags or filters"
);

impl Rule for LiquidSyntax {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for text in ctx.liquid_texts() {
            let decoded = text.decode(ctx.flow, &ctx.source.text);
            for problem in scan(&decoded.text) {
                let at = text.file_span(ctx.flow, &decoded, &problem.span);
                out.push(
                    Diagnostic::new(&META, Location::clone(&text.location), problem.message)
                        .anchor(Anchor::Bytes(at))
                        .help(problem.help),
                );
            }
        }
    }
}

/// One thing Studio cannot parse, with its span in the decoded text.
#[derive(Debug)]
struct Problem {
    span: Span,
    message: String,
    help: &'static str,
}

fn problem(span: Span, message: impl Into<String>, help: &'static str) -> Problem {
    Problem {
        span,
        message: message.into(),
        help,
    }
}

/// Tags that open a block, with the tag that closes it.
const BLOCKS: &[(&str, &str)] = &[
    ("if", "endif"),
    ("unless", "endunless"),
    ("case", "endcase"),
    ("for", "endfor"),
    ("capture", "endcapture"),
    ("tablerow", "endtablerow"),
    ("comment", "endcomment"),
    ("raw", "endraw"),
    ("ifchanged", "endifchanged"),
];

/// Tags that stand alone or continue a block.
const OTHER_TAGS: &[&str] = &[
    "elsif",
    "else",
    "when",
    "assign",
    "increment",
    "decrement",
    "cycle",
    "break",
    "continue",
    "echo",
    "liquid",
    "include",
    "render",
];

/// Liquid's standard filters, and Studio's `to_json`.
const FILTERS: &[&str] = &[
    "abs",
    "append",
    "at_least",
    "at_most",
    "base64_decode",
    "base64_encode",
    "base64_url_safe_decode",
    "base64_url_safe_encode",
    "capitalize",
    "ceil",
    "compact",
    "concat",
    "date",
    "default",
    "divided_by",
    "downcase",
    "escape",
    "escape_once",
    "find",
    "find_index",
    "first",
    "floor",
    "has",
    "join",
    "last",
    "lstrip",
    "map",
    "minus",
    "modulo",
    "newline_to_br",
    "plus",
    "prepend",
    "reject",
    "remove",
    "remove_first",
    "remove_last",
    "replace",
    "replace_first",
    "replace_last",
    "reverse",
    "round",
    "rstrip",
    "size",
    "slice",
    "sort",
    "sort_natural",
    "split",
    "strip",
    "strip_html",
    "strip_newlines",
    "sum",
    "times",
    "to_json",
    "truncate",
    "truncatewords",
    "uniq",
    "upcase",
    "url_decode",
    "url_encode",
    "where",
];

/// An open block: its tag name and the span of the tag.
struct Open {
    name: String,
    span: Span,
}

/// Scans a decoded string: its `{{ }}` outputs and `{% %}` tags, and the blocks they form.
fn scan(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut at = 0;
    while let Some(start) = next_delimiter(text, at) {
        let is_output = text[start..].starts_with("{{");
        let close = if is_output { b'}' } else { b'%' };
        let inner_start = start + 2;
        let Some(end) = crate::liquid::find_close(text, inner_start, close) else {
            problems.push(unclosed(start, is_output));
            break;
        };
        // A delimiter opened again before this one closes: the first is never closed.
        if let Some(nested) = next_delimiter(text, inner_start).filter(|&n| n < end) {
            problems.push(unclosed(start, is_output));
            at = nested;
            continue;
        }
        at = end + 2;
        if is_output {
            problems.extend(check_expression(text, inner_start, end, true));
            continue;
        }
        let tag = Tag::read(text, start, inner_start, end);
        if tag.name == "raw" || tag.name == "comment" {
            match skip_verbatim(text, at, &tag.name) {
                Some(after) => at = after,
                None => {
                    problems.push(unclosed_block(&tag.name, tag.span.clone()));
                    break;
                }
            }
            continue;
        }
        check_tag(text, &tag, &mut open, &mut problems);
    }
    problems.extend(open.into_iter().map(|o| unclosed_block(&o.name, o.span)));
    problems.sort_by_key(|p| p.span.start);
    problems
}

fn next_delimiter(text: &str, from: usize) -> Option<usize> {
    crate::liquid::find_open(&text[from..]).map(|i| from + i)
}

fn unclosed(start: usize, is_output: bool) -> Problem {
    if is_output {
        problem(
            start..start + 2,
            "this `{{` is never closed with `}}`",
            "close the output with `}}`",
        )
    } else {
        problem(
            start..start + 2,
            "this `{%` is never closed with `%}`",
            "close the tag with `%}`",
        )
    }
}

fn unclosed_block(name: &str, span: Span) -> Problem {
    let end = BLOCKS
        .iter()
        .find(|(open, _)| *open == name)
        .map_or("end", |(_, end)| end);
    Problem {
        span,
        message: format!("`{{% {name} %}}` is never closed with `{{% {end} %}}`"),
        help: "close every block with its end tag",
    }
}

/// A `{% … %}` tag: its name and where it is.
struct Tag {
    name: String,
    name_span: Span,
    /// The whole tag, `{%` to `%}`.
    span: Span,
    /// Where its expression (after the name) starts and ends.
    rest: (usize, usize),
}

impl Tag {
    fn read(text: &str, start: usize, inner_start: usize, end: usize) -> Tag {
        let bytes = text.as_bytes();
        let mut from = inner_start;
        while from < end && (bytes[from] == b'-' || bytes[from].is_ascii_whitespace()) {
            from += 1;
        }
        let mut to = from;
        while to < end && (bytes[to].is_ascii_alphanumeric() || bytes[to] == b'_') {
            to += 1;
        }
        let first = text[from..].chars().next().map_or(1, char::len_utf8);
        let mut rest_end = end;
        while rest_end > to && bytes[rest_end - 1] == b'-' {
            rest_end -= 1;
        }
        Tag {
            name: text[from..to].to_string(),
            // An unnamed tag underlines the character where the name should be, whole.
            name_span: from..to.max(from + first).min(end.max(from + first)),
            span: start..end + 2,
            rest: (to, rest_end),
        }
    }
}

/// Past the `{% endraw %}` (or `endcomment`) that closes a verbatim block.
fn skip_verbatim(text: &str, from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    while let Some(start) = text[at..].find("{%").map(|i| at + i) {
        let end = crate::liquid::find_close(text, start + 2, b'%')?;
        if Tag::read(text, start, start + 2, end).name == format!("end{name}") {
            return Some(end + 2);
        }
        at = end + 2;
    }
    None
}

fn check_tag(text: &str, tag: &Tag, open: &mut Vec<Open>, problems: &mut Vec<Problem>) {
    let name = tag.name.as_str();
    if BLOCKS.iter().any(|(o, _)| *o == name) {
        open.push(Open {
            name: name.to_string(),
            span: tag.span.clone(),
        });
    } else if let Some(opener) = name.strip_prefix("end").filter(|o| is_block(o)) {
        close_block(opener, tag, open, problems);
    } else if !OTHER_TAGS.contains(&name) {
        problems.push(problem(
            tag.name_span.clone(),
            if name.is_empty() {
                "this tag has no name".to_string()
            } else {
                format!("`{name}` is not a Liquid tag")
            },
            "use one of Liquid's tags: if, unless, case, for, assign, capture, …",
        ));
        return;
    }
    if name == "liquid" {
        return;
    }
    let filters = matches!(name, "assign" | "echo");
    problems.extend(check_expression(text, tag.rest.0, tag.rest.1, filters));
}

fn is_block(name: &str) -> bool {
    BLOCKS.iter().any(|(o, _)| *o == name)
}

fn close_block(opener: &str, tag: &Tag, open: &mut Vec<Open>, problems: &mut Vec<Problem>) {
    match open.iter().rposition(|o| o.name == opener) {
        Some(at) => {
            // Blocks opened inside this one and never closed.
            for inner in open.drain(at + 1..) {
                problems.push(unclosed_block(&inner.name, inner.span));
            }
            open.pop();
        }
        None => problems.push(problem(
            tag.span.clone(),
            format!("`{{% {} %}}` closes no open `{{% {opener} %}}`", tag.name),
            "remove the end tag, or open the block it closes",
        )),
    }
}

/// Checks an expression between `from` and `to`: `+` as an operator, non-ASCII names, and
/// (where filters are allowed) filter names.
fn check_expression(text: &str, from: usize, to: usize, filters: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    let bytes = text.as_bytes();
    let mut i = from;
    let mut after_pipe = false;
    while i < to {
        // Outside a filter name, only quotes, `+`, `|` and non-ASCII bytes matter: the
        // others are skipped in one tight run.
        if !after_pipe {
            i += bytes[i..to]
                .iter()
                .position(|&b| NOTABLE_BYTES[usize::from(b)])
                .unwrap_or(to - i);
            if i == to {
                break;
            }
        }
        let c = bytes[i];
        if c == b'"' || c == b'\'' {
            match text[i + 1..to].find(c as char) {
                Some(q) => i += q + 2,
                None => {
                    problems.push(problem(
                        i..i + 1,
                        "this quote is never closed",
                        "close the string with the same quote",
                    ));
                    break;
                }
            }
            continue;
        }
        if c == b'+' {
            problems.push(problem(
                i..i + 1,
                "`+` is not a Liquid operator",
                "add with a filter: `{{ x | plus: 1 }}`; join text with `| append: …`",
            ));
        } else if c == b'|' && filters {
            after_pipe = true;
        } else if !c.is_ascii() {
            let ch = text[i..].chars().next().unwrap_or(' ');
            let len = ch.len_utf8();
            if ch.is_alphabetic() {
                problems.push(problem(
                    i..i + len,
                    format!("`{ch}` is not allowed in a Liquid name: names are ASCII"),
                    "rename the variable with ASCII letters, digits, `_` and `-`",
                ));
            }
            i += len;
            continue;
        } else if after_pipe && !c.is_ascii_whitespace() {
            after_pipe = false;
            let end = name_end(bytes, i, to);
            problems.extend(check_filter(text, i, end));
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    if after_pipe {
        problems.push(problem(
            to.saturating_sub(1)..to,
            "a `|` with no filter after it",
            "name a filter after `|`, or remove it",
        ));
    }
    problems
}

/// The bytes [`check_expression`] acts on outside a filter name, by byte.
const NOTABLE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = matches!(c as u8, b'"' | b'\'' | b'+' | b'|' | 0x80..);
        c += 1;
    }
    table
};

fn name_end(bytes: &[u8], from: usize, to: usize) -> usize {
    let mut end = from;
    while end < to && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

fn check_filter(text: &str, from: usize, to: usize) -> Option<Problem> {
    if from == to {
        return Some(problem(
            from..from + text[from..].chars().next().map_or(1, char::len_utf8),
            "a `|` with no filter after it",
            "name a filter after `|`, or remove it",
        ));
    }
    let name = &text[from..to];
    (!FILTERS.contains(&name)).then(|| {
        problem(
            from..to,
            format!("`{name}` is not a Liquid filter Studio knows"),
            "use one of Liquid's standard filters (`upcase`, `default`, `plus`, `date`, …) or \
             Studio's `to_json`",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        scan(text)
            .into_iter()
            .map(|p| (text[p.span].to_string(), p.message))
            .collect()
    }

    #[test]
    fn valid_liquid_passes() {
        for text in [
            "Hi {{ widgets.a.x | default: 'there' | upcase }}",
            "{% if flow.variables.n > 1 %}many{% elsif x %}one{% else %}none{% endif %}",
            "{% for i in (1..widgets.x.parsed.items.size) %}{{i}}{% endfor %}",
            "{% raw %}{{ not liquid {% endraw %}",
            "{\"a\": {{widgets.f.parsed.n}}}",
            "{{ 'a+b' }} {{ \"é\" }}",
            "{%- assign n = widgets.a.x | plus: 0 -%}{{ n | to_json }}",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    #[test]
    fn problems_are_found_where_they_are() {
        assert_eq!(found("{{flow.variables.id")[0].0, "{{");
        assert_eq!(found("{{a}} {{b and {{c}}")[0].0, "{{");
        assert_eq!(found("{{ a + 1 }}")[0].0, "+");
        assert_eq!(found("{{ a | upper }}")[0].0, "upper");
        assert_eq!(found("{% iff a %}")[0].0, "iff");
        assert_eq!(found("{% if a %}x")[0].0, "{% if a %}");
        assert_eq!(found("{% for a in b %}{% endif %}").len(), 2);
        assert_eq!(found("{{ flow.variables.año }}")[0].0, "ñ");
    }
}
