//! Comparing an execution with what its scenario expects.

use super::engine::{End, Execution};
use super::scenario::{Scenario, TextMatch};

/// The result of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// What differs, the first difference first. Empty: the scenario passed.
    pub failures: Vec<String>,
    /// Mocks that never ran and other things worth a look that do not fail the scenario.
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

pub fn judge(scenario: &Scenario, run: &Execution) -> Verdict {
    let expect = &scenario.expect;
    let mut failures = Vec::new();
    let path = run.path();

    match (&run.end, &expect.end) {
        (End::Undescribed { message, .. }, _) => failures.push(message.clone()),
        (end, None) if !end.is_normal() => failures.push(format!(
            "{}; if that is what should happen, add end = \"{}\" to expect",
            end.describe(),
            end.kind()
        )),
        (end, Some(kind)) if end.kind() != kind => failures.push(format!(
            "expected the execution to end with `{kind}`, but {}",
            end.describe()
        )),
        _ => {}
    }

    if let Some(expected) = &expect.path
        && let Some(message) = path_difference(expected, &path)
    {
        failures.push(message);
    }
    if let Some(expected) = &expect.visits {
        let mut rest = path.iter();
        let mut previous: Option<&str> = None;
        for name in expected {
            if !rest.any(|p| p == name) {
                failures.push(match previous {
                    Some(prev) => {
                        format!("expected `{name}` to run after `{prev}`, and it did not")
                    }
                    None => format!("expected `{name}` to run, and it did not"),
                });
                break;
            }
            previous = Some(name);
        }
    }
    for name in &expect.not_visited {
        if let Some(step) = path.iter().position(|p| p == name) {
            failures.push(format!(
                "expected `{name}` not to run, and it ran at step {}",
                step + 2
            ));
        }
    }
    let last = run.steps.last().map_or("", |s| s.widget.as_str());
    if let Some(expected) = &expect.ends_at
        && expected != last
    {
        failures.push(format!(
            "expected the execution to end at `{expected}`, and it ended at `{last}`"
        ));
    }
    if let Some(expected) = &expect.end_event {
        match &run.end {
            End::Ended { event, .. } if event == expected => {}
            End::Ended { event, widget } => failures.push(format!(
                "expected the execution to end on `{expected}`, and it ended on `{event}` of `{widget}`"
            )),
            other => failures.push(format!(
                "expected the execution to end on `{expected}`, but {}",
                other.describe()
            )),
        }
    }
    for (key, matcher) in &expect.variables {
        match run.variables.get(key) {
            None => failures.push(format!(
                "expected flow.variables.{key} to be {matcher}, and it was never set"
            )),
            Some(value) => {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !matcher.matches(&text) {
                    failures.push(format!(
                        "expected flow.variables.{key} to be {matcher}, and it is {text:?}"
                    ));
                }
            }
        }
    }
    if let Some(expected) = &expect.messages
        && let Some(message) = list_difference("message sent", expected, &run.messages)
    {
        failures.push(message);
    }
    if let Some(expected) = &expect.said
        && let Some(message) = list_difference("prompt said", expected, &run.said)
    {
        failures.push(message);
    }
    if let Some(steps) = expect.steps
        && steps as usize != run.steps.len()
    {
        failures.push(format!(
            "expected {steps} steps (the trigger included), and the execution took {}",
            run.steps.len()
        ));
    }

    let mut warnings = Vec::new();
    for (key, mocks) in &scenario.widgets {
        let used = run.mock_runs.get(key).copied().unwrap_or(0);
        if used == 0 {
            warnings.push(format!(
                "widgets.{} was never used: `{key}` did not run",
                super::engine::quote_key(key)
            ));
        } else if !mocks.repeat && used < mocks.runs.len() {
            warnings.push(format!(
                "widgets.{} describes {} runs, and `{key}` ran {used} time{}",
                super::engine::quote_key(key),
                mocks.runs.len(),
                if used == 1 { "" } else { "s" }
            ));
        }
    }
    Verdict { failures, warnings }
}

fn path_difference(expected: &[String], actual: &[&str]) -> Option<String> {
    let step = |i: usize| i + 2; // step 1 is the trigger
    for (i, name) in expected.iter().enumerate() {
        match actual.get(i) {
            Some(ran) if ran == name => {}
            Some(ran) => {
                return Some(format!(
                    "path differs at step {}: expected `{name}`, ran `{ran}`",
                    step(i)
                ));
            }
            None => {
                let last = actual.last().copied().unwrap_or("the trigger");
                return Some(format!(
                    "path is shorter than expected: after `{last}` expected `{name}`, and the \
                     execution had ended"
                ));
            }
        }
    }
    if actual.len() > expected.len() {
        let extra = &actual[expected.len()..];
        let shown: Vec<&str> = extra.iter().take(5).copied().collect();
        return Some(format!(
            "path is longer than expected: after the expected widgets it ran {}{}",
            shown.join(" → "),
            if extra.len() > shown.len() {
                " → …"
            } else {
                ""
            }
        ));
    }
    None
}

fn list_difference(what: &str, expected: &[TextMatch], actual: &[String]) -> Option<String> {
    for (i, matcher) in expected.iter().enumerate() {
        match actual.get(i) {
            Some(text) if matcher.matches(text) => {}
            Some(text) => {
                return Some(format!(
                    "{what} #{}: expected {matcher}, got {text:?}",
                    i + 1
                ));
            }
            None => {
                return Some(format!(
                    "{what} #{}: expected {matcher}, and there were only {}",
                    i + 1,
                    actual.len()
                ));
            }
        }
    }
    if actual.len() > expected.len() {
        return Some(format!(
            "{what} #{}: none expected, got {:?}",
            expected.len() + 1,
            actual[expected.len()]
        ));
    }
    None
}
