//! `unconnected-input-mode`: a gather whose prompt invites an answer it does not listen for —
//! "press or say one" with `speech` unconnected, "press 1" with `keypress` unconnected. Studio
//! listens only for the kinds of input whose transitions are connected, so the other kind is
//! ignored and the gather times out.

use crate::catalog;
use crate::flow::State;
use crate::rule::{Anchor, Context, Diagnostic, Rule};

declare_rule!(
    UnconnectedInputMode,
    "unconnected-input-mode",
    Warning,
    "a gather's prompt invites an answer whose transition is not connected"
);

/// A kind of answer a gather takes, and the words of a prompt that invite it.
struct Mode {
    event: &'static str,
    /// "a spoken answer", for messages.
    answer: &'static str,
    /// What Studio does without the event connected.
    ignored: &'static str,
    /// Whole words or phrases, lowercase.
    invitations: &'static [&'static str],
}

const MODES: &[Mode] = &[
    Mode {
        event: "speech",
        answer: "a spoken answer",
        ignored: "speech recognition is off",
        invitations: &[
            "say",
            "tell us",
            "tell me",
            "diga",
            "dígame",
            "dites",
            "sagen sie",
        ],
    },
    Mode {
        event: "keypress",
        answer: "key presses",
        ignored: "Studio does not listen for keys",
        invitations: &[
            "press",
            "enter",
            "dial",
            "keypad",
            "type in",
            "type your",
            "oprima",
            "presione",
            "pulse",
            "marque",
            "digite",
            "digitar",
            "tecle",
            "appuyez",
            "tapez",
            "composez",
            "drücken",
        ],
    },
];

impl Rule for UnconnectedInputMode {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        let reachable = ctx.reachable();
        for (index, state) in ctx.flow.states.iter().enumerate() {
            if !is_gather(state) || !reachable[index] || state.incomplete {
                continue;
            }
            // With neither input connected the gather is unhandled-event's finding.
            if !MODES.iter().any(|m| connected(state, m.event)) {
                continue;
            }
            let Some(prompt) = prompt(ctx, state) else {
                continue;
            };
            for mode in MODES.iter().filter(|m| !connected(state, m.event)) {
                if let Some(word) = invitation(prompt, mode) {
                    out.push(diagnostic(state, mode, word, prompt));
                }
            }
        }
    }
}

/// A widget that takes key presses and speech: the catalog names both as its inputs.
fn is_gather(state: &State) -> bool {
    catalog::widget(&state.kind).is_some_and(|w| MODES.iter().all(|m| w.one_of.contains(&m.event)))
}

fn connected(state: &State, event: &str) -> bool {
    state.connected().any(|(t, _)| t.event == event)
}

/// The text the gather says; `None` when it plays a recording instead.
fn prompt<'a>(ctx: &'a Context, state: &State) -> Option<&'a str> {
    let say = ctx.flow.properties(state)?.get("say")?.as_str()?;
    (!say.trim().is_empty()).then_some(say)
}

/// Words before an invitation that make it none: "prefer not to say", "as we say".
const NOT_INVITING: &[&str] = &["to", "we", "they", "i", "you'd"];

/// The first word of the prompt that invites this kind of answer.
fn invitation(prompt: &str, mode: &Mode) -> Option<&'static str> {
    let prompt = prompt.to_lowercase();
    mode.invitations
        .iter()
        .copied()
        .find(|word| has_phrase(&prompt, word))
}

/// Whether `phrase` occurs in `text` as whole words, and not after a word that makes it a
/// statement rather than a request.
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        let previous = text[..at].split_whitespace().next_back().unwrap_or("");
        !before.is_some_and(char::is_alphanumeric)
            && !after.is_some_and(char::is_alphanumeric)
            && !NOT_INVITING.contains(&previous)
    })
}

fn diagnostic(state: &State, mode: &Mode, word: &str, prompt: &str) -> Diagnostic {
    let transition = state.transitions.iter().find(|t| t.event == mode.event);
    let (location, anchor) = match transition {
        Some(t) => (t.member("event"), Anchor::Value),
        None => (state.member("transitions"), Anchor::Key),
    };
    let words = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let excerpt: String = words.chars().take(60).collect();
    let ellipsis = if words.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    let message = format!(
        "the prompt of `{}` invites {} (`{word}` in \"{excerpt}{ellipsis}\"), but its `{}` event \
         is not connected: {}, so the caller who does as asked is not heard and the gather times \
         out",
        state.name, mode.answer, mode.event, mode.ignored
    );
    // Without a transition the location cannot name the event: the finding does.
    Diagnostic::new(&META, location, message)
        .anchor(anchor)
        .event(mode.event)
        .help(format!(
            "connect `{}` to the widget that handles the answer (a split on its {}), or change \
             the prompt so that it asks only for what the gather listens for",
            mode.event,
            if mode.event == "speech" {
                "`SpeechResult`"
            } else {
                "`Digits`"
            }
        ))
}
