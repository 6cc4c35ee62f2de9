//! The project rules, one function each. Their places are already located (each flow is
//! summarised, then dropped), so each finding names its widget itself with `.state(…)`.

use std::collections::{BTreeMap, BTreeSet};

use super::{FlowSummary, Named, Out, Project, at, elsewhere};
use crate::rule::Diagnostic;
use crate::rules;

/// Studio's limit on the widgets of a flow and its subflows (81025/81026).
pub const WIDGET_BUDGET: usize = 2000;

pub(super) struct Ctx<'a> {
    pub summaries: &'a [FlowSummary],
    pub index: &'a BTreeMap<&'a str, usize>,
    pub project: &'a Project,
}

impl Ctx<'_> {
    /// The flow a call names, when the project holds it, and its index.
    fn target(&self, call: &super::Call) -> Option<(usize, &FlowSummary)> {
        let sid = call.flow_sid.as_ref()?.name.as_str();
        self.index.get(sid).map(|&i| (i, &self.summaries[i]))
    }
}

pub(super) fn run(ctx: &Ctx, out: &mut Out) {
    // The parameters each flow reads, gathered once: per call, a flow called thousands of
    // times cost its reads each time.
    let read: Vec<BTreeSet<&str>> = ctx
        .summaries
        .iter()
        .map(|s| s.parameter_reads.iter().map(|r| r.name.as_str()).collect())
        .collect();
    // And the first unguarded read of each, which a call must pass.
    let needed: Vec<Vec<&Named>> = ctx
        .summaries
        .iter()
        .map(|s| {
            let mut seen = BTreeSet::new();
            let unguarded = s.parameter_reads.iter().filter(|r| !r.guarded);
            unguarded.filter(|r| seen.insert(r.name.as_str())).collect()
        })
        .collect();
    for (file, summary) in ctx.summaries.iter().enumerate() {
        for call in &summary.calls {
            match ctx.target(call) {
                Some((index, target)) => {
                    parameters_missing(file, call, target, &needed[index], out);
                    parameters_unused(file, call, target, &read[index], out);
                    outputs_unset(file, call, target, out);
                    nested(file, call, target, out);
                }
                None => unknown(ctx, file, call, out),
            }
        }
        budget(ctx, file, summary, out);
    }
    revisions(ctx, out);
}

/// A literal SID, not a `${…}` placeholder or Liquid filled in later.
fn is_literal(sid: &str) -> bool {
    !sid.contains("${") && !sid.contains("{{") && !sid.is_empty()
}

fn unknown(ctx: &Ctx, file: usize, call: &super::Call, out: &mut Out) {
    let Some(sid) = &call.flow_sid else { return };
    if !ctx.project.complete || !is_literal(&sid.name) {
        return;
    }
    let message = format!(
        "`{}` runs the subflow `{}`, which names no flow of the project",
        call.widget, sid.name
    );
    let d = Diagnostic::new(&rules::UNKNOWN_SUBFLOW, sid.place.location(), message)
        .state(&call.widget)
        .help(
            "add the subflow's file (with its `sid`, or under [flows] in flowcheck.toml), \
             or correct the SID",
        );
    out.push(file, &sid.place, d);
}

fn parameters_missing(
    file: usize,
    call: &super::Call,
    target: &FlowSummary,
    needed: &[&Named],
    out: &mut Out,
) {
    let passed: BTreeSet<&str> = call.parameters.iter().map(|p| p.name.as_str()).collect();
    let place = call.parameters_at.as_ref().unwrap_or(&call.at);
    for read in needed {
        if passed.contains(read.name.as_str()) {
            continue;
        }
        let message = format!(
            "`{}` does not pass the parameter `{}`, which the subflow reads at {}",
            call.widget,
            read.name,
            at(target, &read.place)
        );
        let d = Diagnostic::new(&rules::SUBFLOW_PARAMETER_MISSING, place.location(), message)
            .state(&call.widget)
            .help(format!(
                "add `{{\"key\": \"{}\", \"value\": …}}` to `parameters`, or give the read a `| default:`",
                read.name
            ))
            .related_elsewhere(
                read.place.location(),
                "read here",
                elsewhere(target, &read.place),
            );
        out.push(file, place, d);
    }
}

fn parameters_unused(
    file: usize,
    call: &super::Call,
    target: &FlowSummary,
    read: &BTreeSet<&str>,
    out: &mut Out,
) {
    if target.reads_all_parameters {
        return;
    }
    for parameter in call
        .parameters
        .iter()
        .filter(|p| !read.contains(p.name.as_str()))
    {
        let message = format!(
            "`{}` passes the parameter `{}`, which the subflow {} never reads",
            call.widget, parameter.name, target.name
        );
        let mut d = Diagnostic::new(
            &rules::UNUSED_SUBFLOW_PARAMETER,
            parameter.place.location(),
            message,
        )
        .state(&call.widget)
        .help("remove the parameter, or read it as `{{trigger.parent.parameters.<key>}}`");
        if let Some(entry) = &target.entry {
            d = d.related_elsewhere(entry.location(), "the subflow", elsewhere(target, entry));
        }
        out.push(file, &parameter.place, d);
    }
}

fn outputs_unset(file: usize, call: &super::Call, target: &FlowSummary, out: &mut Out) {
    for read in call
        .reads
        .iter()
        .filter(|r| !target.outputs.contains(&r.name))
    {
        let message = format!(
            "`widgets.{}.{}` reads a value that no set-variables of the subflow {} sets",
            call.widget, read.name, target.name
        );
        let mut d = Diagnostic::new(&rules::SUBFLOW_OUTPUT_UNSET, read.place.location(), message)
            .anchor(crate::rule::Anchor::Bytes(read.place.span.clone()))
            .state(&call.widget)
            .help(format!(
                "set `{}` with a set-variables widget on the subflow's path to its end, or correct the name",
                read.name
            ));
        if let Some(entry) = &target.entry {
            d = d.related_elsewhere(entry.location(), "the subflow", elsewhere(target, entry));
        }
        out.push(file, &read.place, d);
    }
}

fn nested(file: usize, call: &super::Call, target: &FlowSummary, out: &mut Out) {
    let Some(inner) = target.calls.first() else {
        return;
    };
    let message = format!(
        "`{}` runs {} as a subflow, and it runs a subflow itself (`{}`): Studio stops this with error 81024",
        call.widget, target.name, inner.widget
    );
    let d = Diagnostic::new(&rules::NESTED_SUBFLOW, call.at.location(), message)
        .state(&call.widget)
        .help("a subflow may not run another subflow: move the inner call into the parent")
        .related_elsewhere(
            inner.at.location(),
            "the subflow's own run-subflow",
            elsewhere(target, &inner.at),
        );
    out.push(file, &call.at, d);
}

/// Calls to one subflow with different revisions: each call that differs from the first.
fn revisions(ctx: &Ctx, out: &mut Out) {
    let mut first: BTreeMap<&str, (usize, &super::Call)> = BTreeMap::new();
    for (file, summary) in ctx.summaries.iter().enumerate() {
        for call in &summary.calls {
            let (Some(sid), Some(revision)) = (&call.flow_sid, &call.revision) else {
                continue;
            };
            if !is_literal(&sid.name) {
                continue;
            }
            let (first_file, first_call) = *first.entry(sid.name.as_str()).or_insert((file, call));
            let Some(expected) = &first_call.revision else {
                continue;
            };
            if expected.name == revision.name {
                continue;
            }
            let other = &ctx.summaries[first_file];
            let message = format!(
                "`{}` runs {} at revision `{}`, and `{}` ({}) at `{}`: all calls to one subflow must use the same revision",
                call.widget,
                sid.name,
                revision.name,
                first_call.widget,
                at(other, &expected.place),
                expected.name
            );
            let d = Diagnostic::new(
                &rules::SUBFLOW_REVISION_MISMATCH,
                revision.place.location(),
                message,
            )
            .state(&call.widget)
            .help("use one `flow_revision` in every call to this subflow")
            .related_elsewhere(
                expected.place.location(),
                "the first call's revision",
                elsewhere(other, &expected.place),
            );
            out.push(file, &revision.place, d);
        }
    }
}

/// A flow and the distinct subflows it runs hold more than Studio's limit.
fn budget(ctx: &Ctx, file: usize, summary: &FlowSummary, out: &mut Out) {
    let Some(first) = summary.calls.first() else {
        return;
    };
    let targets: BTreeSet<usize> = summary
        .calls
        .iter()
        .filter_map(|c| ctx.index.get(c.flow_sid.as_ref()?.name.as_str()).copied())
        .filter(|&i| i != file)
        .collect();
    let total = summary.widgets
        + targets
            .iter()
            .map(|&i| ctx.summaries[i].widgets)
            .sum::<usize>();
    if total <= WIDGET_BUDGET {
        return;
    }
    let names: Vec<&str> = targets
        .iter()
        .map(|&i| ctx.summaries[i].name.as_str())
        .collect();
    let message = format!(
        "this flow ({} widgets) and its subflows ({}) hold {total} widgets, over Studio's limit of {WIDGET_BUDGET}",
        summary.widgets,
        names.join(", ")
    );
    let mut d = Diagnostic::new(&rules::WIDGET_BUDGET, first.at.location(), message)
        .state(&first.widget)
        .help("split the work differently: Studio refuses to run past the limit (81025/81026)");
    for &i in &targets {
        let target = &ctx.summaries[i];
        if let Some(entry) = &target.entry {
            d = d.related_elsewhere(entry.location(), "a subflow", elsewhere(target, entry));
        }
    }
    out.push(file, &first.at, d);
}
