//! The rule registry: one line per rule, in the order `flowcheck rules` lists them.

mod account_specific_value;
mod channel_mismatch;
mod condition_input_mismatch;
mod condition_list_separator;
mod dangling_transition;
mod dead_branch;
mod deprecated_widget;
mod duplicate_event;
mod duplicate_state_name;
mod empty_match;
pub(crate) mod infinite_loop;
mod invalid_condition_value;
mod invalid_initial_state;
mod invalid_sid;
mod liquid_syntax;
mod loop_without_wait;
mod malformed_flow;
mod missing_hangup_path;
mod nested_subflow;
mod numeric_comparison_on_text;
mod schema_violation;
mod shadowed_condition;
mod speech_equality;
mod studio_validation;
mod subflow_output_unset;
mod subflow_parameter_missing;
mod subflow_revision_mismatch;
mod trigger_field_mismatch;
mod unconnected_input_mode;
mod undefined_flow_variable;
mod undefined_widget_reference;
mod unhandled_event;
mod unknown_event;
mod unknown_liquid_variable;
mod unknown_subflow;
mod unknown_widget_output;
mod unknown_widget_type;
mod unreachable_state;
mod unset_flow_variable;
mod unset_widget_reference;
mod unused_subflow_parameter;
mod unused_suppression;
mod widget_budget;

use crate::rule::{Rule, RuleMeta};

pub use nested_subflow::META as NESTED_SUBFLOW;
pub use studio_validation::META as STUDIO_VALIDATION;
pub use subflow_output_unset::META as SUBFLOW_OUTPUT_UNSET;
pub use subflow_parameter_missing::META as SUBFLOW_PARAMETER_MISSING;
pub use subflow_revision_mismatch::META as SUBFLOW_REVISION_MISMATCH;
pub use unknown_subflow::META as UNKNOWN_SUBFLOW;
pub use unused_subflow_parameter::META as UNUSED_SUBFLOW_PARAMETER;
pub use unused_suppression::META as UNUSED_SUPPRESSION;
pub use widget_budget::META as WIDGET_BUDGET;

pub static RULES: &[&dyn Rule] = &[
    &malformed_flow::MalformedFlow,
    &invalid_initial_state::InvalidInitialState,
    &duplicate_state_name::DuplicateStateName,
    &dangling_transition::DanglingTransition,
    &unknown_widget_type::UnknownWidgetType,
    &unknown_event::UnknownEvent,
    &duplicate_event::DuplicateEvent,
    &unreachable_state::UnreachableState,
    &unhandled_event::UnhandledEvent,
    &empty_match::EmptyMatch,
    &unconnected_input_mode::UnconnectedInputMode,
    &infinite_loop::InfiniteLoop,
    &loop_without_wait::LoopWithoutWait,
    &missing_hangup_path::MissingHangupPath,
    &schema_violation::SchemaViolation,
    &invalid_sid::InvalidSid,
    &undefined_widget_reference::UndefinedWidgetReference,
    &unset_widget_reference::UnsetWidgetReference,
    &unknown_widget_output::UnknownWidgetOutput,
    &unknown_liquid_variable::UnknownLiquidVariable,
    &undefined_flow_variable::UndefinedFlowVariable,
    &unset_flow_variable::UnsetFlowVariable,
    &channel_mismatch::ChannelMismatch,
    &trigger_field_mismatch::TriggerFieldMismatch,
    &condition_list_separator::ConditionListSeparator,
    &speech_equality::SpeechEquality,
    &deprecated_widget::DeprecatedWidget,
    &condition_input_mismatch::ConditionInputMismatch,
    &shadowed_condition::ShadowedCondition,
    &dead_branch::DeadBranch,
    &numeric_comparison_on_text::NumericComparisonOnText,
    &invalid_condition_value::InvalidConditionValue,
    &liquid_syntax::LiquidSyntax,
    &account_specific_value::AccountSpecificValue,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

/// Every rule's metadata: the flow rules, then those the engine reports itself.
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain([&UNUSED_SUPPRESSION, &STUDIO_VALIDATION])
        .chain(PROJECT_RULES.iter().copied())
}

/// The rules project analysis reports, across the flows of a run.
pub static PROJECT_RULES: &[&RuleMeta] = &[
    &UNKNOWN_SUBFLOW,
    &SUBFLOW_PARAMETER_MISSING,
    &UNUSED_SUBFLOW_PARAMETER,
    &SUBFLOW_OUTPUT_UNSET,
    &NESTED_SUBFLOW,
    &SUBFLOW_REVISION_MISMATCH,
    &WIDGET_BUDGET,
];

/// Rules that run only when selected by name (`--select`, `--extend-select`, `select`).
pub static OFF_BY_DEFAULT: &[&str] = &["account-specific-value"];

/// The rules that run when nothing is selected: all but those off by default.
pub fn default_rules() -> Vec<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| !OFF_BY_DEFAULT.contains(&r.meta().id))
        .collect()
}

/// The metadata of the rule with this id, flow rule or not.
pub fn find_meta(id: &str) -> Option<&'static RuleMeta> {
    all_metas().find(|m| m.id == id)
}
