//! `--format text`: rustc-style diagnostics with the source excerpt and a caret under the
//! offending key or value, then a summary line.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::Summary;
use crate::analyze::{FileReport, Finding};
use crate::flow::json::Span;
use crate::flow::{Position, SourceText};
use crate::rule::{Applicability, Severity};

/// Renders every report; `styled` adds ANSI colour (the caller decides from the terminal,
/// `--color` and `NO_COLOR`).
pub fn render(reports: &[FileReport], styled: bool, summary: bool) -> String {
    let mut out: String = reports.iter().map(|r| render_file(r, styled)).collect();
    if summary {
        out.push_str(&summary_line(&Summary::of(reports)));
        out.push('\n');
    }
    out
}

/// The diagnostics of one file, each followed by a blank line. This is the only part of the
/// text output that needs the file's source, so it can run as soon as the file is analysed.
pub fn render_file(report: &FileReport, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    if let Some(error) = &report.error {
        out.push_str(&render_load_error(&renderer, report, error));
        out.push_str("\n\n");
    }
    for finding in &report.findings {
        out.push_str(&render_finding(&renderer, report, finding));
        out.push_str("\n\n");
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn render_finding(renderer: &Renderer, report: &FileReport, finding: &Finding) -> String {
    let d = &finding.diagnostic;
    let source = &report.source;
    let mut spans = vec![finding.span.clone()];
    spans.extend(finding.related.iter().map(|(span, _)| span.clone()));
    let excerpt = Excerpt::covering(source, &spans);
    let mut snippet = Snippet::source(&*excerpt.text)
        .line_start(excerpt.first_line)
        .path(report.name.as_str())
        .fold(true)
        .annotation(AnnotationKind::Primary.span(excerpt.local(&finding.span)));
    for (span, label) in &finding.related {
        snippet = snippet.annotation(
            AnnotationKind::Context
                .span(excerpt.local(span))
                .label(label.as_str()),
        );
    }
    let mut groups = vec![
        level(d.severity)
            .primary_title(d.message.as_str())
            .id(d.rule)
            .element(snippet),
    ];
    if let Some(help) = &d.help {
        groups.push(Group::with_title(
            Level::HELP.secondary_title(help.as_ref()),
        ));
    }
    let fix_note = d.fix.as_ref().map(|fix| {
        let option = match fix.applicability {
            Applicability::Safe => "--fix",
            Applicability::Unsafe => "--unsafe-fixes",
        };
        format!("fix available with {option}: {}", fix.title)
    });
    if let Some(note) = &fix_note {
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(note.as_str()),
        ));
    }
    let rendered = renderer.render(&groups);
    excerpt.true_column(rendered, &report.name, &finding.span, finding.start)
}

fn render_load_error(
    renderer: &Renderer,
    report: &FileReport,
    error: &crate::flow::LoadError,
) -> String {
    let title = format!("could not analyse {}: {}", report.name, error.message);
    let Some(offset) = error.offset else {
        let title = match error.position {
            Some(p) => format!("{title} (line {}, column {})", p.line, p.column),
            None => title,
        };
        return renderer.render(&[Group::with_title(Level::ERROR.primary_title(title))]);
    };
    let span = offset..offset;
    let excerpt = Excerpt::covering(&report.source, std::slice::from_ref(&span));
    let snippet = Snippet::source(&*excerpt.text)
        .line_start(excerpt.first_line)
        .path(report.name.as_str())
        .annotation(AnnotationKind::Primary.span(excerpt.local(&span)));
    let rendered = renderer.render(&[Level::ERROR.primary_title(title).element(snippet)]);
    match error.position {
        Some(position) => excerpt.true_column(rendered, &report.name, &span, position),
        None => rendered,
    }
}

/// The lines of the source a finding touches, so the renderer never sees the whole file.
struct Excerpt<'a> {
    /// The lines, with carriage returns blanked: CRLF files would show `␍` on every line.
    /// A space keeps every byte offset where it was.
    text: std::borrow::Cow<'a, str>,
    offset: usize,
    first_line: usize,
    /// The lines were longer than [`MAX_EXCERPT`] and are cut around the finding.
    cut: bool,
}

/// The most of a file one finding shows. The renderer measures every character it is given,
/// so on a flow written as one 3 MB line each finding cost the whole file, and 10,000
/// findings took minutes; longer excerpts are cut to [`CONTEXT`] bytes around the finding.
const MAX_EXCERPT: usize = 4096;
const CONTEXT: usize = 120;

impl<'a> Excerpt<'a> {
    fn covering(source: &'a SourceText, spans: &[Span]) -> Excerpt<'a> {
        let start = spans.iter().map(|s| s.start).min().unwrap_or(0);
        let end = spans.iter().map(|s| s.end).max().unwrap_or(0);
        let mut range = source.line_range(start, end);
        let cut = range.len() > MAX_EXCERPT;
        if cut {
            let from = start.saturating_sub(CONTEXT).max(range.start);
            let to = end.min(start + MAX_EXCERPT).saturating_add(CONTEXT);
            range = source.whole_characters(from..to.min(range.end));
        }
        let raw = &source.text[range.clone()];
        let text = if raw.contains('\r') {
            std::borrow::Cow::Owned(raw.replace('\r', " "))
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        Excerpt {
            text,
            offset: range.start,
            first_line: source.line_index(range.start) + 1,
            cut,
        }
    }

    /// The rendered finding with its `--> file:line:column` counted from the start of the
    /// line: the renderer counts from the start of the excerpt, which a cut moves mid-line.
    /// Only the excerpt's first line is cut at its start.
    fn true_column(&self, rendered: String, name: &str, span: &Span, at: Position) -> String {
        let before = &self.text[..self.local(span).start];
        if !self.cut || before.contains('\n') {
            return rendered;
        }
        let shown_column = before.chars().count() + 1;
        let shown = format!("{name}:{}:{shown_column}", at.line);
        rendered.replacen(&shown, &format!("{name}:{}:{}", at.line, at.column), 1)
    }

    fn local(&self, span: &Span) -> Span {
        let clamp = |o: usize| o.saturating_sub(self.offset).min(self.text.len());
        clamp(span.start)..clamp(span.end)
    }
}

/// "Found 2 errors and 1 warning in 3 files." and the files that could not be analysed.
pub fn summary_line(summary: &Summary) -> String {
    let analysed = summary.files - summary.failed;
    let files = plural(analysed, "file", "files");
    let flows = match summary.with_findings {
        n if n == analysed => files.clone(),
        n => format!("{n} of {files}"),
    };
    let with_findings = match (summary.with_findings, summary.configuration_findings) {
        (0, true) => "the configuration file".to_string(),
        (_, true) => format!("{flows} and the configuration file"),
        (_, false) => flows,
    };
    let mut sentences = Vec::new();
    if summary.errors + summary.warnings + summary.infos > 0 {
        let parts: Vec<String> = [
            (summary.errors, "error", "errors"),
            (summary.warnings, "warning", "warnings"),
            (summary.infos, "info", "infos"),
        ]
        .into_iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, one, many)| plural(count, one, many))
        .collect();
        sentences.push(format!("Found {} in {with_findings}.", join_and(&parts)));
    } else if analysed > 0 || summary.failed == 0 {
        sentences.push(format!("No problems found in {files}."));
    }
    match (summary.fixable, summary.unsafe_fixable) {
        (0, 0) => {}
        (safe, 0) => sentences.push(format!("{safe} fixable with --fix.")),
        (0, risky) => sentences.push(format!("{risky} fixable with --unsafe-fixes.")),
        (safe, risky) => sentences.push(format!(
            "{safe} fixable with --fix ({risky} more with --unsafe-fixes)."
        )),
    }
    if summary.failed > 0 {
        let failed = plural(summary.failed, "file", "files");
        sentences.push(format!("{failed} could not be analysed."));
    }
    sentences.join(" ")
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
