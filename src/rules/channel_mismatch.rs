//! `channel-mismatch`: a voice-only widget that only messaging triggers reach, or a
//! REST-only widget (start/resume a conversation) that other triggers reach.

use petgraph::graph::NodeIndex;

use crate::catalog::{self, Channel};
use crate::rule::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub struct ChannelMismatch;

pub static META: RuleMeta = RuleMeta {
    id: "channel-mismatch",
    severity: Severity::Warning,
    summary: "a voice widget only messaging reaches, or a REST-only widget other triggers reach",
    doc: include_str!("../../rules/channel-mismatch.md"),
};

const MESSAGING_EVENTS: &[&str] = &["incomingMessage", "incomingConversationMessage"];
/// Executions that can carry a call: a call, the REST API (which can place one), a parent
/// flow (whatever it was started by).
const VOICE_CAPABLE_EVENTS: &[&str] = &["incomingCall", "incomingRequest", "incomingParent"];
const NON_REST_EVENTS: &[&str] = &[
    "incomingCall",
    "incomingMessage",
    "incomingConversationMessage",
];

impl Rule for ChannelMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let Some(root) = ctx.graph.root else {
            return;
        };
        let from = |events: &[&str]| ctx.graph.reachable_from(trigger_targets(ctx, root, events));
        let by_messaging = from(MESSAGING_EVENTS);
        // An answered outgoing call makes voice widgets after it legitimate in any flow.
        let mut voice_starts = trigger_targets(ctx, root, VOICE_CAPABLE_EVENTS);
        voice_starts.extend(answered_calls(ctx));
        let by_voice = ctx.graph.reachable_from(voice_starts);
        let by_non_rest = from(NON_REST_EVENTS);
        for (index, state) in ctx.flow.states.iter().enumerate() {
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            let message = match spec.channel {
                Channel::Voice if by_messaging[index] && !by_voice[index] => format!(
                    "`{}` is a `{}` widget, which needs a call, but only incoming messages reach it",
                    state.name, state.kind
                ),
                Channel::RestOnly if by_non_rest[index] => format!(
                    "`{}` is a `{}` widget, which only works in executions started by the REST \
                     API, but an incoming call or message reaches it",
                    state.name, state.kind
                ),
                _ => continue,
            };
            let help = match spec.channel {
                Channel::Voice => {
                    "use a messaging widget (send-message, send-and-wait-for-reply) \
                                   here, or reach this widget from `incomingCall`"
                }
                _ => "reach this widget only from the trigger's `incomingRequest`",
            };
            out.push(
                Diagnostic::new(&META, state.member_pointer("type"), message)
                    .state(&state.name)
                    .help(help),
            );
        }
    }
}

fn trigger_targets(ctx: &Context, root: NodeIndex, events: &[&str]) -> Vec<NodeIndex> {
    ctx.state(ctx.graph.state_index(root))
        .connected()
        .filter(|(t, _)| events.contains(&t.event.as_str()))
        .filter_map(|(_, next)| ctx.graph.node(next))
        .collect()
}

/// The widgets that run once an outgoing call is answered.
fn answered_calls(ctx: &Context) -> Vec<NodeIndex> {
    ctx.flow
        .states
        .iter()
        .filter(|s| s.kind.starts_with("make-outgoing-call"))
        .flat_map(|s| s.connected())
        .filter(|(t, _)| t.event.starts_with("answered"))
        .filter_map(|(_, next)| ctx.graph.node(next))
        .collect()
}
