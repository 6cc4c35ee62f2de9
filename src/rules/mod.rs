//! The rule registry: one line per rule, in the order `flowcheck rules` lists them.

mod dangling_transition;
mod duplicate_state_name;
mod invalid_initial_state;
mod unknown_event;
mod unknown_widget_type;

use crate::rule::Rule;

pub static RULES: &[&dyn Rule] = &[
    &invalid_initial_state::InvalidInitialState,
    &duplicate_state_name::DuplicateStateName,
    &dangling_transition::DanglingTransition,
    &unknown_widget_type::UnknownWidgetType,
    &unknown_event::UnknownEvent,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}
