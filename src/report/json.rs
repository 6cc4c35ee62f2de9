//! `--format json`: the version 1 contract in DESIGN.md.

use std::io::Write;

use serde::Serialize;

use super::Summary;
use crate::analyze::{FileReport, Finding};
use crate::rule::Applicability;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    files: Vec<FileOutput<'a>>,
    summary: SummaryOutput,
}

#[derive(Serialize)]
struct FileOutput<'a> {
    path: &'a str,
    states: usize,
    error: Option<ErrorOutput<'a>>,
    diagnostics: Diagnostics<'a>,
}

/// A file's findings, turned into [`DiagnosticOutput`]s one at a time as they are written:
/// a report of 100,000 findings holds no second list of them.
struct Diagnostics<'a>(&'a [Finding]);

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(diagnostic_output))
    }
}

#[derive(Serialize)]
struct ErrorOutput<'a> {
    message: &'a str,
    line: Option<usize>,
    column: Option<usize>,
}

/// One diagnostic as the version 1 JSON report writes it (`flowcheck diff` reuses it).
#[derive(Serialize)]
pub struct DiagnosticOutput<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    state: Option<&'a str>,
    event: Option<&'a str>,
    pointer: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// The repair `--fix` (or `--unsafe-fixes`) applies; absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOutput<'a>>,
}

#[derive(Serialize)]
struct FixOutput<'a> {
    title: &'a str,
    /// `safe` or `unsafe`.
    applicability: &'static str,
}

#[derive(Serialize)]
struct SummaryOutput {
    /// Flow files checked (the configuration file is not one).
    files: usize,
    /// Of those, the ones that could not be read or parsed.
    failed: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// The whole report as pretty-printed JSON, ending with a newline.
pub fn render(reports: &[FileReport]) -> String {
    let mut bytes = Vec::new();
    let _ = write(reports, &mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// Writes the report as it is serialised: a large flow's report can be several times the
/// file, and is never held whole.
pub fn write(reports: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    let summary = Summary::of(reports);
    let output = Output {
        version: 1,
        files: reports.iter().map(file_output).collect(),
        summary: SummaryOutput {
            files: summary.files,
            failed: summary.failed,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    out.write_all(b"\n")
}

fn file_output(report: &FileReport) -> FileOutput<'_> {
    FileOutput {
        path: &report.name,
        states: report.states,
        error: report.error.as_ref().map(|e| ErrorOutput {
            message: &e.message,
            line: e.position.map(|p| p.line),
            column: e.position.map(|p| p.column),
        }),
        diagnostics: Diagnostics(&report.findings),
    }
}

pub fn diagnostic_output(finding: &Finding) -> DiagnosticOutput<'_> {
    let d = &finding.diagnostic;
    DiagnosticOutput {
        rule: d.rule,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        state: d.state.as_deref(),
        event: d.event.as_deref(),
        pointer: &finding.pointer,
        line: finding.start.line,
        column: finding.start.column,
        end_line: finding.end.line,
        end_column: finding.end.column,
        fix: d.fix.as_ref().map(|fix| FixOutput {
            title: &fix.title,
            applicability: match fix.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe",
            },
        }),
    }
}
