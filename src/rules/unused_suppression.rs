//! `unused-suppression`: a `[[suppress]]` entry in flowcheck.toml that matches no finding.
//! The configuration reports it, on its own file, after every flow has been analysed; this
//! module only declares it, so that it is listed, explained and selected like the others.

declare_rule!(
    meta "unused-suppression",
    Warning,
    "a `[[suppress]]` entry in flowcheck.toml matches no finding"
);
