//! Baselines: today's findings recorded by file, rule, widget and event — not by line, so
//! edits elsewhere do not break them — so that a team can adopt flowcheck on a noisy flow
//! and see only what is new.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analyze::{FileReport, FindingKey};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One kind of finding and how many of it the baseline accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    pub state: Option<String>,
    pub event: Option<String>,
    pub count: usize,
}

impl Baseline {
    /// Records every finding of the run.
    pub fn record(reports: &[FileReport]) -> Baseline {
        let mut counts: BTreeMap<FindingKey, usize> = BTreeMap::new();
        for report in reports {
            for f in &report.findings {
                *counts.entry(report.key(f)).or_default() += 1;
            }
        }
        let findings = counts
            .into_iter()
            .map(|(key, count)| Entry {
                file: key.file,
                rule: key.rule,
                state: key.state,
                event: key.event,
                count,
            })
            .collect();
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a flowcheck baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (expected 1)",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// How many findings of each kind the baseline accepts.
    pub fn allowances(&self) -> BTreeMap<FindingKey, usize> {
        self.findings
            .iter()
            .map(|e| {
                let key = FindingKey {
                    file: e.file.clone(),
                    rule: e.rule.clone(),
                    state: e.state.clone(),
                    event: e.event.clone(),
                };
                (key, e.count)
            })
            .collect()
    }
}

/// Removes from one file's findings those the baseline accepts: per kind, up to its count,
/// first ones first. Keys include the file, so files can be filtered independently.
pub fn filter(allowances: &BTreeMap<FindingKey, usize>, report: &mut FileReport) {
    let mut taken: BTreeMap<FindingKey, usize> = BTreeMap::new();
    let name = report.name.clone();
    report.findings.retain(|f| {
        let key = FindingKey::of(&name, &f.diagnostic);
        let allowed = allowances.get(&key).copied().unwrap_or(0);
        let used = taken.entry(key).or_default();
        if *used < allowed {
            *used += 1;
            false
        } else {
            true
        }
    });
}
