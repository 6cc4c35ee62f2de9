//! `--statistics`: how many findings each rule gave, most first.

use std::collections::BTreeMap;

use crate::analyze::FileReport;
use crate::rule::Severity;

fn counts(reports: &[FileReport]) -> Vec<(&'static str, Severity, usize)> {
    let mut by_rule: BTreeMap<(&'static str, Severity), usize> = BTreeMap::new();
    for finding in reports.iter().flat_map(|r| &r.findings) {
        let d = &finding.diagnostic;
        *by_rule.entry((d.rule, d.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = by_rule.into_iter().map(|((r, s), n)| (r, s, n)).collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    rows
}

pub fn text(reports: &[FileReport]) -> String {
    let rows = counts(reports);
    let width = rows.iter().map(|(r, ..)| r.len()).max().unwrap_or(0);
    let mut out: String = rows
        .iter()
        .map(|(rule, severity, n)| format!("{n:5}  {rule:width$}  {severity}\n"))
        .collect();
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        out.push_str(&format!("{failed:5}  file(s) could not be analysed\n"));
    }
    out
}

pub fn json(reports: &[FileReport]) -> String {
    let rows: Vec<_> = counts(reports)
        .into_iter()
        .map(|(rule, severity, count)| {
            serde_json::json!({"rule": rule, "severity": severity.as_str(), "count": count})
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
}
