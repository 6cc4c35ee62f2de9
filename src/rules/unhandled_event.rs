//! `unhandled-event`: a required event of a widget left unconnected, so the execution
//! silently ends on that path while the author continues the others.
//!
//! Which events are required is catalog data (`EventSpec::required`, `WidgetSpec::one_of`);
//! the one judgement made here is whether a split's conditions can match any input.

use foldhash::{HashSet, HashSetExt};

use crate::catalog::{self, Category, EventKind, EventSpec, MATCH, NO_MATCH, WidgetSpec};
use crate::flow::{State, StateId};
use crate::liquid;
use crate::rule::{Anchor, Context, Diagnostic, Rule, Severity, Subject};

declare_rule!(
    UnhandledEvent,
    "unhandled-event",
    Error,
    "a required event of a widget is left unconnected"
);

impl Rule for UnhandledEvent {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let reachable = ctx.reachable();
        let channels = ctx.channels();
        let handled_handoffs = handled_handoffs(ctx);
        for node in ctx.graph.graph.node_indices() {
            let id = StateId::from(node);
            let index = id.index();
            let state = ctx.state(id);
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            let is_trigger = Some(node) == ctx.graph.root;
            // Unreachable widgets are unreachable-state's finding. In a flow run only as a
            // subflow, an unconnected event returns to the parent, which carries on.
            if !is_trigger && (!reachable[index] || channels.subflow_only(index)) {
                continue;
            }
            // With a transition that could not be read, which events are connected is not
            // known: malformed-flow reports it, and nothing is guessed here.
            if state.incomplete {
                continue;
            }
            let place = Place {
                state,
                spec,
                on_call: channels.call[index],
                voice: channels.voice[index],
                handled_handoffs: &handled_handoffs,
            };
            // A dropped caller is the worst outcome: widgets a call reaches get an error.
            let severity = if is_trigger || place.on_call {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut found = Vec::new();
            check_one_of(state, spec, is_trigger, &mut found);
            check_required(ctx, &place, &mut found);
            out.extend(found.into_iter().map(|d| d.severity(severity)));
        }
    }
}

/// A widget and what reaches it.
struct Place<'a> {
    state: &'a State,
    spec: &'a WidgetSpec,
    /// An incoming call reaches it: a caller is on the line.
    on_call: bool,
    /// Some execution that can carry a call reaches it.
    voice: bool,
    /// See [`handled_handoffs`].
    handled_handoffs: &'a HashSet<(&'a str, &'a str)>,
}

/// The trigger, or a gather, with none of the events that carry the flow on connected.
fn check_one_of(state: &State, spec: &WidgetSpec, is_trigger: bool, out: &mut Vec<Diagnostic>) {
    if spec.one_of.is_empty() || connected_any(state, spec.one_of) {
        return;
    }
    let (message, help) = if is_trigger || spec.category == Category::Trigger {
        (
            format!(
                "the trigger `{}` has no connected event: the flow does nothing",
                state.name
            ),
            "connect the trigger event this flow answers (`incomingCall`, `incomingMessage`, \
             `incomingRequest`, …) to the first widget"
                .to_string(),
        )
    } else {
        let neither = quoted_list(spec.one_of, "nor");
        let either = quoted_list(spec.one_of, "or");
        (
            format!(
                "`{}` connects neither {neither}: whatever the caller enters, the call ends",
                state.name
            ),
            format!("connect {either} to the widget that handles the answer"),
        )
    };
    out.push(
        Diagnostic::new(&META, state.member("transitions"), message)
            .anchor(Anchor::Key)
            .help(help),
    );
}

/// A required event left unconnected while the widget's normal outcome goes on, or a
/// failed hand-off to a person left unconnected.
fn check_required(ctx: &Context, place: &Place, out: &mut Vec<Diagnostic>) {
    let (state, spec) = (place.state, place.spec);
    let Some(events) = spec.events else {
        return;
    };
    for event in events {
        if is_connected(state, event.name)
            || (event.voice_only && !place.voice)
            || !is_expected(place, event)
        {
            continue;
        }
        if event.name == NO_MATCH && !split_needs_no_match(ctx, state) {
            continue;
        }
        let transition = state.transitions.iter().find(|t| t.event == event.name);
        let (location, anchor) = match transition {
            Some(t) => (t.member("next"), Anchor::Value),
            None => (state.member("transitions"), Anchor::Key),
        };
        // A transition with no `next` at all has nothing to underline but its event.
        let location = match (transition, ctx.flow.value(&location)) {
            (Some(t), None) => t.member("event"),
            _ => location,
        };
        let who = if place.on_call {
            "the caller"
        } else {
            "the contact"
        };
        out.push(
            // Without a transition the location cannot name the event: the finding does.
            Diagnostic::new(&META, location, message(place, event.name, event.kind))
                .anchor(anchor)
                .event(event.name)
                .subject(Subject::DroppedEvent {
                    state: place.state.id,
                    event: event.name.to_string(),
                })
                .help(format!(
                    "connect `{}` to a widget that tells {who} what happened, retries, or \
                     hands over to a person",
                    event.name
                )),
        );
    }
}

fn message(place: &Place, event: &str, kind: EventKind) -> String {
    let name = &place.state.name;
    let ends = if place.on_call {
        "the flow silently ends and the caller is dropped"
    } else {
        "the flow silently ends"
    };
    if event == NO_MATCH {
        return format!(
            "`noMatch` of `{name}` is not connected: an answer that matches no condition ends \
             the flow"
        );
    }
    let what = match kind {
        EventKind::Timeout => "times out",
        EventKind::Failure => "fails",
        _ => "takes this path",
    };
    format!("`{event}` of `{name}` is not connected: when it {what}, {ends}")
}

fn is_connected(state: &State, event: &str) -> bool {
    state.connected().any(|(t, _)| t.event == event)
}

fn connected_any(state: &State, events: &[&str]) -> bool {
    events.iter().any(|e| is_connected(state, e))
}

/// Whether the flow is expected to connect `event` of this widget:
/// - a required event, once a normal outcome of the widget carries the flow on;
/// - a failed hand-off, once another widget of the same type handles its own: the author
///   routes that failure, and this widget was missed;
/// - an optional failure, once another failure of the same widget is handled (an outgoing
///   call whose `noAnswer` retries but whose `busy` ends).
fn is_expected(place: &Place, event: &EventSpec) -> bool {
    let (state, spec) = (place.state, place.spec);
    if event.required && normal_outcome_connected(state, spec, event.name) {
        return true;
    }
    // This widget leaves `event` unconnected, so a widget that connects it is another one.
    if event.handoff
        && place
            .handled_handoffs
            .contains(&(state.kind.as_str(), event.name))
    {
        return true;
    }
    event.kind == EventKind::Failure
        && !event.required
        && state.connected().any(|(t, _)| {
            t.event != event.name
                && spec
                    .event(&t.event)
                    .is_some_and(|e| e.kind == EventKind::Failure)
        })
}

/// Whether another widget of the same type connects `event`.
/// (widget type, event) for every hand-off event some widget connects: one pass.
fn handled_handoffs<'c>(ctx: &'c Context) -> HashSet<(&'c str, &'c str)> {
    let mut handled = HashSet::new();
    for state in &ctx.flow.states {
        let Some(spec) = catalog::widget(&state.kind) else {
            continue;
        };
        for (transition, _) in state.connected() {
            if spec.event(&transition.event).is_some_and(|e| e.handoff) {
                handled.insert((state.kind.as_str(), transition.event.as_str()));
            }
        }
    }
    handled
}

/// Whether a normal outcome of the widget other than `event` is connected: the author
/// carries the flow on after it, so ending on a failure is an oversight. When only other
/// failures are connected, the normal outcome ends the flow too.
fn normal_outcome_connected(state: &State, spec: &WidgetSpec, event: &str) -> bool {
    state.connected().any(|(t, _)| {
        t.event != event
            && spec
                .event(&t.event)
                .is_some_and(|e| e.kind == EventKind::Normal)
    })
}

/// Whether a split's `noMatch` must be connected. Not when:
/// - its conditions accept every input (a catch-all regex, a condition and its complement);
/// - it has one `match` branch: a filter that continues on one answer and ends otherwise;
/// - it tests only values the flow's own services compute (a function's or request's
///   result, a flow variable, REST parameters): those come from a closed set the flow
///   cannot see. Answers a person typed, pressed or said, and the trigger's channel data,
///   can be anything.
fn split_needs_no_match(ctx: &Context, state: &State) -> bool {
    let matches = state
        .transitions
        .iter()
        .filter(|t| t.event == MATCH)
        .count();
    matches > 1 && !split_matches_anything(ctx, state) && tests_open_input(ctx, state)
}

/// Whether the split's input reads something from outside the flow's control: a person's
/// answer (a widget that collects input, or one flowcheck does not know), the trigger's
/// data, or a fixed text.
fn tests_open_input(ctx: &Context, state: &State) -> bool {
    let input = ctx
        .flow
        .properties(state)
        .and_then(|p| p.get("input"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let paths = liquid::paths(input);
    paths.is_empty() || paths.iter().any(|path| is_open_path(ctx, path))
}

fn is_open_path(ctx: &Context, path: &[String]) -> bool {
    match path.first().map(String::as_str) {
        Some("trigger") => path.get(1).is_none_or(|p| p != "parent"),
        Some("widgets") => {
            let widget = path.get(1).and_then(|name| ctx.graph.node(name));
            widget.is_none_or(|node| {
                let kind = &ctx.state(node).kind;
                catalog::widget(kind).is_none_or(|w| w.collects_input)
            })
        }
        _ => false,
    }
}

/// Whether the conditions of a split's connected transitions accept every input: a
/// catch-all regex, or a condition and its complement on the same value (`equal_to x` and
/// `not_equal_to x`, `is_blank` and `is_not_blank`, …).
fn split_matches_anything(ctx: &Context, state: &State) -> bool {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for transition in state.transitions.iter().filter(|t| t.is_connected()) {
        for condition in ctx.flow.conditions(transition) {
            let kind = condition.get("type").and_then(|v| v.as_str()).unwrap_or("");
            let value = condition
                .get("value")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if kind == "regex" && CATCH_ALL_PATTERNS.contains(&value.trim()) {
                return true;
            }
            let value = if kind.starts_with("is_") { "" } else { value };
            seen.push((kind, value));
        }
    }
    seen.iter()
        .any(|&(kind, value)| complement(kind).is_some_and(|other| seen.contains(&(other, value))))
        || covers_every_number(&seen)
}

/// `greater_than g` with `less_than l` where `g < l` accepts every number (and `g == l` with
/// `equal_to g`).
fn covers_every_number(seen: &[(&str, &str)]) -> bool {
    let numbers = |wanted: &str| -> Vec<f64> {
        seen.iter()
            .filter(|(kind, _)| *kind == wanted)
            .filter_map(|(_, value)| value.trim().parse().ok())
            .collect()
    };
    let (above, below, equal) = (
        numbers("greater_than"),
        numbers("less_than"),
        numbers("equal_to"),
    );
    above.iter().any(|&g| {
        below
            .iter()
            .any(|&l| g < l || (g == l && equal.contains(&g)))
    })
}

/// The condition type that matches exactly the inputs `kind` does not.
fn complement(kind: &str) -> Option<&'static str> {
    COMPLEMENTS.iter().find_map(|&(a, b)| {
        if kind == a {
            Some(b)
        } else if kind == b {
            Some(a)
        } else {
            None
        }
    })
}

const COMPLEMENTS: &[(&str, &str)] = &[
    ("equal_to", "not_equal_to"),
    ("is_blank", "is_not_blank"),
    ("contains", "does_not_contain"),
    ("starts_with", "does_not_start_with"),
    ("matches_any_of", "does_not_match_any_of"),
];

/// Regular expressions that match any string, as authors write them.
const CATCH_ALL_PATTERNS: &[&str] = &[".*", "^.*", ".*$", "^.*$", "[\\s\\S]*", "(.*)", "^(.*)$"];

fn quoted_list(names: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}
