//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use crate::analyze::FileReport;
use crate::analyze::normalize_path;
use crate::report::paths::ProjectRoot;
use crate::rule::Severity;

/// Paths relative to the project root: GitHub places annotations on repository paths only.
pub fn render(reports: &[FileReport], root: &ProjectRoot) -> String {
    let mut out = String::new();
    for report in reports {
        let name = root
            .relative(&report.name)
            .unwrap_or_else(|| normalize_path(&report.name));
        let file = property(&name);
        if let Some(error) = &report.error {
            let position = error
                .position
                .map(|p| format!(",line={},col={}", p.line, p.column))
                .unwrap_or_default();
            out.push_str(&format!(
                "::error file={file}{position},title={}::{}\n",
                property("flowcheck: cannot analyse"),
                data(&error.message)
            ));
        }
        for f in &report.findings {
            let d = &f.diagnostic;
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            out.push_str(&format!(
                "::{command} file={file},line={},col={},endLine={},endColumn={},title={}::{}\n",
                f.start.line,
                f.start.column,
                f.end.line,
                f.end.column,
                property(&format!("flowcheck({})", d.rule)),
                data(&message)
            ));
        }
    }
    out
}

/// Escapes a message (the command's data).
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` are separators too.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
