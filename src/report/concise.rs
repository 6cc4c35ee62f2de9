//! `--format concise`: one line per finding, `path:line:col: severity[rule] message`, the
//! shape compilers print and editors' problem matchers read.

use crate::analyze::FileReport;

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(error) = &report.error {
            let position = error
                .position
                .map(|p| format!("{}:{}:", p.line, p.column))
                .unwrap_or_default();
            out.push_str(&format!(
                "{}:{position} error[load] {}\n",
                report.name,
                one_line(&error.message)
            ));
        }
        for f in &report.findings {
            let d = &f.diagnostic;
            out.push_str(&format!(
                "{}:{}:{}: {}[{}] {}\n",
                report.name,
                f.start.line,
                f.start.column,
                d.severity,
                d.rule,
                one_line(&d.message)
            ));
        }
    }
    out
}

/// Messages are one line already; a value quoted from the flow may not be.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
