//! `subflow-parameter-missing`: a subflow reads a parent parameter that a caller does not pass.
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "subflow-parameter-missing", Warning, "a subflow reads a parent parameter that a caller does not pass");
