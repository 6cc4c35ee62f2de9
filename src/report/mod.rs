//! Output formats. Every reporter reads the same located findings.

pub mod github;
pub mod json;
pub mod sarif;
pub mod statistics;
pub mod text;

use crate::analyze::FileReport;
use crate::rule::Severity;

/// Totals over all files.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut summary = Summary {
            files: reports.len(),
            ..Summary::default()
        };
        for report in reports {
            summary.failed += usize::from(report.error.is_some());
            summary.errors += report.count(Severity::Error);
            summary.warnings += report.count(Severity::Warning);
            summary.infos += report.count(Severity::Info);
        }
        summary
    }
}
