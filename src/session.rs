//! One analysis session: the configuration, the selected rules and the baseline, applied the
//! same way by every command that analyses flows (`analyze`, `graph`, the fuzz entry point,
//! the benchmark and the tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analyze::{self, FileReport, FindingKey, RuleSelection};
use crate::baseline::Baseline;
use crate::cli::RuleArgs;
use crate::config::{self, Config, SuppressionUse};
use crate::flow::{self, Input, LoadedFile};
use crate::rule::Rule;

pub struct Session {
    pub rules: Vec<&'static dyn Rule>,
    pub selection: RuleSelection,
    pub config: Option<Config>,
    /// What the baseline allows: findings per key.
    allowances: Option<BTreeMap<FindingKey, usize>>,
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
            rules: crate::rules::RULES.to_vec(),
            selection: RuleSelection::default(),
            config: None,
            allowances: None,
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
    pub fn new(args: &RuleArgs, baseline: Option<&Path>) -> Result<Session, String> {
        let config = load_config(args)?;
        let selection = selection(args, config.as_ref());
        let rules = selection.rules()?;
        let allowances = baseline
            .map(Baseline::load)
            .transpose()?
            .map(|b| b.allowances());
        Ok(Session {
            rules,
            selection,
            config,
            allowances,
        })
    }

    /// Loads one input and analyses it; `None` when a directory search found a JSON file
    /// that is not a flow (passed over without a word).
    pub fn process(&self, input: &Input, explicit: &[PathBuf]) -> Option<Processed> {
        let file = flow::load(input);
        if !flow::is_explicit(input, explicit) && !flow::looks_like_flow(&file) {
            return None;
        }
        Some(self.process_loaded(file))
    }

    /// Analyses a loaded file: the selected rules, then the configuration's severities and
    /// suppressions, then the baseline.
    pub fn process_loaded(&self, file: LoadedFile) -> Processed {
        let mut report = analyze::analyze_loaded(file, &self.rules);
        let usage = self
            .config
            .as_ref()
            .map(|c| c.apply(&mut report))
            .unwrap_or_default();
        if let Some(allowances) = &self.allowances {
            crate::baseline::filter(allowances, &mut report);
        }
        Processed { report, usage }
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

fn load_config(args: &RuleArgs) -> Result<Option<Config>, String> {
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

/// Command-line `--select` replaces the configuration's; `--ignore` adds to it.
fn selection(args: &RuleArgs, config: Option<&Config>) -> RuleSelection {
    let from_config = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let select = args
        .select
        .clone()
        .or_else(|| config.and_then(|c| c.select.as_deref()).map(from_config));
    let mut ignore = config.map(|c| from_config(&c.ignore)).unwrap_or_default();
    ignore.extend(args.ignore.iter().cloned());
    RuleSelection { select, ignore }
}
