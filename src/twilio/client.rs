//! A blocking client for the Studio v2 endpoints flowcheck uses: list flows, fetch a flow or
//! one of its revisions, validate a definition. Timeouts on every request; retries with
//! exponential backoff on 429 (honouring `Retry-After`), 5xx, timeouts and dropped
//! connections; errors that name the request and say what to do about 401/403/404.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::{Credentials, Revision};
use crate::flow::json::{Json, Kind};

/// How long one request may take, unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Flows per list page; the API's maximum.
pub const PAGE_SIZE: u32 = 1000;
/// A safety net against a server whose `next_page_url` never ends.
const MAX_PAGES: usize = 10_000;
/// Responses larger than this are refused, as are flow files.
const MAX_BODY_BYTES: u64 = crate::flow::MAX_FILE_BYTES;
/// Caps every wait between tries, for tests: `FLOWCHECK_TWILIO_MAX_BACKOFF_MS=50`.
pub const MAX_BACKOFF_VARIABLE: &str = "FLOWCHECK_TWILIO_MAX_BACKOFF_MS";

/// When and how long to wait before trying a request again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub tries: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub first_delay: Duration,
    /// No wait is longer, whatever `Retry-After` asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tries: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The default policy, with waits capped by `FLOWCHECK_TWILIO_MAX_BACKOFF_MS` when set.
    pub fn from_env() -> RetryPolicy {
        let mut policy = RetryPolicy::default();
        let cap = std::env::var(MAX_BACKOFF_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(ms) = cap {
            policy.max_delay = Duration::from_millis(ms);
            policy.first_delay = policy.first_delay.min(policy.max_delay);
        }
        policy
    }

    /// The wait before try `retry + 2`: what the server asked for, else exponential backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)));
        retry_after.unwrap_or(backoff).min(self.max_delay)
    }
}

/// What went wrong with a request, for callers that treat some failures differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Unauthorized,
    Forbidden,
    NotFound,
    /// 429 or 5xx on every try.
    Unavailable,
    /// Timeouts or broken connections on every try.
    Network,
    /// A response flowcheck cannot use: not JSON, the wrong shape, another status.
    BadResponse,
}

/// A failed request, with a message that names it. Never holds a credential.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// A flow as the list endpoint gives it (definitions are null there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSummary {
    pub sid: String,
    pub friendly_name: String,
    pub status: Option<String>,
}

/// A flow at one revision: what `flowcheck pull` keeps.
#[derive(Debug, Clone)]
pub struct FlowResource {
    pub sid: String,
    pub friendly_name: String,
    pub status: Option<String>,
    /// A number in the API; kept as the JSON it came as.
    pub revision: Option<Value>,
    pub commit_message: Option<String>,
    /// The definition's JSON text exactly as the API sent it (key order included).
    pub definition: String,
}

/// One error of Twilio's validator: a JSON Pointer into the definition and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// As Twilio writes it, `#/states/3/properties/…`; empty for the whole definition.
    pub property_path: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One response, read whole.
struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// A request that got no response: worth another try or not.
enum Failure {
    Transient(String),
    Fatal(String),
}

/// The Studio API at one base URL, with one set of credentials.
pub struct Client {
    agent: ureq::Agent,
    /// `scheme://host[:port][/prefix]`, without a trailing slash.
    base: String,
    /// `Basic …`; sent in the header, never shown.
    authorization: String,
    /// Texts that must never appear in a message (the secret, the header value).
    secrets: Vec<String>,
    credential_source: &'static str,
    timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `base`. Refuses a base that is not an http(s) URL, one with credentials
    /// in it, and plain http to anything but this machine (credentials would travel in clear).
    pub fn new(
        base: &str,
        credentials: Credentials,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Client, String> {
        let base = check_base(base)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .user_agent(format!("flowcheck/{}", env!("CARGO_PKG_VERSION")))
            .build();
        let token = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{}:{}", credentials.username, credentials.password),
        );
        let secrets = [credentials.password.clone(), token.clone()]
            .into_iter()
            .filter(|s| s.len() >= 4)
            .collect();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base,
            authorization: format!("Basic {token}"),
            secrets,
            credential_source: credentials.source,
            timeout,
            retry,
        })
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every flow of the account, following `meta.next_page_url` from page to page.
    pub fn list_flows(&self) -> Result<Vec<FlowSummary>, ApiError> {
        let mut url = format!("{}/v2/Flows?PageSize={PAGE_SIZE}", self.base);
        let mut seen = HashSet::new();
        let mut flows = Vec::new();
        loop {
            let what = self.what(Method::Get, &url);
            if seen.len() >= MAX_PAGES || !seen.insert(url.clone()) {
                return Err(self.bad_response(&what, "the pages of the list never end"));
            }
            let body = self.call(Method::Get, &url, None)?;
            let page: Value = serde_json::from_str(&body)
                .map_err(|e| self.bad_response(&what, &format!("the body is not JSON ({e})")))?;
            let Some(items) = page.get("flows").and_then(Value::as_array) else {
                return Err(self.bad_response(&what, "expected an object with a `flows` array"));
            };
            for item in items {
                flows.push(self.summary(&what, item)?);
            }
            match page.pointer("/meta/next_page_url") {
                None | Some(Value::Null) => break,
                Some(Value::String(next)) if next.is_empty() => break,
                Some(Value::String(next)) => url = self.follow(&what, next)?,
                Some(_) => {
                    return Err(self.bad_response(&what, "`meta.next_page_url` is not a URL"));
                }
            }
        }
        Ok(flows)
    }

    fn summary(&self, what: &str, item: &Value) -> Result<FlowSummary, ApiError> {
        let sid = item.get("sid").and_then(Value::as_str).unwrap_or_default();
        if !is_sid(sid) {
            return Err(self.bad_response(what, "a flow in the list has no valid `sid`"));
        }
        Ok(FlowSummary {
            sid: sid.to_string(),
            friendly_name: item
                .get("friendly_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            status: item
                .get("status")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// One flow at a revision: `/v2/Flows/{sid}` or `/v2/Flows/{sid}/Revisions/{…}`.
    pub fn fetch_flow(&self, sid: &str, revision: Revision) -> Result<FlowResource, ApiError> {
        if !is_sid(sid) {
            return Err(ApiError {
                kind: ErrorKind::BadResponse,
                message: format!("`{sid}` is not a flow SID"),
            });
        }
        let path = match revision {
            Revision::Latest => format!("/v2/Flows/{sid}"),
            Revision::Published => format!("/v2/Flows/{sid}/Revisions/LatestPublished"),
            Revision::Number(n) => format!("/v2/Flows/{sid}/Revisions/{n}"),
        };
        let url = format!("{}{path}", self.base);
        let what = self.what(Method::Get, &url);
        let body = self.call(Method::Get, &url, None)?;
        let document = crate::flow::json::parse(body.as_str()).map_err(|e| {
            self.bad_response(&what, &format!("the body is not JSON ({})", e.message))
        })?;
        let root = document.root();
        let Some(definition) = root.get("definition").filter(|_| root.is_object()) else {
            return Err(self.bad_response(&what, "the flow has no `definition`"));
        };
        let definition = match definition.kind() {
            Kind::Object(_) => definition.literal().to_string(),
            // Some tools hand the definition over as JSON text; accept that too.
            Kind::String(text)
                if crate::flow::json::parse(text).is_ok_and(|d| d.root().is_object()) =>
            {
                text.to_string()
            }
            _ => {
                let found = definition.type_name();
                return Err(self.bad_response(
                    &what,
                    &format!("`definition` must be a flow definition object, found {found}"),
                ));
            }
        };
        let text = |key: &str| root.get(key).and_then(Json::as_str).map(str::to_string);
        Ok(FlowResource {
            sid: sid.to_string(),
            friendly_name: text("friendly_name").unwrap_or_default(),
            status: text("status"),
            revision: root
                .get("revision")
                .filter(|v| !v.is_null())
                .map(Json::to_value),
            commit_message: text("commit_message"),
            definition,
        })
    }

    /// `POST /v2/Flows/Validate`: no errors when Twilio accepts the definition.
    pub fn validate(
        &self,
        friendly_name: &str,
        status: &str,
        definition: &str,
    ) -> Result<Vec<ValidationError>, ApiError> {
        let url = format!("{}/v2/Flows/Validate", self.base);
        let what = self.what(Method::Post, &url);
        let form = [
            ("FriendlyName", friendly_name),
            ("Status", status),
            ("Definition", definition),
        ];
        let reply = self.send(Method::Post, &url, Some(&form))?;
        let body: Option<Value> = serde_json::from_str(&reply.body).ok();
        if (200..300).contains(&reply.status) {
            return match body {
                Some(value) if value.get("valid") == Some(&Value::Bool(false)) => {
                    Ok(validation_errors(&value, &reply.body))
                }
                Some(_) => Ok(Vec::new()),
                None => Err(self.bad_response(&what, "the body is not JSON")),
            };
        }
        if let Some(value) = body.filter(|_| reply.status == 400 || reply.status == 422) {
            return Ok(validation_errors(&value, &reply.body))
                .map(|errors| self.redact_all(errors));
        }
        Err(self.status_error(&what, &reply))
    }

    fn redact_all(&self, errors: Vec<ValidationError>) -> Vec<ValidationError> {
        errors
            .into_iter()
            .map(|e| ValidationError {
                property_path: self.redact(&e.property_path),
                message: self.redact(&e.message),
            })
            .collect()
    }

    /// A request whose response must be 2xx; returns the body.
    fn call(
        &self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Result<String, ApiError> {
        let reply = self.send(method, url, form)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(self.status_error(&self.what(method, url), &reply))
        }
    }

    /// A request, tried again on 429, 5xx, timeouts and dropped connections.
    fn send(
        &self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Result<Reply, ApiError> {
        let what = self.what(method, url);
        let mut retry = 0;
        loop {
            let outcome = match self.attempt(method, url, form) {
                Ok(reply) if reply.status != 429 && reply.status < 500 => return Ok(reply),
                Err(Failure::Fatal(message)) => {
                    return Err(ApiError {
                        kind: ErrorKind::Network,
                        message: self.redact(&format!("{what}: {message}")),
                    });
                }
                other => other,
            };
            let retry_after = outcome.as_ref().ok().and_then(|reply| reply.retry_after);
            retry += 1;
            if retry >= self.retry.tries {
                let tries = self.retry.tries;
                return Err(match outcome {
                    Ok(reply) => {
                        let mut error = self.status_error(&what, &reply);
                        error
                            .message
                            .push_str(&format!(" (gave up after {tries} tries)"));
                        error
                    }
                    Err(Failure::Transient(message) | Failure::Fatal(message)) => ApiError {
                        kind: ErrorKind::Network,
                        message: self
                            .redact(&format!("{what}: {message} (gave up after {tries} tries)")),
                    },
                });
            }
            std::thread::sleep(self.retry.delay(retry - 1, retry_after));
        }
    }

    fn attempt(
        &self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Result<Reply, Failure> {
        let result = match (method, form) {
            (Method::Post, Some(form)) => self
                .agent
                .post(url)
                .header("Authorization", &self.authorization)
                .header("Accept", "application/json")
                .send_form(form.iter().copied()),
            (Method::Post, None) => self
                .agent
                .post(url)
                .header("Authorization", &self.authorization)
                .header("Accept", "application/json")
                .send_empty(),
            (Method::Get, _) => self
                .agent
                .get(url)
                .header("Authorization", &self.authorization)
                .header("Accept", "application/json")
                .call(),
        };
        let mut response = result.map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(|e| self.failure(e))?;
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }

    fn failure(&self, error: ureq::Error) -> Failure {
        match error {
            ureq::Error::Timeout(_) => Failure::Transient(format!(
                "no response within {} s (--timeout)",
                seconds(self.timeout)
            )),
            ureq::Error::Io(e) => Failure::Transient(format!("connection failed: {}", io_text(&e))),
            ureq::Error::ConnectionFailed => Failure::Transient("cannot connect".to_string()),
            ureq::Error::Protocol(e) => Failure::Transient(format!("malformed HTTP response: {e}")),
            ureq::Error::HostNotFound => Failure::Fatal("host not found".to_string()),
            ureq::Error::BodyExceedsLimit(limit) => Failure::Fatal(format!(
                "the response is larger than {} MiB",
                limit / 1024 / 1024
            )),
            other => Failure::Fatal(other.to_string()),
        }
    }

    /// The error for a response with a status flowcheck cannot use.
    fn status_error(&self, what: &str, reply: &Reply) -> ApiError {
        let detail = twilio_detail(&reply.body);
        let source = self.credential_source;
        let (kind, message) = match reply.status {
            401 => (
                ErrorKind::Unauthorized,
                format!(
                    "{what}: Twilio rejected the credentials (401 Unauthorized{detail}); check \
                     {source}"
                ),
            ),
            403 => (
                ErrorKind::Forbidden,
                format!(
                    "{what}: the credentials from {source} may not do this (403 Forbidden{detail})"
                ),
            ),
            404 => (
                ErrorKind::NotFound,
                format!("{what}: not found (404{detail})"),
            ),
            429 => (
                ErrorKind::Unavailable,
                format!("{what}: rate limited by Twilio (429 Too Many Requests{detail})"),
            ),
            status @ 500..=599 => (
                ErrorKind::Unavailable,
                format!("{what}: Twilio's server failed ({status}{detail})"),
            ),
            status => (
                ErrorKind::BadResponse,
                format!("{what}: unexpected HTTP status {status}{detail}"),
            ),
        };
        ApiError {
            kind,
            message: self.redact(&message),
        }
    }

    fn bad_response(&self, what: &str, problem: &str) -> ApiError {
        ApiError {
            kind: ErrorKind::BadResponse,
            message: self.redact(&format!("{what}: unexpected response: {problem}")),
        }
    }

    /// `GET /v2/Flows?PageSize=1000`: the method and the URL without the base.
    fn what(&self, method: Method, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url);
        format!("{} {}", method.name(), self.redact(path))
    }

    /// The URL of the next page: absolute on the same base, or a path on the same host.
    /// Credentials go nowhere else.
    fn follow(&self, what: &str, next: &str) -> Result<String, ApiError> {
        let url = if next.starts_with('/') {
            format!("{}{next}", origin(&self.base))
        } else {
            next.to_string()
        };
        let same_base = url
            .strip_prefix(&self.base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
        if same_base {
            Ok(url)
        } else {
            Err(self.bad_response(
                what,
                &format!(
                    "`meta.next_page_url` leaves {}; refusing to send credentials there",
                    self.base
                ),
            ))
        }
    }

    /// Replaces anything secret in a text that may come from the server.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[redacted]");
            }
        }
        out
    }
}

/// The errors of a validation failure: `details.errors[]`, else the error's own message.
fn validation_errors(value: &Value, body: &str) -> Vec<ValidationError> {
    let listed: Vec<ValidationError> = value
        .pointer("/details/errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| ValidationError {
            property_path: item
                .get("property_path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            message: item
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| item.to_string()),
        })
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("the definition is not valid: {}", shorten(body)));
    vec![ValidationError {
        property_path: String::new(),
        message,
    }]
}

/// `: message (Twilio error 20404, https://…)` from a Twilio error body, or nothing.
fn twilio_detail(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let message = value.get("message").and_then(Value::as_str);
    let code = value.get("code").and_then(Value::as_u64);
    let more = value.get("more_info").and_then(Value::as_str);
    match (message, code) {
        (Some(message), Some(code)) => match more {
            Some(more) => format!(": {} (Twilio error {code}, {more})", shorten(message)),
            None => format!(": {} (Twilio error {code})", shorten(message)),
        },
        (Some(message), None) => format!(": {}", shorten(message)),
        (None, Some(code)) => format!(": Twilio error {code}"),
        (None, None) => String::new(),
    }
}

/// At most 300 characters of server text on one line.
fn shorten(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if text.chars().count() > 300 {
        format!("{line}…")
    } else {
        line
    }
}

/// Studio SIDs are two letters and 32 hex digits; anything URL-safe is accepted, nothing
/// that could change the request's path.
pub fn is_sid(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_base(base: &str) -> Result<String, String> {
    let trimmed = base.trim().trim_end_matches('/');
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => ("https", rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => ("http", rest),
        _ => {
            return Err(format!(
                "the API base `{trimmed}` is not an http(s) URL, such as {}",
                super::DEFAULT_API_BASE
            ));
        }
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(
            "the API base must not hold credentials: set them in the TWILIO_* \
                    environment variables"
                .to_string(),
        );
    }
    if authority.is_empty() || rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
        return Err(format!("the API base `{trimmed}` is not a valid URL"));
    }
    if scheme == "http" && !is_loopback(authority) {
        return Err(format!(
            "refusing to send credentials over plain http to {authority}: use https"
        ));
    }
    Ok(format!("{scheme}://{rest}"))
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `https://host:port` of a base URL.
fn origin(base: &str) -> &str {
    let start = base.find("://").map_or(0, |i| i + 3);
    match base[start..].find('/') {
        Some(slash) => &base[..start + slash],
        None => base,
    }
}

fn seconds(duration: Duration) -> String {
    let text = format!("{:.3}", duration.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn io_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_checked() {
        assert_eq!(
            check_base("https://studio.twilio.com/").unwrap(),
            "https://studio.twilio.com"
        );
        assert_eq!(
            check_base("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_base("http://[::1]:80/x").is_ok());
        assert!(check_base("http://localhost").is_ok());
        assert!(check_base("http://studio.twilio.com").is_err());
        assert!(check_base("https://AC1:token@studio.twilio.com").is_err());
        assert!(check_base("studio.twilio.com").is_err());
        assert!(check_base("https://").is_err());
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            tries: 5,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(policy.delay(0, None), Duration::from_millis(100));
        assert_eq!(policy.delay(1, None), Duration::from_millis(200));
        assert_eq!(policy.delay(2, None), Duration::from_millis(350));
        assert_eq!(policy.delay(40, None), Duration::from_millis(350));
        let asked = Some(Duration::from_secs(2));
        assert_eq!(policy.delay(0, asked), Duration::from_millis(350));
        assert_eq!(
            policy.delay(0, Some(Duration::from_millis(10))),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn details_and_messages_of_twilio_errors() {
        let body = r#"{"code": 20404, "message": "The requested resource was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"#;
        assert_eq!(
            twilio_detail(body),
            ": The requested resource was not found (Twilio error 20404, https://www.twilio.com/docs/errors/20404)"
        );
        assert_eq!(twilio_detail("<html>"), "");
        let failure = serde_json::json!({"code": 81022, "message": "Invalid Flow Definition",
            "details": {"errors": [{"property_path": "#/states/1", "message": "bad"}]}});
        assert_eq!(
            validation_errors(&failure, ""),
            vec![ValidationError {
                property_path: "#/states/1".to_string(),
                message: "bad".to_string()
            }]
        );
        let bare = serde_json::json!({"code": 81022, "message": "Invalid Flow Definition"});
        assert_eq!(
            validation_errors(&bare, "")[0].message,
            "Invalid Flow Definition"
        );
    }

    #[test]
    fn origins_and_sids() {
        assert_eq!(origin("https://a.b/c/d"), "https://a.b");
        assert_eq!(origin("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert!(is_sid("FW0123456789abcdef0123456789abcdef"));
        assert!(!is_sid("FW1/../x"));
        assert!(!is_sid(""));
    }
}
