//! Output formats. Every reporter reads the same located findings.

pub mod concise;
pub mod github;
pub mod json;
pub mod markdown;
pub mod paths;
pub mod sarif;
pub mod statistics;
pub mod text;

use crate::analyze::FileReport;
use crate::rule::{Applicability, Severity};

/// Totals over all files.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Flow files checked, including those that could not be analysed.
    pub files: usize,
    /// Of those, the ones that could not be read or parsed.
    pub failed: usize,
    /// Of those, the ones with at least one finding.
    pub with_findings: usize,
    /// Whether the configuration file itself has findings (unused suppressions).
    pub configuration_findings: bool,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings `--fix` repairs, and those only `--unsafe-fixes` does.
    pub fixable: usize,
    pub unsafe_fixable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut summary = Summary::default();
        for report in reports {
            if report.is_configuration {
                summary.configuration_findings |= !report.findings.is_empty();
            } else {
                summary.files += 1;
                summary.with_findings += usize::from(!report.findings.is_empty());
            }
            summary.failed += usize::from(report.error.is_some());
            summary.errors += report.count(Severity::Error);
            summary.warnings += report.count(Severity::Warning);
            summary.infos += report.count(Severity::Info);
            for fix in report
                .findings
                .iter()
                .filter_map(|f| f.diagnostic.fix.as_ref())
            {
                match fix.applicability {
                    Applicability::Safe => summary.fixable += 1,
                    Applicability::Unsafe => summary.unsafe_fixable += 1,
                }
            }
        }
        summary
    }
}
