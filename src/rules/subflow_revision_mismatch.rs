//! `subflow-revision-mismatch`: calls to one subflow use different revisions.
//! Project analysis (`src/project/`) reports it after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(meta "subflow-revision-mismatch", Error, "calls to one subflow use different revisions");
