//! `subflow-output-unset`: the parent reads a subflow value that no set-variables of the subflow sets.
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "subflow-output-unset", Warning, "the parent reads a subflow value that no set-variables of the subflow sets");
