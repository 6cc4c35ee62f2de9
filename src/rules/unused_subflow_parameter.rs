//! `unused-subflow-parameter`: a run-subflow passes a parameter the subflow never reads.
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "unused-subflow-parameter", Info, "a run-subflow passes a parameter the subflow never reads");
