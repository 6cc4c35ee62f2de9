//! `studio-validation`: an error of Twilio's Flow Validate API (`--validate-online`). Twilio
//! reports it and `crate::twilio::validation` places it in the file; this module only declares
//! it, so that it is listed, explained, selected and configured like the others.

declare_rule!(
    meta "studio-validation",
    Error,
    "Twilio's Flow Validate API rejects the definition (with --validate-online)"
);
