//! Escaping text from a flow for XML and HTML-like output (SVG, Graphviz labels, JUnit), so
//! that no widget name or message can open a tag, end an attribute or hold a character XML
//! 1.0 cannot.

/// What becomes of line breaks and tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// Kept as they are (JUnit messages).
    Keep,
    /// Written as `&#10;` (SVG tooltips, which keep lines).
    Entity,
    /// A space (Graphviz HTML-like labels, which lay lines out themselves).
    Space,
}

/// `text` with markup characters as entities and control characters handled per `breaks`.
pub fn escape_xml(text: &str, breaks: Breaks) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' | '\r' if breaks == Breaks::Keep => out.push(c),
            '\n' if breaks == Breaks::Entity => out.push_str("&#10;"),
            // XML cannot hold these, and Graphviz reads HTML-like labels as XML.
            '\u{fffe}' | '\u{ffff}' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_neutralised() {
        let text = "<a href='x'>\"&\"</a>\n\u{7}";
        assert_eq!(
            escape_xml(text, Breaks::Space),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;  "
        );
        assert!(escape_xml("a\nb", Breaks::Entity).contains("&#10;"));
        assert_eq!(escape_xml("a\nb", Breaks::Keep), "a\nb");
    }
}
