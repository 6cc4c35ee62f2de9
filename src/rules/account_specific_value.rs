//! `account-specific-value`: a SID, URL or phone number that differs between Twilio
//! accounts. Off by default: promotion tooling selects it.

use crate::account_values;
use crate::rule::{Context, Diagnostic, Rule};

declare_rule!(
    AccountSpecificValue,
    "account-specific-value",
    Info,
    "a SID, URL or phone number that differs between Twilio accounts (off by default)"
);

impl Rule for AccountSpecificValue {
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>) {
        for value in account_values::find(ctx.flow) {
            let state = &ctx.state(value.state).name;
            let message = format!(
                "`{}` in `{state}` is specific to one Twilio account ({})",
                value.value,
                value.kind.replace('_', " ")
            );
            out.push(
                Diagnostic::new(&META, value.location, message)
                    .help("template it as a `${…}` placeholder filled in on deploy (`flowcheck values` lists them)"),
            );
        }
    }
}
