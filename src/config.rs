//! `flowcheck.toml`: rule selection, severity overrides, per-path ignores and suppressions
//! of single findings. Found from the working directory upwards, or named by `--config`.
//!
//! ```toml
//! select = ["unhandled-event", "dangling-transition"]   # default: every rule
//! ignore = ["unset-flow-variable"]
//! fail-on = "error"
//!
//! [severity]
//! loop-without-wait = "error"
//! deprecated-widget = "off"
//!
//! [per-path-ignores]
//! "flows/legacy/**" = ["unreachable-state"]
//!
//! [[suppress]]
//! file = "flows/ivr.json"
//! rule = "unhandled-event"
//! state = "menu"            # optional
//! event = "timeout"         # optional
//! reason = "the menu repeats itself on timeout via the IVR platform"
//!
//! [project]
//! complete = true           # every subflow the flows run is among them
//!
//! [flows]                   # SIDs of flows whose files are bare definitions
//! FW0123456789abcdef0123456789abcdef = "flows/survey.json"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::analyze::{FileReport, Finding, FindingKey, normalize_path};
use crate::flow::json::Span;
use crate::flow::{Location, Position, SourceText};
use crate::rule::{Anchor, Diagnostic, Severity};
use crate::rules;

pub const FILE_NAME: &str = "flowcheck.toml";

/// A configuration file that could not be used, with its position.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
    pub position: Option<Position>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some(p) => write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                p.line,
                p.column,
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    per_path_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
    suppress: Option<Vec<Spanned<RawSuppression>>>,
    exclude: Option<Vec<Spanned<String>>>,
    extend_exclude: Option<Vec<Spanned<String>>>,
    project: Option<RawProject>,
    flows: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    complete: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    file: String,
    rule: Spanned<String>,
    state: Option<String>,
    event: Option<String>,
    /// Free text for the reader; flowcheck keeps it with the suppression.
    #[allow(dead_code)]
    reason: Option<String>,
}

/// One finding switched off by hand.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Relative to the configuration file's directory, with `/` separators.
    pub file: String,
    pub rule: &'static str,
    pub state: Option<String>,
    pub event: Option<String>,
    /// Where the `[[suppress]]` entry stands in the configuration file.
    pub span: Span,
}

/// A loaded configuration.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub source: SourceText,
    pub select: Option<Vec<&'static str>>,
    pub ignore: Vec<&'static str>,
    pub fail_on: Option<FailOn>,
    /// `None` turns the rule off.
    pub severity: BTreeMap<&'static str, Option<Severity>>,
    pub per_path_ignores: Vec<(GlobMatcher, Vec<&'static str>)>,
    pub suppressions: Vec<Suppression>,
    /// Globs that directory searches leave out, replacing the default (`node_modules`).
    pub exclude: Option<Vec<String>>,
    /// Globs left out on top of `exclude`.
    pub extend_exclude: Vec<String>,
    /// `[project] complete = true`: the run holds every flow its subflow calls name.
    pub project_complete: bool,
    /// `[flows]`: flow SID → path (relative to the configuration file, `/` separators).
    pub flows: BTreeMap<String, String>,
}

/// The configuration file for a run: `explicit` when given, else the first `flowcheck.toml`
/// in `start` or its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read the configuration: {e}"),
            position: None,
        })?;
        Config::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<Config, ConfigError> {
        let source = SourceText::new(text);
        let error = |message: String, span: Option<Span>| ConfigError {
            path: path.to_path_buf(),
            message,
            position: span.map(|s| source.position(s.start)),
        };
        let raw: RawConfig =
            toml::from_str(&source.text).map_err(|e| error(e.message().to_string(), e.span()))?;
        let rule_id = |id: &Spanned<String>| {
            rules::find_meta(id.get_ref().trim())
                .map(|m| m.id)
                .ok_or_else(|| {
                    error(
                        crate::analyze::unknown_rule_message(id.get_ref()),
                        Some(id.span()),
                    )
                })
        };
        let ids =
            |list: &[Spanned<String>]| list.iter().map(rule_id).collect::<Result<Vec<_>, _>>();
        let select = raw.select.as_deref().map(ids).transpose()?;
        let ignore = ids(raw.ignore.as_deref().unwrap_or_default())?;
        let fail_on = match raw.fail_on {
            Some(value) => match FailOn::parse(value.get_ref()) {
                Some(level) => Some(level),
                None => {
                    let message = format!("`fail-on` must be one of {}", FailOn::names());
                    return Err(error(message, Some(value.span())));
                }
            },
            None => None,
        };
        let mut severity = BTreeMap::new();
        for (id, level) in raw.severity.unwrap_or_default() {
            let id = rule_id(&id)?;
            let level_value = match level.get_ref().as_str() {
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                "off" => None,
                other => {
                    let message =
                        format!("unknown severity `{other}`: use error, warning, info or off");
                    return Err(error(message, Some(level.span())));
                }
            };
            severity.insert(id, level_value);
        }
        let mut per_path_ignores = Vec::new();
        for (pattern, list) in raw.per_path_ignores.unwrap_or_default() {
            let glob = Glob::new(pattern.get_ref())
                .map_err(|e| error(format!("invalid glob: {}", e.kind()), Some(pattern.span())))?;
            per_path_ignores.push((glob.compile_matcher(), ids(&list)?));
        }
        let mut suppressions = Vec::new();
        for entry in raw.suppress.unwrap_or_default() {
            let span = entry.span();
            let entry = entry.into_inner();
            suppressions.push(Suppression {
                file: normalize_path(&entry.file),
                rule: rule_id(&entry.rule)?,
                state: entry.state,
                event: entry.event,
                span,
            });
        }
        let globs =
            |list: Option<Vec<Spanned<String>>>| -> Result<Option<Vec<String>>, ConfigError> {
                list.map(|list| {
                    list.into_iter()
                        .map(|pattern| {
                            Glob::new(pattern.get_ref()).map_err(|e| {
                                error(format!("invalid glob: {}", e.kind()), Some(pattern.span()))
                            })?;
                            Ok(pattern.into_inner())
                        })
                        .collect()
                })
                .transpose()
            };
        let exclude = globs(raw.exclude)?;
        let extend_exclude = globs(raw.extend_exclude)?.unwrap_or_default();
        let flows = raw
            .flows
            .unwrap_or_default()
            .into_iter()
            .map(|(sid, path)| (sid, normalize_path(&path)))
            .collect();
        Ok(Config {
            project_complete: raw.project.and_then(|p| p.complete).unwrap_or(false),
            flows,
            exclude,
            extend_exclude,
            path: path.to_path_buf(),
            source,
            select,
            ignore,
            fail_on,
            severity,
            per_path_ignores,
            suppressions,
        })
    }

    /// The directory paths in the configuration are relative to.
    fn base(&self) -> PathBuf {
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        absolute(parent.unwrap_or(Path::new(".")))
    }

    /// A report's file name as the configuration writes it: relative to its directory.
    pub fn relative_name(&self, report_name: &str) -> String {
        let absolute_file = absolute(Path::new(report_name));
        let relative = absolute_file
            .strip_prefix(self.base())
            .map(Path::to_path_buf)
            .unwrap_or(absolute_file);
        normalize_path(&relative.to_string_lossy())
    }

    /// Applies severities, per-path ignores and suppressions to one file's findings; marks
    /// the suppressions used and the ones whose file this run analysed.
    pub fn apply(&self, report: &mut FileReport) -> Vec<SuppressionUse> {
        let mut usage = vec![SuppressionUse::default(); self.suppressions.len()];
        let name = self.relative_name(&report.name);
        for (i, s) in self.suppressions.iter().enumerate() {
            usage[i].file_seen |= s.file == name;
        }
        let ignored: Vec<&str> = self
            .per_path_ignores
            .iter()
            .filter(|(glob, _)| glob.is_match(&name))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        report.findings.retain_mut(|finding| {
            let d = &mut finding.diagnostic;
            if ignored.contains(&d.rule) {
                return false;
            }
            match self.severity.get(d.rule) {
                Some(None) => return false,
                Some(Some(level)) => d.severity = *level,
                None => {}
            }
            // Keyed by the file as the configuration names it.
            let key = FindingKey::of(&name, d);
            let hit = self.suppressions.iter().position(|s| s.matches(&key));
            if let Some(i) = hit {
                usage[i].used = true;
            }
            hit.is_none()
        });
        usage
    }

    /// A report on the configuration file itself: the suppressions that matched nothing in
    /// files this run analysed, as ruff reports unused `noqa` comments.
    pub fn unused_report(&self, usage: &[SuppressionUse], selected: &[&str]) -> Option<FileReport> {
        let findings: Vec<Finding> = self
            .suppressions
            .iter()
            .zip(usage)
            .filter(|(s, u)| !u.used && selected.contains(&s.rule))
            .filter_map(|(s, u)| {
                if u.file_seen {
                    Some(self.unused_finding(s))
                } else {
                    // A file this run did not analyse may still have its finding; a file that
                    // does not exist never will (a typo, a renamed file, a glob).
                    (!self.base().join(&s.file).exists()).then(|| self.missing_file_finding(s))
                }
            })
            .collect();
        (!findings.is_empty()).then(|| FileReport {
            flow: None,
            references: None,
            is_configuration: true,
            name: self.path.display().to_string(),
            source: SourceText::new(self.source.text.clone()),
            states: 0,
            error: None,
            findings,
        })
    }

    fn missing_file_finding(&self, s: &Suppression) -> Finding {
        let message = format!(
            "this suppression of `{}` names `{}`, which does not exist",
            s.rule, s.file
        );
        let help = "write the flow's path relative to this file (globs are not supported here: \
                    use [per-path-ignores] for many files), or delete the suppression";
        self.finding_at(s, message, help)
    }

    fn unused_finding(&self, s: &Suppression) -> Finding {
        let mut what = format!("`{}` in {}", s.rule, s.file);
        if let Some(state) = &s.state {
            what.push_str(&format!(" at `{state}`"));
        }
        if let Some(event) = &s.event {
            what.push_str(&format!(" (`{event}`)"));
        }
        let message = format!("this suppression of {what} matches no finding");
        self.finding_at(s, message, "the finding is gone: delete the suppression")
    }

    /// An `unused-suppression` finding underlining the `[[suppress]]` entry.
    fn finding_at(&self, s: &Suppression, message: String, help: &'static str) -> Finding {
        // The entry is in the configuration file, not in a flow: the location stays empty.
        let location = Location::Pointer(String::new());
        let diagnostic = Diagnostic::new(&rules::UNUSED_SUPPRESSION, location, message)
            .anchor(Anchor::Bytes(s.span.clone()))
            .help(help);
        Finding {
            pointer: String::new(),
            start: self.source.position(s.span.start),
            end: self.source.position(s.span.end),
            span: s.span.clone(),
            related: Vec::new(),
            diagnostic,
        }
    }
}

/// Whether a suppression was used in this run, and whether its file was analysed at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuppressionUse {
    pub used: bool,
    pub file_seen: bool,
}

impl SuppressionUse {
    /// Combines what two files saw.
    pub fn merge(self, other: SuppressionUse) -> SuppressionUse {
        SuppressionUse {
            used: self.used || other.used,
            file_seen: self.file_seen || other.file_seen,
        }
    }
}

impl Suppression {
    fn matches(&self, key: &FindingKey) -> bool {
        self.file == key.file
            && self.rule == key.rule
            && self
                .state
                .as_ref()
                .is_none_or(|s| key.state.as_ref() == Some(s))
            && self
                .event
                .as_ref()
                .is_none_or(|e| key.event.as_ref() == Some(e))
    }
}

/// The absolute form of a path with `.` and `..` resolved lexically (symbolic links are not
/// followed, so a path names the file the user typed).
fn absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in full.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The lowest severity that makes the exit status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn parse(text: &str) -> Option<FailOn> {
        <FailOn as ValueEnum>::from_str(text, false).ok()
    }

    /// "error, warning, info, never", for messages.
    pub fn names() -> String {
        FailOn::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}
