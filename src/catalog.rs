//! The widget catalog: what flowcheck knows about each Studio widget type.
//!
//! Events come from the official JSON Schemas (vendored in `rules/schemas/`; a test checks
//! that every event they declare is listed here) and from what real Studio exports contain
//! (`enqueue-call` emits `queued`, the trigger `incomingConversationMessage` and
//! `incomingParent`). Rules ask the catalog; they do not `match` on widget types. What Liquid
//! can read from each widget and from the trigger is in [`outputs`].

pub mod outputs;

/// What an event means for the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The widget did its job (or one of several normal outcomes).
    Normal,
    /// The widget failed: an API error, a busy line, a payment error.
    Failure,
    /// Nobody answered in time.
    Timeout,
    /// The caller hung up while the widget ran.
    Hangup,
}

#[derive(Debug, Clone, Copy)]
pub struct EventSpec {
    pub name: &'static str,
    pub kind: EventKind,
    /// Leaving this event unconnected while the widget's other (non-hangup) events go on
    /// silently ends the flow on that path: the author clearly continues elsewhere.
    pub required: bool,
    /// Fires only through a transition that lists it (a split's `match` needs a condition),
    /// so a widget that lists none never emits it.
    pub listed_only: bool,
    /// Fires only on a call (Send to Flex's `callFailure`): never in a messaging execution.
    pub voice_only: bool,
    /// The Studio canvas offers a transition for it. Say/Play and Gather declare `hangup` in
    /// their schemas, but the canvas has no place to connect it.
    pub on_canvas: bool,
    /// A failed hand-off to a person (`failedToEnqueue`): required even when no other event
    /// of the widget is connected, since the normal outcome ends the flow by design while
    /// this one leaves the contact with nobody.
    pub handoff: bool,
}

/// Which conversations a widget works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Any,
    /// Needs a live call.
    Voice,
    /// Needs an execution started by the REST API.
    RestOnly,
}

/// What a widget does that analyses single out, so that they ask the catalog instead of
/// matching type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Where executions start.
    Trigger,
    /// Chooses a transition by its conditions (`match`/`noMatch`).
    Split,
    /// Writes `flow.variables`.
    SetVariables,
    /// Places a call: the widgets after `answered` have a live call.
    OutgoingCall,
    /// Runs another flow (`run-subflow`).
    Subflow,
    Other,
}

/// A split's conditional event, and the one it takes when no condition holds.
pub const MATCH: &str = "match";
pub const NO_MATCH: &str = "noMatch";

/// The trigger's events: what started the execution.
pub mod trigger_event {
    pub const CALL: &str = "incomingCall";
    pub const MESSAGE: &str = "incomingMessage";
    pub const REQUEST: &str = "incomingRequest";
    pub const CONVERSATION: &str = "incomingConversationMessage";
    /// Run as a subflow of another flow.
    pub const PARENT: &str = "incomingParent";
}

/// The role of a widget type; `Other` for types flowcheck does not know.
pub fn role(kind: &str) -> Role {
    widget(kind).map_or(Role::Other, |w| w.role)
}

/// How a widget is drawn and grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Trigger,
    Voice,
    Messaging,
    Logic,
    Integration,
}

#[derive(Debug, Clone, Copy)]
pub struct WidgetSpec {
    pub kind: &'static str,
    /// The events the widget emits; `None` when they are not documented, so any is accepted.
    pub events: Option<&'static [EventSpec]>,
    /// At least one of these events must be connected (the trigger, a gather's inputs).
    pub one_of: &'static [&'static str],
    pub channel: Channel,
    pub category: Category,
    pub role: Role,
    /// Waits on a person or on time, so a loop through it does not spin.
    pub waits: bool,
    /// Its outputs are what a person typed, pressed or said (a gather's `Digits`, a
    /// reply's `inbound.Body`): values nobody can enumerate in advance.
    pub collects_input: bool,
    /// Talks to the caller: nothing of it can run after the caller hung up.
    pub caller_facing: bool,
    /// Does work outside the call (logging, CRM updates, follow-up messages).
    pub side_effect: bool,
    /// Why the widget should no longer be used, and what replaces it.
    pub deprecated: Option<&'static str>,
}

impl WidgetSpec {
    /// Events that end the execution when the state does not list them at all.
    pub fn unlisted_exits<'a>(
        &self,
        state: &'a crate::flow::State,
    ) -> impl Iterator<Item = &'static EventSpec> + 'a {
        self.events
            .unwrap_or_default()
            .iter()
            .filter(|e| e.kind != EventKind::Hangup && !e.listed_only)
            .filter(move |e| !state.transitions.iter().any(|t| t.event == e.name))
    }

    pub fn event(&self, name: &str) -> Option<&'static EventSpec> {
        self.events?.iter().find(|e| e.name == name)
    }

    /// Whether the widget can emit `name`; unknown event lists accept anything.
    pub fn emits(&self, name: &str) -> bool {
        self.events.is_none() || self.event(name).is_some()
    }
}

/// The spec of a widget type, or `None` for a type flowcheck does not know.
pub fn widget(kind: &str) -> Option<&'static WidgetSpec> {
    WIDGETS.iter().find(|w| w.kind == kind)
}

/// Every type the catalog knows, for suggestions.
pub fn known_types() -> impl Iterator<Item = &'static str> {
    WIDGETS.iter().map(|w| w.kind)
}

const fn ok(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        kind: EventKind::Normal,
        required: false,
        listed_only: false,
        voice_only: false,
        on_canvas: true,
        handoff: false,
    }
}

/// An outcome that exists only as a listed transition with its own condition.
const fn conditional(name: &'static str) -> EventSpec {
    EventSpec {
        listed_only: true,
        ..ok(name)
    }
}

/// A normal outcome that must be handled once any other outcome is (a split's `noMatch`).
const fn branch(name: &'static str) -> EventSpec {
    EventSpec {
        kind: EventKind::Normal,
        required: true,
        ..ok(name)
    }
}

const fn fail(name: &'static str) -> EventSpec {
    EventSpec {
        kind: EventKind::Failure,
        required: true,
        ..ok(name)
    }
}

/// A failure whose silent end is the common, intended design (an SMS that bounced).
const fn fail_optional(name: &'static str) -> EventSpec {
    EventSpec {
        kind: EventKind::Failure,
        required: false,
        ..ok(name)
    }
}

const fn timeout(name: &'static str) -> EventSpec {
    EventSpec {
        kind: EventKind::Timeout,
        required: true,
        ..ok(name)
    }
}

/// A timeout after which ending is the usual intent (no reply to a text).
const fn timeout_optional(name: &'static str) -> EventSpec {
    EventSpec {
        kind: EventKind::Timeout,
        required: false,
        ..ok(name)
    }
}

const fn hangup() -> EventSpec {
    EventSpec {
        kind: EventKind::Hangup,
        voice_only: true,
        ..ok("hangup")
    }
}

/// A hangup the schema declares but the canvas offers no transition for: the execution
/// simply ends when the caller hangs up there.
const fn hangup_off_canvas() -> EventSpec {
    EventSpec {
        on_canvas: false,
        ..hangup()
    }
}

/// A hand-off to an agent or queue that did not happen.
const fn failed_handoff(name: &'static str) -> EventSpec {
    EventSpec {
        handoff: true,
        ..fail(name)
    }
}

/// A failure that only a call can have.
const fn fail_on_call(name: &'static str) -> EventSpec {
    EventSpec {
        voice_only: true,
        ..fail(name)
    }
}

/// A widget with the most common traits; entries below override what differs.
const BASE: WidgetSpec = WidgetSpec {
    kind: "",
    events: None,
    one_of: &[],
    channel: Channel::Any,
    category: Category::Integration,
    role: Role::Other,
    waits: false,
    collects_input: false,
    caller_facing: false,
    side_effect: false,
    deprecated: None,
};

/// A voice widget that holds the caller while it runs.
const VOICE: WidgetSpec = WidgetSpec {
    channel: Channel::Voice,
    category: Category::Voice,
    waits: true,
    caller_facing: true,
    ..BASE
};

/// A widget that calls out to another system.
const EFFECT: WidgetSpec = WidgetSpec {
    side_effect: true,
    ..BASE
};

const AUTOPILOT_GONE: &str = "Twilio shut Autopilot down in 2023, so this widget fails at run \
    time; move the bot to a Virtual Agent (Connect Virtual Agent) or a Function that calls \
    your NLU service";

pub static WIDGETS: &[WidgetSpec] = &[
    WidgetSpec {
        kind: "trigger",
        role: Role::Trigger,
        events: Some(&[
            ok(trigger_event::CALL),
            ok(trigger_event::MESSAGE),
            ok(trigger_event::REQUEST),
            ok(trigger_event::CONVERSATION),
            ok(trigger_event::PARENT),
        ]),
        one_of: &[
            trigger_event::CALL,
            trigger_event::MESSAGE,
            trigger_event::REQUEST,
            trigger_event::CONVERSATION,
            trigger_event::PARENT,
        ],
        category: Category::Trigger,
        ..BASE
    },
    WidgetSpec {
        kind: "add-twiml-redirect",
        // `timeout` fires long after the redirect, when the TwiML application owns the call.
        events: Some(&[ok("return"), timeout_optional("timeout"), fail("fail")]),
        ..VOICE
    },
    WidgetSpec {
        kind: "capture-payments",
        events: Some(&[
            ok("success"),
            hangup(),
            fail("maxFailedAttempts"),
            fail("providerError"),
            fail("validationError"),
            fail("payInterrupted"),
        ]),
        ..VOICE
    },
    WidgetSpec {
        kind: "connect-call-to",
        events: Some(&[ok("callCompleted"), hangup()]),
        ..VOICE
    },
    WidgetSpec {
        kind: "connect-virtual-agent",
        events: Some(&[hangup(), ok("return")]),
        deprecated: Some(
            "Connect Virtual Agent (v1) is superseded by connect-virtual-agent-v2, which adds \
             timeout, failure and live-agent hand-off events",
        ),
        ..VOICE
    },
    WidgetSpec {
        kind: "connect-virtual-agent-v2",
        events: Some(&[
            ok("completed"),
            hangup(),
            // An idle timeout of the virtual-agent session (Conversations only).
            timeout_optional("timeout"),
            ok("live-agent-handoff"),
            fail("failed"),
            ok("paused"),
        ]),
        ..VOICE
    },
    WidgetSpec {
        kind: "enqueue-call",
        events: Some(&[
            ok("callComplete"),
            failed_handoff("failedToEnqueue"),
            fail("callFailure"),
            ok("queued"),
        ]),
        ..VOICE
    },
    WidgetSpec {
        kind: "fork-stream",
        events: Some(&[ok("next")]),
        channel: Channel::Voice,
        category: Category::Voice,
        ..BASE
    },
    WidgetSpec {
        kind: "gather-input-on-call",
        events: Some(&[
            ok("keypress"),
            ok("speech"),
            timeout("timeout"),
            hangup_off_canvas(),
        ]),
        one_of: &["keypress", "speech"],
        collects_input: true,
        ..VOICE
    },
    WidgetSpec {
        kind: "look-up-profile",
        events: Some(&[ok("profileFound"), ok("noProfileFound"), fail("failed")]),
        ..BASE
    },
    WidgetSpec {
        kind: "make-http-request",
        events: Some(&[ok("success"), fail("failed")]),
        ..EFFECT
    },
    WidgetSpec {
        kind: "make-outgoing-call-v1",
        role: Role::OutgoingCall,
        events: Some(&[
            ok("answered"),
            fail("busy"),
            fail("noAnswer"),
            ok("answeredByMachine"),
            hangup(),
            fail("failed"),
        ]),
        caller_facing: false,
        deprecated: Some(
            "Make Outgoing Call v1 is deprecated; use make-outgoing-call-v2 (Make Outgoing Call), \
             which Studio adds to new flows",
        ),
        ..VOICE
    },
    WidgetSpec {
        kind: "make-outgoing-call-v2",
        role: Role::OutgoingCall,
        // Nobody is on the line when an outgoing call is not answered: ending is natural.
        events: Some(&[
            ok("answered"),
            fail_optional("busy"),
            fail_optional("noAnswer"),
            fail_optional("failed"),
        ]),
        caller_facing: false,
        channel: Channel::Any,
        ..VOICE
    },
    WidgetSpec {
        kind: "record-call",
        events: Some(&[ok("success"), fail("failed")]),
        channel: Channel::Voice,
        category: Category::Voice,
        ..BASE
    },
    WidgetSpec {
        kind: "record-voicemail",
        // `noAudio`: the caller left no message; ending there is the usual intent.
        events: Some(&[ok("recordingComplete"), ok("noAudio"), hangup()]),
        ..VOICE
    },
    WidgetSpec {
        kind: "resume-conversation",
        events: Some(&[ok("resumed"), fail("failed")]),
        channel: Channel::RestOnly,
        category: Category::Messaging,
        ..BASE
    },
    WidgetSpec {
        kind: "run-function",
        events: Some(&[ok("success"), fail("fail")]),
        ..EFFECT
    },
    WidgetSpec {
        kind: "run-function-v2",
        ..EFFECT
    },
    WidgetSpec {
        kind: "run-subflow",
        role: Role::Subflow,
        events: Some(&[ok("completed"), fail("failed")]),
        // A subflow can wait on a person itself; assume it does rather than cry wolf.
        waits: true,
        ..EFFECT
    },
    WidgetSpec {
        kind: "say-play",
        events: Some(&[ok("audioComplete"), hangup_off_canvas()]),
        ..VOICE
    },
    WidgetSpec {
        kind: "send-and-wait-for-reply",
        events: Some(&[
            ok("incomingMessage"),
            timeout_optional("timeout"),
            fail_optional("deliveryFailure"),
        ]),
        category: Category::Messaging,
        waits: true,
        collects_input: true,
        ..BASE
    },
    WidgetSpec {
        kind: "send-message",
        events: Some(&[ok("sent"), fail_optional("failed")]),
        category: Category::Messaging,
        ..EFFECT
    },
    WidgetSpec {
        kind: "send-to-auto-pilot",
        // `timeout`: the Autopilot session sat idle for hours.
        events: Some(&[
            ok("sessionEnded"),
            fail("failure"),
            timeout_optional("timeout"),
        ]),
        category: Category::Integration,
        waits: true,
        deprecated: Some(AUTOPILOT_GONE),
        ..BASE
    },
    WidgetSpec {
        kind: "send-to-flex",
        events: Some(&[
            ok("callComplete"),
            failed_handoff("failedToEnqueue"),
            fail_on_call("callFailure"),
        ]),
        channel: Channel::Any,
        category: Category::Integration,
        ..VOICE
    },
    WidgetSpec {
        kind: "set-variables",
        role: Role::SetVariables,
        events: Some(&[ok("next")]),
        category: Category::Logic,
        ..BASE
    },
    WidgetSpec {
        kind: "split-based-on",
        role: Role::Split,
        events: Some(&[conditional(MATCH), branch(NO_MATCH)]),
        category: Category::Logic,
        ..BASE
    },
    WidgetSpec {
        kind: "start-conversation",
        events: Some(&[ok("created"), fail("failed")]),
        channel: Channel::RestOnly,
        category: Category::Messaging,
        ..BASE
    },
    WidgetSpec {
        kind: "understand",
        waits: true,
        deprecated: Some(AUTOPILOT_GONE),
        ..BASE
    },
    WidgetSpec {
        kind: "create-task",
        ..EFFECT
    },
    WidgetSpec {
        kind: "update-sync-object",
        ..EFFECT
    },
    WidgetSpec {
        kind: "add-member-to-chat-channel",
        category: Category::Messaging,
        ..EFFECT
    },
    WidgetSpec {
        kind: "create-chat-channel",
        category: Category::Messaging,
        ..EFFECT
    },
];

/// A property that holds the SID of a resource in the Twilio account: `flow_sid` of Run Subflow
/// holds a Studio flow's `FW…` SID.
#[derive(Debug, Clone, Copy)]
pub struct SidProperty {
    pub kind: &'static str,
    pub property: &'static str,
    pub prefix: &'static str,
    /// A word Studio itself writes there instead of a SID.
    pub studio_value: Option<&'static str>,
}

/// The properties of widgets that name a resource by SID (from the official schemas and the
/// widget library), with the prefix the SID must have.
pub static SID_PROPERTIES: &[SidProperty] = &[
    sid("run-subflow", "flow_sid", "FW"),
    // Studio writes `default` for a Function of the classic (pre-Services) Functions.
    SidProperty {
        studio_value: Some("default"),
        ..sid("run-function", "service_sid", "ZS")
    },
    sid("run-function", "environment_sid", "ZE"),
    sid("run-function", "function_sid", "ZH"),
    sid("send-to-flex", "workflow", "WW"),
    sid("send-to-flex", "channel", "TC"),
    sid("enqueue-call", "workflow_sid", "WW"),
    sid("send-to-auto-pilot", "autopilot_assistant_sid", "UA"),
    sid("send-message", "content_sid", "HX"),
    sid("send-message", "messaging_service_sid", "MG"),
    sid("send-and-wait-for-reply", "content_sid", "HX"),
    sid("send-and-wait-for-reply", "messaging_service_sid", "MG"),
];

const fn sid(kind: &'static str, property: &'static str, prefix: &'static str) -> SidProperty {
    SidProperty {
        kind,
        property,
        prefix,
        studio_value: None,
    }
}

/// What a SID with this prefix names, for messages.
pub fn sid_resource(prefix: &str) -> Option<&'static str> {
    SID_RESOURCES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, what)| *what)
}

const SID_RESOURCES: &[(&str, &str)] = &[
    ("AC", "an account"),
    ("CA", "a call"),
    ("CH", "a conversation or chat channel"),
    ("FW", "a Studio flow"),
    ("HX", "a content template"),
    ("IS", "a Conversations or Chat service"),
    ("MG", "a Messaging Service"),
    ("PN", "a phone number"),
    ("TC", "a TaskRouter task channel"),
    ("UA", "an Autopilot assistant"),
    ("WA", "a TaskRouter workspace"),
    ("WQ", "a TaskRouter task queue"),
    ("WW", "a TaskRouter workflow"),
    ("ZB", "a Serverless build"),
    ("ZE", "a Serverless environment"),
    ("ZH", "a Serverless function"),
    ("ZS", "a Serverless service"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_once() {
        let mut kinds: Vec<_> = known_types().collect();
        kinds.sort_unstable();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(before, kinds.len());
    }

    #[test]
    fn one_of_names_real_events() {
        for spec in WIDGETS {
            for name in spec.one_of {
                assert!(spec.event(name).is_some(), "{}: {name}", spec.kind);
            }
        }
    }
}
