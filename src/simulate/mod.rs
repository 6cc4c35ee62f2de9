//! `flowcheck test`: runs a flow offline, widget by widget, against scenarios.

pub mod conditions;
pub mod template;
