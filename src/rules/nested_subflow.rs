//! `nested-subflow`: a run-subflow calls a flow that runs a subflow itself (81024).
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "nested-subflow", Error, "a run-subflow calls a flow that runs a subflow itself (81024)");
