//! `channel-mismatch`: a voice-only widget that only messaging triggers reach, or a
//! REST-only widget (start/resume a conversation) that other triggers reach.

use crate::catalog::{self, Channel};
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    ChannelMismatch,
    "channel-mismatch",
    Warning,
    "a voice widget only messaging reaches, or a REST-only widget other triggers reach"
);

impl Rule for ChannelMismatch {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let channels = ctx.channels();
        for (index, state) in ctx.flow.states.iter().enumerate() {
            let Some(spec) = catalog::widget(&state.kind) else {
                continue;
            };
            let message = match spec.channel {
                Channel::Voice if channels.messaging[index] && !channels.voice[index] => format!(
                    "`{}` is a `{}` widget, which needs a call, but only incoming messages reach it",
                    state.name, state.kind
                ),
                Channel::RestOnly if channels.non_rest[index] => format!(
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
            out.push(Diagnostic::new(&META, state.member("type"), message).help(help));
        }
    }
}
