//! `dead-branch`: a split branch that can never be taken, because every path to the split
//! passes an earlier split on the same expression that already fixed or excluded its value
//! (and nothing re-ran what the expression reads in between), or because the input reads
//! nothing Studio defines and is always the same.
//!
//! How: a split's edge says what its input is on that branch (`equal_to 2` → `2`; `noMatch`
//! → none of the listed values). A widget entered only through branches of one split starts
//! a fact that holds in its dominator subtree; one walk of the dominator tree carries the
//! facts in scope, and each edge into a split reads the facts about its expression there.
//! A fact stops holding where the widget the expression reads (or a set-variables that sets
//! it) can run again after the branch: that is a reachability question asked only for the
//! few facts that would produce a finding, and at most [`MAX_SEARCHES`] times per flow.
//! Comparisons follow Studio: trimmed, case-insensitive, lists comma-separated.

use foldhash::{HashMap, HashMapExt};

use fixedbitset::FixedBitSet;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::conditions::{self, Branch, Split, Values, same_expression_key};
use crate::dataflow::DominatorTree;
use crate::flow::{MemberPath, StateId};
use crate::liquid;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    DeadBranch,
    "dead-branch",
    Warning,
    "a split branch that can never be taken: an earlier split on the same value decided it"
);

/// Reachability searches per flow; past this, facts that need one are dropped (silence).
const MAX_SEARCHES: usize = 64;
/// Facts about one expression looked at per edge, innermost first.
const MAX_FACTS: usize = 4;

impl Rule for DeadBranch {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let splits = ctx.splits();
        for split in splits {
            if let Some(constant) = constant_input(split) {
                out.extend(constant_finding(split, &constant));
            }
        }
        let Some(dominators) = ctx.dominators() else {
            return;
        };
        let tested = tested_splits(ctx, splits);
        Walk::new(ctx, dominators, &tested).run(out);
    }
}

/// A split whose conditions all test its input, with what can change that input.
struct Tested<'s, 'f> {
    split: &'s Split<'f>,
    key: &'s str,
    /// Widgets whose running gives the expression a new value.
    writers: Vec<NodeIndex>,
}

fn tested_splits<'s, 'f>(ctx: &Context, splits: &'s [Split<'f>]) -> HashMap<usize, Tested<'s, 'f>> {
    splits
        .iter()
        .filter(|s| !s.state.incomplete && s.input.is_some_and(|i| !i.contains("{%")))
        .filter_map(|split| {
            let key = split.tested()?;
            let writers = writers(ctx, split.input.unwrap_or(""));
            Some((
                split.index,
                Tested {
                    split,
                    key,
                    writers,
                },
            ))
        })
        .collect()
}

/// The widgets that set what an expression reads: the widget of `widgets.x…`, the
/// set-variables widgets that set `flow.variables.k`. The trigger's data never changes.
fn writers(ctx: &Context, input: &str) -> Vec<NodeIndex> {
    let mut found = Vec::new();
    for path in liquid::paths(input) {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["widgets", widget, ..] => found.extend(ctx.graph.node(widget)),
            ["flow", "variables", key, ..] => {
                found.extend(ctx.variable_setters().get(key).into_iter().flatten());
            }
            _ => {}
        }
    }
    found
}

/// What one edge into a split knows of the split's expression, and which splits said so.
struct EdgeFact {
    from: NodeIndex,
    values: Values,
    sources: Vec<usize>,
}

/// A fact in scope: the expression's values below `at`, entered only from split `source`.
struct Fact {
    values: Values,
    source: usize,
    at: NodeIndex,
}

/// The walk of the dominator tree that carries facts, records what each edge into a tested
/// split knows, and reports on the split once all its edges are walked.
struct Walk<'w, 'c, 's, 'f> {
    ctx: &'w Context<'c>,
    dominators: &'w DominatorTree,
    tested: &'w HashMap<usize, Tested<'s, 'f>>,
    scope: HashMap<&'w str, Vec<Fact>>,
    reach: Reach<'w, 'c>,
    /// Tested splits with edges still to walk: what the walked edges know, and how many
    /// edges the walk will find in all. Held only until the last one, not for every split
    /// to the end of the walk (a ladder of 100,000 splits held them all).
    pending: HashMap<usize, Incoming>,
}

/// The edges into a tested split walked so far.
struct Incoming {
    edges: Vec<EdgeFact>,
    expected: usize,
}

impl<'w, 'c, 's, 'f> Walk<'w, 'c, 's, 'f> {
    fn new(
        ctx: &'w Context<'c>,
        dominators: &'w DominatorTree,
        tested: &'w HashMap<usize, Tested<'s, 'f>>,
    ) -> Self {
        Walk {
            ctx,
            dominators,
            tested,
            scope: HashMap::new(),
            reach: Reach::new(ctx),
            pending: HashMap::new(),
        }
    }

    fn run(mut self, out: &mut Vec<Diagnostic>) {
        let mut stack = vec![(self.dominators.root(), false)];
        while let Some((node, leaving)) = stack.pop() {
            if leaving {
                self.leave(node);
                continue;
            }
            self.enter(node, out);
            stack.push((node, true));
            stack.extend(self.dominators.children(node).map(|c| (c, false)));
        }
        // Every edge the walk expects is walked; this is only in case one was not.
        let mut rest: Vec<(usize, Incoming)> = self.pending.drain().collect();
        rest.sort_unstable_by_key(|(target, _)| *target);
        for (target, incoming) in rest {
            out.extend(findings(self.ctx, &self.tested[&target], &incoming.edges));
        }
    }

    fn enter(&mut self, node: NodeIndex, out: &mut Vec<Diagnostic>) {
        if let Some((key, fact)) = self.entry_fact(node) {
            self.scope.entry(key).or_default().push(fact);
        }
        let ctx = self.ctx;
        for edge in ctx.graph.graph.edges(node) {
            let target = edge.target().index();
            if self.tested.contains_key(&target) {
                let fact = self.edge_fact(node, edge.weight().transition, target);
                self.record(target, fact, out);
            }
        }
    }

    /// Keeps what an edge into `target` knows; with its last edge, reports on the split.
    fn record(&mut self, target: usize, fact: EdgeFact, out: &mut Vec<Diagnostic>) {
        let (ctx, dominators) = (self.ctx, self.dominators);
        let incoming = self.pending.entry(target).or_insert_with(|| Incoming {
            edges: Vec::new(),
            expected: walked_edges_into(ctx, dominators, target),
        });
        incoming.edges.push(fact);
        if incoming.edges.len() == incoming.expected
            && let Some(incoming) = self.pending.remove(&target)
        {
            out.extend(findings(ctx, &self.tested[&target], &incoming.edges));
        }
    }

    fn leave(&mut self, node: NodeIndex) {
        if let Some(stack) = self
            .entry_split(node)
            .and_then(|(key, _)| self.scope.get_mut(key))
        {
            stack.pop();
        }
    }

    /// The tested split every reachable edge into `node` comes from, with its key.
    fn entry_split(&self, node: NodeIndex) -> Option<(&'w str, usize)> {
        let reachable = self.ctx.reachable();
        let mut sources = self
            .ctx
            .graph
            .graph
            .edges_directed(node, Direction::Incoming)
            .map(|e| e.source())
            .filter(|s| reachable[s.index()]);
        let first = sources.next()?;
        let tested = self.tested.get(&first.index())?;
        (first != node && sources.all(|s| s == first)).then_some((tested.key, first.index()))
    }

    fn entry_fact(&self, node: NodeIndex) -> Option<(&'w str, Fact)> {
        let (key, source) = self.entry_split(node)?;
        let split = self.tested[&source].split;
        let values = self
            .ctx
            .graph
            .graph
            .edges_directed(node, Direction::Incoming)
            .filter(|e| e.source().index() == source)
            .map(|e| branch_values(split, e.weight().transition))
            .reduce(|a, b| a.or(&b))?;
        Some((
            key,
            Fact {
                values,
                source,
                at: node,
            },
        ))
    }

    /// What the edge `from` → `target` (transition `transition` of `from`) knows.
    fn edge_fact(&mut self, from: NodeIndex, transition: usize, target: usize) -> EdgeFact {
        let tested = &self.tested[&target];
        let mut values = Values::Any;
        let mut sources = Vec::new();
        let facts = self.scope.get(tested.key).map(Vec::as_slice).unwrap_or(&[]);
        for fact in facts.iter().rev().take(MAX_FACTS) {
            let source = StateId::new(fact.source).node();
            if self
                .reach
                .unchanged(self.dominators, &tested.writers, source, fact.at, from)
            {
                values = values.and(&fact.values);
                sources.push(fact.source);
            }
        }
        if let Some(split) = self
            .tested
            .get(&from.index())
            .filter(|t| t.key == tested.key)
        {
            values = values.and(&branch_values(split.split, transition));
            sources.push(from.index());
        }
        EdgeFact {
            from,
            values,
            sources,
        }
    }
}

/// The edges into `target` the walk will find: those from the states in the dominator tree,
/// the ones it enters.
fn walked_edges_into(ctx: &Context, dominators: &DominatorTree, target: usize) -> usize {
    ctx.graph
        .graph
        .edges_directed(NodeIndex::new(target), Direction::Incoming)
        .filter(|e| dominators.contains(e.source()))
        .count()
}

/// What a split's input is when it takes transition `position`: that transition's
/// conditions hold and those of the `match` transitions before it do not.
fn branch_values(split: &Split, position: usize) -> Values {
    let Some(taken) = split.branches.iter().find(|b| b.position == position) else {
        return Values::Any;
    };
    let mut values = if taken.is_match() {
        Values::admitted_by_all(&taken.conditions)
    } else {
        Values::Any
    };
    for earlier in split.matches() {
        if taken.is_match() && earlier.position >= position {
            break;
        }
        values = values.and(&Values::rejected_by(&earlier.conditions));
    }
    values
}

/// Answers "can a writer of the expression run between `fact_at` and `reader`, without
/// passing the split `source` again?" with a bounded number of searches.
struct Reach<'w, 'c> {
    ctx: &'w Context<'c>,
    /// States reachable from a start without passing `avoid`, by (start, avoid).
    searches: HashMap<(NodeIndex, NodeIndex), FixedBitSet>,
}

impl<'w, 'c> Reach<'w, 'c> {
    fn new(ctx: &'w Context<'c>) -> Self {
        Reach {
            ctx,
            searches: HashMap::new(),
        }
    }

    fn unchanged(
        &mut self,
        dominators: &DominatorTree,
        writers: &[NodeIndex],
        source: NodeIndex,
        fact_at: NodeIndex,
        reader: NodeIndex,
    ) -> bool {
        writers.iter().all(|&writer| {
            if writer == reader || writer == fact_at {
                return false;
            }
            // A writer that runs before the split and shares no cycle with it cannot run
            // after it.
            if dominators.dominates(writer, source) && !self.ctx.same_cycle(writer, source) {
                return true;
            }
            match (self.reached(fact_at, source), self.reached(writer, source)) {
                (Some(from_fact), Some(from_writer)) => {
                    !(from_fact.contains(writer.index()) && from_writer.contains(reader.index()))
                }
                _ => false,
            }
        })
    }

    fn reached(&mut self, start: NodeIndex, avoid: NodeIndex) -> Option<FixedBitSet> {
        if let Some(found) = self.searches.get(&(start, avoid)) {
            return Some(found.clone());
        }
        if self.searches.len() >= MAX_SEARCHES {
            return None;
        }
        let graph = &self.ctx.graph.graph;
        let mut seen = FixedBitSet::with_capacity(graph.node_count());
        seen.insert(avoid.index());
        let mut stack = vec![start];
        seen.insert(start.index());
        while let Some(node) = stack.pop() {
            for next in graph.neighbors(node) {
                if !seen.put(next.index()) {
                    stack.push(next);
                }
            }
        }
        seen.set(avoid.index(), start == avoid);
        self.searches.insert((start, avoid), seen.clone());
        Some(seen)
    }
}

/// How a split's transitions fare under what is known of its input.
struct Outcome<'b, 'f> {
    /// Transitions that never fire, with the transition that always fires before them, if
    /// that is why.
    dead: Vec<(&'b Branch<'f>, Option<&'b Branch<'f>>)>,
    /// The transition always taken, when the outcome is decided.
    always: Option<&'b Branch<'f>>,
}

fn outcome<'b, 'f>(split: &'b Split<'f>, values: &Values) -> Outcome<'b, 'f> {
    let mut dead = Vec::new();
    let mut caught: Option<&Branch> = None;
    let mut undecided = false;
    for branch in split.matches() {
        if let Some(by) = caught {
            dead.push((branch, Some(by)));
            continue;
        }
        match values.decides_all(&branch.conditions) {
            Some(false) => dead.push((branch, None)),
            Some(true) => caught = Some(branch),
            None => undecided = true,
        }
    }
    let no_match = split.branches.iter().find(|b| b.is_no_match());
    if let (Some(by), Some(no_match)) = (caught, no_match) {
        dead.push((no_match, Some(by)));
    }
    let always = match caught {
        Some(by) if !undecided => Some(by),
        None if !undecided => no_match,
        _ => None,
    };
    Outcome { dead, always }
}

fn findings(ctx: &Context, tested: &Tested, incoming: &[EdgeFact]) -> Vec<Diagnostic> {
    let reachable = ctx.reachable();
    if !reachable[tested.split.index] || incoming.is_empty() {
        return Vec::new();
    }
    let values = incoming
        .iter()
        .map(|e| e.values.clone())
        .reduce(|a, b| a.or(&b))
        .unwrap_or(Values::Any);
    if matches!(&values, Values::OneOf(set) if set.is_empty()) {
        return Vec::new();
    }
    let result = outcome(tested.split, &values);
    let dead: Vec<Diagnostic> = result
        .dead
        .iter()
        .filter(|(branch, _)| branch.is_match() || branch.transition.next.is_some())
        .map(|(branch, by)| dead_finding(ctx, tested, &values, incoming, branch, *by))
        .collect();
    if !dead.is_empty() {
        return dead;
    }
    per_edge_finding(ctx, tested, incoming)
        .into_iter()
        .collect()
}

fn sources_named(ctx: &Context, incoming: &[EdgeFact]) -> String {
    let mut names: Vec<&str> = incoming
        .iter()
        .flat_map(|e| &e.sources)
        .map(|&s| ctx.flow.states[s].name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn dead_finding(
    ctx: &Context,
    tested: &Tested,
    values: &Values,
    incoming: &[EdgeFact],
    branch: &Branch,
    by: Option<&Branch>,
) -> Diagnostic {
    let name = &tested.split.state.name;
    let input = tested.split.input.unwrap_or("").trim();
    let why = match by {
        Some(by) => format!(
            "transition {} ({}) always holds first",
            by.position,
            by.describe()
        ),
        None => "its conditions never hold".to_string(),
    };
    let message = format!(
        "`{name}` never takes transition {} ({}): on every path here `{input}` is {} \
         (decided by {}), so {why}",
        branch.position,
        branch.describe(),
        values.describe(),
        sources_named(ctx, incoming)
    );
    let location = match branch.conditions.first() {
        Some(c) if c.value.is_some() && by.is_none() => c.value_location(),
        Some(c) => c.location.clone(),
        None => branch.transition.member("next"),
    };
    Diagnostic::new(&META, location, message).help(
        "test what the caller answered last (the widget that ran just before this split), \
             or remove the branch that cannot be taken",
    )
}

/// No branch is dead at the split itself, but each edge into it decides its outcome: a
/// retry loop that re-tests an unchanged value, or a split that repeats earlier decisions.
fn per_edge_finding(ctx: &Context, tested: &Tested, incoming: &[EdgeFact]) -> Option<Diagnostic> {
    let split = tested.split;
    let name = &split.state.name;
    let input = split.input.unwrap_or("").trim();
    let decided: Vec<(&EdgeFact, &Branch)> = incoming
        .iter()
        .filter_map(|e| outcome(split, &e.values).always.map(|b| (e, b)))
        .collect();
    let input_at = split
        .state
        .member(MemberPath::from("properties").key("input"));
    let from = |e: &EdgeFact| ctx.state(e.from).name.clone();
    if let Some((edge, branch)) = decided
        .iter()
        .find(|(e, _)| e.sources.contains(&split.index))
    {
        let message = format!(
            "when `{}` leads back to `{name}`, `{input}` has not changed since `{name}` tested \
             it: it takes {} again, every time",
            from(edge),
            branch.describe()
        );
        return Some(
            // The finding stands at the input; the event it names is the branch always taken.
            Diagnostic::new(&META, input_at, message)
                .event(&branch.transition.event)
                .help(format!(
                    "test the new answer (the output of `{}` or of the widget before it), not \
                     the value `{name}` already tested",
                    from(edge)
                )),
        );
    }
    if decided.len() < 2 || decided.len() != incoming.len() {
        return None;
    }
    let each: Vec<String> = decided
        .iter()
        .map(|(e, b)| format!("from `{}` it takes {}", from(e), b.describe()))
        .collect();
    let message = format!(
        "`{name}` re-tests `{input}`, which {} already decided on every path here: {}",
        sources_named(ctx, incoming),
        each.join("; ")
    );
    Some(Diagnostic::new(&META, input_at, message).help(
        "test the answer given after the earlier split (a confirmation's own `Digits`), \
                 or connect the widgets before it to the branches directly",
    ))
}

/// The value of an input that reads nothing Studio defines: `{{become}}` is always empty.
/// `None` when the input reads anything real, uses a filter or a tag, or has no Liquid.
fn constant_input(split: &Split) -> Option<String> {
    let input = split.input?;
    if !input.contains("{{") || input.contains("{%") || input.contains('|') {
        return None;
    }
    let paths = liquid::paths(input);
    let real = ["trigger", "widgets", "flow", "contact"];
    if paths.is_empty() || paths.iter().any(|p| real.contains(&p[0].as_str())) {
        return None;
    }
    let key = same_expression_key(input);
    let mut rest = key.as_str();
    let mut text = String::new();
    while let Some(open) = rest.find("{{") {
        text.push_str(&rest[..open]);
        rest = &rest[open..];
        rest = rest.find("}}").map_or("", |close| &rest[close + 2..]);
    }
    text.push_str(rest);
    Some(conditions::normalize(&text))
}

fn constant_finding(split: &Split, constant: &str) -> Option<Diagnostic> {
    let values = Values::OneOf([constant.to_string()].into());
    let result = outcome(split, &values);
    let always = result.always?;
    let dead = result
        .dead
        .iter()
        .filter(|(b, _)| b.is_match() || b.transition.next.is_some())
        .count();
    if dead == 0 {
        return None;
    }
    let name = &split.state.name;
    let input = split.input.unwrap_or("").trim();
    let value = if constant.is_empty() {
        "always empty".to_string()
    } else {
        format!("always `{constant}`")
    };
    let message = format!(
        "`{name}` tests `{input}`, which reads nothing Studio defines and is {value}: it \
         always takes {} and its other {dead} branch(es) are never taken",
        always.describe()
    );
    Some(
        // The finding stands at the input; the event it names is the branch always taken.
        Diagnostic::new(
            &META,
            split
                .state
                .member(MemberPath::from("properties").key("input")),
            message,
        )
        .event(&always.transition.event)
        .help(
            "read a widget's output or a variable (`{{widgets.<name>.SpeechResult}}`, \
             `{{flow.variables.<key>}}`, `{{trigger.…}}`)",
        ),
    )
}
