//! `widget-budget`: a flow and its subflows hold more than 2,000 widgets (81025/81026).
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "widget-budget", Error, "a flow and its subflows hold more than 2,000 widgets (81025/81026)");
