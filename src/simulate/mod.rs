//! `flowcheck test`: runs a flow offline, widget by widget, against scenarios that say what
//! the outside world does, and compares what happened with what they expect.
//!
//! [`scenario`] reads the scenario files, [`engine`] runs a flow as Studio would (with
//! [`conditions`] for splits and [`template`] for Liquid), [`expect`] judges a run,
//! [`coverage`] collects what the runs exercised and [`init`] writes starter scenarios.

pub mod conditions;
pub mod coverage;
pub mod engine;
pub mod expect;
pub mod init;
pub mod scenario;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::flow::{self, Flow, Input};

/// A scenario file after loading and running.
#[derive(Debug)]
pub struct FileRun {
    /// The scenario file.
    pub path: PathBuf,
    /// The flow it runs (as resolved, whether or not it loaded).
    pub flow_path: PathBuf,
    /// The loaded flow, when it loaded.
    pub flow: Option<Flow>,
    /// The scenarios' results, or why the file could not be run (bad input).
    pub results: Result<Vec<ScenarioRun>, String>,
}

#[derive(Debug)]
pub struct ScenarioRun {
    pub name: String,
    pub execution: engine::Execution,
    pub verdict: expect::Verdict,
}

/// The flow a scenario file runs when it does not name one: `ivr.scenarios.toml` and
/// `ivr.scenarios/*.toml` run `ivr.json`.
pub fn default_flow(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    if let Some(stem) = name.strip_suffix(".scenarios.toml") {
        return Some(path.with_file_name(format!("{stem}.json")));
    }
    let folder = path.parent()?;
    let stem = folder.file_name()?.to_str()?.strip_suffix(".scenarios")?;
    Some(folder.with_file_name(format!("{stem}.json")))
}

/// Whether a file found in a directory is a scenario file.
pub fn is_scenario_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with(".scenarios.toml")
        || (name.ends_with(".toml")
            && path
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".scenarios")))
}

/// Loads a flow file; the error is a one-line message with its position.
pub fn load_flow(path: &Path) -> Result<Flow, String> {
    let file = flow::load(&Input::File(path.to_path_buf()));
    file.flow.map_err(|e| match e.position {
        Some(p) => format!("{}:{}:{}: {}", path.display(), p.line, p.column, e.message),
        None => format!("{}: {}", path.display(), e.message),
    })
}

/// Loads a scenario file, its flow and subflows, and runs the scenarios whose name contains
/// `filter` (all when `None`).
pub fn run_file(path: &Path, filter: Option<&str>) -> FileRun {
    let fail = |flow_path: PathBuf, flow: Option<Flow>, message: String| FileRun {
        path: path.to_path_buf(),
        flow_path,
        flow,
        results: Err(message),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return fail(PathBuf::new(), None, format!("{}: {e}", path.display())),
    };
    let file = match scenario::parse(&text) {
        Ok(file) => file,
        Err(e) => return fail(PathBuf::new(), None, format!("{}: {e}", path.display())),
    };
    let folder = path.parent().unwrap_or(Path::new("."));
    let flow_path = match (&file.flow, default_flow(path)) {
        (Some(named), _) => normalize(&folder.join(named)),
        (None, Some(default)) => default,
        (None, None) => {
            return fail(
                PathBuf::new(),
                None,
                format!(
                    "{}: name the flow with `flow = \"….json\"` (or call the file \
                     <flow>.scenarios.toml beside the flow)",
                    path.display()
                ),
            );
        }
    };
    let flow = match load_flow(&flow_path) {
        Ok(flow) => flow,
        Err(e) => return fail(flow_path, None, format!("cannot load the flow: {e}")),
    };
    let mut subflows = BTreeMap::new();
    for (sid, sub_path) in &file.subflows {
        match load_flow(&normalize(&folder.join(sub_path))) {
            Ok(sub) => {
                subflows.insert(sid.clone(), sub);
            }
            Err(e) => {
                return fail(
                    flow_path,
                    Some(flow),
                    format!("cannot load subflow {sid}: {e}"),
                );
            }
        }
    }
    let mut by_widget: BTreeMap<String, &Flow> = BTreeMap::new();
    for state in flow
        .states
        .iter()
        .filter(|s| crate::catalog::role(&s.kind) == crate::catalog::Role::Subflow)
    {
        let sid = flow
            .properties(state)
            .and_then(|p| p.get("flow_sid"))
            .and_then(|v| v.as_str());
        if let Some(sub) = sid.and_then(|sid| subflows.get(sid)) {
            by_widget.insert(state.name.clone(), sub);
        }
    }
    let checked = file.scenarios.iter().try_for_each(|scenario| {
        scenario::check(scenario, &flow, &by_widget)
            .map_err(|e| format!("{}: scenario {:?}: {e}", path.display(), scenario.name))
    });
    drop(by_widget);
    if let Err(message) = checked {
        return fail(flow_path, Some(flow), message);
    }
    if file.scenarios.is_empty() {
        return fail(
            flow_path,
            Some(flow),
            format!("{}: no [[scenario]] in this file", path.display()),
        );
    }
    let results = file
        .scenarios
        .iter()
        .filter(|s| filter.is_none_or(|f| s.name.contains(f)))
        .map(|scenario| {
            let execution = engine::run_guarded(&flow, scenario, &subflows);
            let verdict = expect::judge(scenario, &execution);
            ScenarioRun {
                name: scenario.name.clone(),
                execution,
                verdict,
            }
        })
        .collect();
    FileRun {
        path: path.to_path_buf(),
        flow_path,
        flow: Some(flow),
        results: Ok(results),
    }
}

/// `a/b/../c` as `a/c`, without touching the file system (for messages and coverage keys).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
