//! flowcheck: a static checker for Twilio Studio Flows.
//!
//! A flow is loaded with the position of every key and value ([`flow`]), turned into a
//! petgraph graph ([`graph`]), checked by the registered rules ([`rules`]) that read the
//! widget [`catalog`], and reported in the formats of [`report`].

#[macro_use]
pub mod rule;
pub mod account_values;
pub mod analyze;
pub mod analyze_command;
pub mod baseline;
pub mod catalog;
pub mod channels;
pub mod cli;
pub mod commands;
pub mod conditions;
pub mod config;
pub mod dataflow;
pub mod diff;
pub mod diff_command;
pub mod dominators;
pub mod drift_command;
pub mod export;
pub mod facts;
pub mod fix;
pub mod flow;
pub mod fuzz;
pub mod graph;
pub mod graph_command;
pub mod liquid;
pub mod loops;
pub mod markup;
pub mod memory;
pub mod online_command;
pub mod project;
pub mod pull_command;
pub mod report;
pub mod rules;
pub mod schema;
pub mod session;
pub mod simulate;
pub mod suggest;
pub mod test_command;
pub mod twilio;
pub mod values_command;
