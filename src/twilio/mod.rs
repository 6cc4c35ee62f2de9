//! The Twilio Studio v2 REST API: credentials, the HTTP client, flows as files, and the
//! findings of Twilio's own validator (`studio-validation`).
//!
//! Used by `flowcheck pull`, `flowcheck drift`, `flowcheck analyze --account` and
//! `--validate-online`. Credentials come from the environment only and never leave the
//! `Authorization` header: they are not printed, logged or written.

pub mod account;
pub mod client;
pub mod files;
pub mod validation;

use std::fmt;
use std::time::Duration;

pub use client::{ApiError, Client, FlowResource, FlowSummary, RetryPolicy};

pub use crate::rules::STUDIO_VALIDATION;

/// The API base when neither `--api-base` nor `FLOWCHECK_TWILIO_API_BASE` names one.
pub const DEFAULT_API_BASE: &str = "https://studio.twilio.com";
/// The environment variable that overrides the API base (tests, regions, proxies).
pub const API_BASE_VARIABLE: &str = "FLOWCHECK_TWILIO_API_BASE";

/// How to reach the API: shared by `pull`, `drift` and `analyze --account/--validate-online`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Twilio API")]
pub struct ApiArgs {
    /// Base URL of the Studio API [default: $FLOWCHECK_TWILIO_API_BASE, else https://studio.twilio.com].
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// Seconds one HTTP request may take before it is retried [default: 30].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
}

/// Which flows of the account, at which revision.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Twilio API")]
pub struct FlowArgs {
    /// Only this flow (a FW… SID or its friendly name); repeat for several.
    #[arg(long = "flow", value_name = "SID|NAME")]
    pub flows: Vec<String>,
    /// `published` (what runs), `latest` (what the canvas shows, draft or not) or a revision
    /// number [default: published].
    #[arg(long, value_name = "published|latest|N", value_parser = parse_revision)]
    pub revision: Option<Revision>,
}

/// Both groups, for `analyze`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OnlineArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    #[command(flatten)]
    pub flows: FlowArgs,
}

impl OnlineArgs {
    /// Whether any of these options was given (they need `--account` or `--validate-online`).
    pub fn is_set(&self) -> bool {
        self.api.api_base.is_some()
            || self.api.timeout.is_some()
            || !self.flows.flows.is_empty()
            || self.flows.revision.is_some()
    }
}

/// A revision of a flow, as the API addresses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revision {
    /// `/Revisions/LatestPublished`.
    Published,
    /// The flow itself (`/v2/Flows/{sid}`): the latest revision, draft or published.
    Latest,
    /// `/Revisions/{n}`.
    Number(u32),
}

impl Revision {
    /// "published revision", "latest revision", "revision 3", for messages.
    pub fn describe(self) -> String {
        match self {
            Revision::Published => "published revision".to_string(),
            Revision::Latest => "latest revision".to_string(),
            Revision::Number(n) => format!("revision {n}"),
        }
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revision::Published => f.write_str("published"),
            Revision::Latest => f.write_str("latest"),
            Revision::Number(n) => write!(f, "{n}"),
        }
    }
}

/// `published`, `latest` or a revision number, as `--revision` takes them.
pub fn parse_revision(text: &str) -> Result<Revision, String> {
    match text {
        "published" => Ok(Revision::Published),
        "latest" => Ok(Revision::Latest),
        number => match number.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Revision::Number(n)),
            _ => Err("use `published`, `latest` or a revision number (1, 2, …)".to_string()),
        },
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err("use a number of seconds between 0 and 3600, such as 30 or 0.5".to_string()),
    }
}

/// HTTP Basic credentials, as the twilio CLI and the helper libraries take them.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) username: String,
    pub(crate) password: String,
    /// The variables they came from, for messages ("TWILIO_API_KEY and TWILIO_API_SECRET").
    pub source: &'static str,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

const HOW_TO_SET: &str = "set TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or TWILIO_API_KEY \
                          and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID";

impl Credentials {
    /// From the process environment.
    pub fn from_env() -> Result<Credentials, String> {
        Credentials::from_lookup(|name| std::env::var(name).ok())
    }

    /// An API key and secret win over the account's auth token, as in the helper libraries.
    /// Empty variables count as unset. The error names the variables, never their values.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Credentials, String> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let account = var("TWILIO_ACCOUNT_SID");
        let (key, secret) = (var("TWILIO_API_KEY"), var("TWILIO_API_SECRET"));
        if key.is_some() || secret.is_some() {
            return match (key, secret, account) {
                (Some(key), Some(secret), Some(_)) => Ok(Credentials {
                    username: key,
                    password: secret,
                    source: "TWILIO_API_KEY and TWILIO_API_SECRET",
                }),
                (Some(_), None, _) => Err(format!(
                    "TWILIO_API_KEY is set but TWILIO_API_SECRET is not: {HOW_TO_SET}"
                )),
                (None, Some(_), _) => Err(format!(
                    "TWILIO_API_SECRET is set but TWILIO_API_KEY is not: {HOW_TO_SET}"
                )),
                _ => Err(format!(
                    "an API key needs the account it belongs to in TWILIO_ACCOUNT_SID: {HOW_TO_SET}"
                )),
            };
        }
        match (account, var("TWILIO_AUTH_TOKEN")) {
            (Some(account), Some(token)) => Ok(Credentials {
                username: account,
                password: token,
                source: "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            }),
            (Some(_), None) => Err(format!(
                "TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not: {HOW_TO_SET}"
            )),
            _ => Err(format!("no Twilio credentials: {HOW_TO_SET}")),
        }
    }
}

/// The API base to use: `--api-base`, else the environment, else Twilio's.
pub fn api_base(args: &ApiArgs) -> String {
    args.api_base
        .clone()
        .or_else(|| std::env::var(API_BASE_VARIABLE).ok())
        .filter(|base| !base.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
}

/// Credentials from the environment and a client for the API base the arguments name.
pub fn connect(args: &ApiArgs) -> Result<Client, String> {
    let credentials = Credentials::from_env()?;
    let timeout = args.timeout.unwrap_or(client::DEFAULT_TIMEOUT);
    Client::new(
        &api_base(args),
        credentials,
        timeout,
        RetryPolicy::from_env(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn api_key_wins_over_auth_token() {
        let creds = Credentials::from_lookup(lookup(&[
            ("TWILIO_ACCOUNT_SID", "AC1"),
            ("TWILIO_AUTH_TOKEN", "token"),
            ("TWILIO_API_KEY", "SK1"),
            ("TWILIO_API_SECRET", "secret"),
        ]))
        .unwrap();
        assert_eq!(creds.username, "SK1");
        assert_eq!(creds.password, "secret");
        assert!(!format!("{creds:?}").contains("secret"));
    }

    #[test]
    fn missing_pieces_are_named_without_values() {
        let err = Credentials::from_lookup(lookup(&[("TWILIO_ACCOUNT_SID", "AC1")])).unwrap_err();
        assert!(err.contains("TWILIO_AUTH_TOKEN is not"), "{err}");
        let err = Credentials::from_lookup(lookup(&[
            ("TWILIO_API_KEY", "SK1"),
            ("TWILIO_API_SECRET", "hush"),
        ]))
        .unwrap_err();
        assert!(
            err.contains("TWILIO_ACCOUNT_SID") && !err.contains("hush"),
            "{err}"
        );
        let err = Credentials::from_lookup(lookup(&[("TWILIO_AUTH_TOKEN", " ")])).unwrap_err();
        assert!(err.starts_with("no Twilio credentials"), "{err}");
    }

    #[test]
    fn revisions_parse() {
        assert_eq!(parse_revision("published"), Ok(Revision::Published));
        assert_eq!(parse_revision("latest"), Ok(Revision::Latest));
        assert_eq!(parse_revision("12"), Ok(Revision::Number(12)));
        assert!(parse_revision("0").is_err());
        assert!(parse_revision("LatestPublished").is_err());
    }
}
