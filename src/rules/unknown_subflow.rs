//! `unknown-subflow`: a run-subflow names a flow SID the project (declared complete) does not hold.
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "unknown-subflow", Error, "a run-subflow names a flow SID the project (declared complete) does not hold");
