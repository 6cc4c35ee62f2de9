//! One analysis session: the configuration, the selected rules and the baseline, applied the
//! same way by every command that analyses flows (`analyze`, `graph`, the fuzz entry point,
//! the benchmark and the tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analyze::{self, FileReport, Finding, FindingKey, RuleSelection};
use crate::baseline::Baseline;
use crate::cli::SessionArgs;
use crate::config::{self, Config, SuppressionUse};
use crate::flow::{self, Input, LoadedFile};
use crate::project::{FlowSummary, Project};
use crate::rule::Rule;

pub struct Session {
    pub rules: Vec<&'static dyn Rule>,
    pub selection: RuleSelection,
    pub config: Option<Config>,
    /// What the baseline allows: findings per key.
    allowances: Option<BTreeMap<FindingKey, usize>>,
    /// The name stdin's findings carry (`--stdin-filename`).
    pub stdin_name: Option<String>,
    /// What directory searches leave out.
    pub exclude: globset::GlobSet,
}

/// One input taken through the session: its report, and which suppressions it used.
pub struct Processed {
    pub report: FileReport,
    pub usage: Vec<SuppressionUse>,
}

impl Session {
    /// Every rule, no configuration, no baseline.
    pub fn all_rules() -> Session {
        Session {
            rules: crate::rules::default_rules(),
            selection: RuleSelection::default(),
            config: None,
            allowances: None,
            stdin_name: None,
            exclude: default_exclusions(),
        }
    }

    /// The given rules, no configuration, no baseline.
    pub fn with_rules(rules: &[&'static dyn Rule]) -> Session {
        Session {
            rules: rules.to_vec(),
            ..Session::all_rules()
        }
    }

    /// The session the command-line options and the configuration they lead to describe.
    /// Errors are usage errors, ready to print.
    pub fn new(args: &SessionArgs, baseline: Option<&Path>) -> Result<Session, String> {
        let config = load_config(args)?;
        let selection = selection(args, config.as_ref());
        let rules = selection.rules()?;
        let allowances = baseline
            .map(Baseline::load)
            .transpose()?
            .map(|b| b.allowances());
        for id in &args.extend_select {
            if crate::rules::find_meta(id.trim()).is_none() {
                return Err(analyze::unknown_rule_message(id.trim()));
            }
        }
        if let Some(config) = &config {
            warn_selected_but_off(args, config);
        }
        let exclude = exclusions(args, config.as_ref())?;
        Ok(Session {
            rules,
            selection,
            config,
            allowances,
            stdin_name: args.stdin_filename.clone(),
            exclude,
        })
    }

    /// The inputs the paths name: files, directories searched (with this session's
    /// exclusions), stdin.
    pub fn inputs(&self, paths: &[PathBuf]) -> Vec<Input> {
        flow::expand_inputs(paths, &self.exclude)
    }

    /// Loads one input and analyses it; nothing when a directory search found a JSON file
    /// that is not a flow (passed over without a word), or when a named file is other JSON.
    /// A file may hold several flows (a twilio CLI list): one result each.
    pub fn process(&self, input: &Input, explicit: &[PathBuf]) -> Vec<Processed> {
        self.load(input, explicit)
            .into_iter()
            .map(|file| self.process_loaded(file))
            .collect()
    }

    /// Loads one input as [`Session::process`] does, without analysing it: one file per flow
    /// it holds, none for JSON that is not a flow.
    pub fn load(&self, input: &Input, explicit: &[PathBuf]) -> Vec<LoadedFile> {
        let mut file = flow::load(input);
        if !flow::is_explicit(input, explicit) && !flow::looks_like_flow(&file) {
            return Vec::new();
        }
        if flow::is_other_json(&file) {
            eprintln!(
                "note: {}: not a Studio flow (no `states`), skipped",
                file.name
            );
            return Vec::new();
        }
        if let (Input::Stdin, Some(name)) = (input, &self.stdin_name) {
            file.name = name.clone();
        }
        flow::split_resource_list(file)
    }

    /// Analyses a loaded file: the selected rules, then the configuration's severities and
    /// suppressions, then the baseline.
    pub fn process_loaded(&self, file: LoadedFile) -> Processed {
        let mut report = analyze::analyze_loaded(file, &self.rules);
        let usage = self.apply(&mut report);
        Processed { report, usage }
    }

    /// The configuration's severities and suppressions, then the baseline, on a report whose
    /// findings are all in (`--validate-online` adds Twilio's before this).
    pub fn apply(&self, report: &mut FileReport) -> Vec<SuppressionUse> {
        let usage = self
            .config
            .as_ref()
            .map(|c| c.apply(report))
            .unwrap_or_default();
        if let Some(allowances) = &self.allowances {
            crate::baseline::filter(allowances, report);
        }
        usage
    }

    /// The project's findings over the flows of this run, one list per summary, before the
    /// configuration is applied. SIDs from the configuration's `[flows]` are assigned first.
    pub fn project_findings(&self, summaries: &mut [FlowSummary]) -> Vec<Vec<Finding>> {
        let mut project = Project::default();
        if let Some(config) = &self.config {
            project.complete = config.project_complete;
            let by_path: BTreeMap<&str, &str> = config
                .flows
                .iter()
                .map(|(sid, path)| (path.as_str(), sid.as_str()))
                .collect();
            for summary in summaries.iter_mut() {
                if let Some(sid) = by_path.get(config.relative_name(&summary.name).as_str()) {
                    summary.sid = Some(sid.to_string());
                }
            }
        }
        let selected = |id: &str| self.selection.is_selected(id);
        crate::project::analyze(summaries, &project, &selected)
    }

    /// The report on the configuration's own suppressions that matched nothing, when the
    /// rule is selected.
    pub fn unused_suppressions(&self, usage: &[SuppressionUse]) -> Option<FileReport> {
        let config = self.config.as_ref()?;
        if !self
            .selection
            .is_selected(crate::rules::UNUSED_SUPPRESSION.id)
        {
            return None;
        }
        let ids: Vec<&str> = self.rules.iter().map(|r| r.meta().id).collect();
        config.unused_report(usage, &ids)
    }
}

fn load_config(args: &SessionArgs) -> Result<Option<Config>, String> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir().ok().and_then(|cwd| {
            // Shown relative to the working directory, as the flow files are.
            config::discover(&cwd).map(|p| p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p))
        }),
    };
    path.map(|p| Config::load(&p).map_err(|e| e.to_string()))
        .transpose()
}

/// Command-line `--select` replaces the configuration's; `--extend-select` adds to whichever
/// applies (to every rule when neither selects); `--ignore` adds to the configuration's.
/// Ids are trimmed, so `--select "a, b"` works.
fn selection(args: &SessionArgs, config: Option<&Config>) -> RuleSelection {
    let from_config = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let trimmed = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .collect()
    };
    let mut select = args
        .select
        .as_deref()
        .map(trimmed)
        .or_else(|| config.and_then(|c| c.select.as_deref()).map(from_config));
    if let Some(ids) = select.as_mut() {
        ids.extend(trimmed(&args.extend_select));
    }
    let mut ignore = config.map(|c| from_config(&c.ignore)).unwrap_or_default();
    ignore.extend(trimmed(&args.ignore));
    RuleSelection {
        select,
        ignore,
        extend: trimmed(&args.extend_select),
    }
}

/// A rule asked for on the command line that the configuration turns off is a surprise:
/// say so once, on stderr.
fn warn_selected_but_off(args: &SessionArgs, config: &Config) {
    let asked = args.select.iter().flatten().chain(&args.extend_select);
    for id in asked.map(|id| id.trim()) {
        if matches!(config.severity.get(id), Some(None)) {
            eprintln!(
                "note: `{id}` is selected, but {} turns it off (`{id} = \"off\"`)",
                config.path.display()
            );
        }
    }
}

/// Directory searches leave `node_modules` out unless told otherwise.
const DEFAULT_EXCLUDE: &[&str] = &["node_modules"];

fn default_exclusions() -> globset::GlobSet {
    build_globs(DEFAULT_EXCLUDE.iter().copied()).unwrap_or_else(|_| globset::GlobSet::empty())
}

/// `--exclude` replaces the configuration's `exclude` (default `node_modules`); the
/// configuration's `extend-exclude` and `--extend-exclude` add to it.
fn exclusions(args: &SessionArgs, config: Option<&Config>) -> Result<globset::GlobSet, String> {
    let base: Vec<String> = match (&args.exclude, config.and_then(|c| c.exclude.clone())) {
        (Some(list), _) => list.clone(),
        (None, Some(list)) => list,
        (None, None) => DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect(),
    };
    let extended = config
        .map(|c| c.extend_exclude.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(args.extend_exclude.iter().cloned());
    let all: Vec<String> = base.into_iter().chain(extended).collect();
    build_globs(all.iter().map(|s| s.trim()))
}

fn build_globs<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<globset::GlobSet, String> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns.filter(|p| !p.is_empty()) {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| format!("invalid exclude glob `{pattern}`: {}", e.kind()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}
