//! `--format markdown`: a summary for `$GITHUB_STEP_SUMMARY` and pull-request comments — the
//! totals, then a table of findings with links to their lines, at most [`MAX_ROWS`] of them.

use crate::analyze::{FileReport, normalize_path};
use crate::report::Summary;
use crate::rule::Severity;

/// A step summary is for reading: past this many rows it says how many more there are.
pub const MAX_ROWS: usize = 100;

pub fn render(reports: &[FileReport]) -> String {
    let summary = Summary::of(reports);
    let mut out = String::from("## flowcheck\n\n");
    out.push_str(&totals(&summary));
    let failed: Vec<&FileReport> = reports.iter().filter(|r| r.error.is_some()).collect();
    if !failed.is_empty() {
        out.push_str("\n### Files that could not be analysed\n\n");
        for report in failed {
            if let Some(error) = &report.error {
                let at = error
                    .position
                    .map(|p| format!(":{}:{}", p.line, p.column))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "- `{}{at}`: {}\n",
                    code(&normalize_path(&report.name)),
                    cell(&error.message)
                ));
            }
        }
    }
    let rows: Vec<String> = reports.iter().flat_map(rows_of).collect();
    if !rows.is_empty() {
        out.push_str("\n| | Location | Rule | Finding |\n|---|---|---|---|\n");
        for row in rows.iter().take(MAX_ROWS) {
            out.push_str(row);
        }
        if rows.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n…and {} more; run `flowcheck analyze` for all of them.\n",
                rows.len() - MAX_ROWS
            ));
        }
    }
    out
}

fn totals(summary: &Summary) -> String {
    let analysed = summary.files - summary.failed;
    if summary.errors + summary.warnings + summary.infos == 0 {
        return format!("✅ No problems found in {analysed} flow file(s).\n");
    }
    format!(
        "| Errors | Warnings | Infos | Files with findings | Files checked |\n\
         |---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} |\n",
        summary.errors, summary.warnings, summary.infos, summary.with_findings, summary.files
    )
}

fn rows_of(report: &FileReport) -> Vec<String> {
    let file = normalize_path(&report.name);
    report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let icon = match d.severity {
                Severity::Error => "🔴",
                Severity::Warning => "🟠",
                Severity::Info => "🔵",
            };
            format!(
                "| {icon} | `{}:{}:{}` | `{}` | {} |\n",
                code(&file),
                f.start.line,
                f.start.column,
                d.rule,
                cell(&d.message)
            )
        })
        .collect()
}

/// Text inside a table cell: no pipes or line breaks; code spans keep their backticks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text inside a code span.
fn code(text: &str) -> String {
    text.replace('`', "'").replace('|', "\\|")
}
