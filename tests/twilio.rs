//! `pull`, `drift`, `analyze --account` and `--validate-online` against a fake Studio v2 API
//! that these tests start on 127.0.0.1: the documented endpoints and shapes, pagination over
//! three pages, 401/403/404, a 429 and a 500 before success, a request that hangs, a
//! validation failure with two errors, Unicode names, and no credential in any output or file.
//! `FLOWCHECK_TEST_SHOW=1 cargo test --test twilio -- --nocapture` prints every command run.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "tok3n-Sup3r-S3cret-9f8e7d6c5b4a";
const API_KEY: &str = "SKfedcba9876543210fedcba9876543210";
const API_SECRET: &str = "k3y-S3cret-a1b2c3d4e5f6a7b8c9d0";

// ---------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server: one thread per connection, one request per connection.

#[derive(Debug, Clone)]
struct Request {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: String,
    at: Instant,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    fn query(&self, key: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    }
}

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// Wait this long before answering (a hanging server).
    delay: Duration,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    fn raw(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Starts the server; returns its base URL and the log of requests it received.
fn serve(handler: Arc<Handler>) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let server_log = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            let log = Arc::clone(&server_log);
            std::thread::spawn(move || answer(stream, &*handler, &log));
        }
    });
    (base, log)
}

fn answer(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request = Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    log.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    std::thread::sleep(reply.delay);
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = reader.into_inner();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(reply.body.as_bytes());
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------
// A fake Studio account behind that server.

#[derive(Debug, Clone)]
struct FakeFlow {
    sid: String,
    name: String,
    /// The latest revision: its number, status, commit message and definition text.
    latest: (u32, &'static str, Option<String>, String),
    /// The latest published revision, if any: number and definition text.
    published: Option<(u32, String)>,
}

/// Serves a request this many times, then lets it through.
#[derive(Debug, Clone)]
struct Fault {
    method: &'static str,
    /// Matches requests whose target starts with this.
    prefix: String,
    remaining: usize,
    reply: Reply,
}

#[derive(Debug)]
struct Account {
    flows: Vec<FakeFlow>,
    page_size: usize,
    /// The `Authorization` header the account accepts.
    authorization: Vec<String>,
    faults: Vec<Fault>,
    base: String,
    /// Overrides of `meta.next_page_url` by page number.
    next_page_override: BTreeMap<usize, String>,
    /// Added to every answer, as a distant server's round trip.
    latency: Duration,
}

type Shared = Arc<Mutex<Account>>;

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn twilio_error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"code": code, "message": message, "status": status,
               "more_info": format!("https://www.twilio.com/docs/errors/{code}")}),
    )
}

fn example(name: &str) -> String {
    let text = std::fs::read_to_string(common::repo_root().join("examples").join(name)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    match value.get("definition") {
        Some(definition) => serde_json::to_string_pretty(definition).unwrap(),
        None => text,
    }
}

/// Six flows (three pages of two): Unicode names, a collision of slugs, defects and clean
/// flows, all published.
fn six_flows() -> Vec<FakeFlow> {
    let flow = |n: u32, name: &str, file: &str, revision: u32| {
        let definition = example(file);
        FakeFlow {
            sid: format!("FW{n:032x}"),
            name: name.to_string(),
            latest: (
                revision,
                "published",
                Some(format!("publish {name}")),
                definition.clone(),
            ),
            published: Some((revision, definition)),
        }
    };
    vec![
        flow(1, "Main IVR", "ivr-with-defects.json", 7),
        flow(2, "Menú principal", "ivr-clean.json", 2),
        flow(3, "受付フロー", "sms-confirm-clean.json", 1),
        flow(4, "SMS confirm 😀", "api-resource.json", 3),
        flow(5, "main ivr", "ivr-clean.json", 1),
        flow(6, "Ünïcödé / «test»", "ivr-with-defects.json", 4),
    ]
}

fn start(flows: Vec<FakeFlow>) -> (Shared, String, Arc<Mutex<Vec<Request>>>) {
    let account = Arc::new(Mutex::new(Account {
        flows,
        page_size: 2,
        authorization: vec![basic(ACCOUNT_SID, AUTH_TOKEN), basic(API_KEY, API_SECRET)],
        faults: Vec::new(),
        base: String::new(),
        next_page_override: BTreeMap::new(),
        latency: Duration::ZERO,
    }));
    let handled = Arc::clone(&account);
    let (base, log) = serve(Arc::new(move |request: &Request| {
        let mut account = handled.lock().unwrap();
        let mut reply = handle(&mut account, request);
        reply.delay += account.latency;
        reply
    }));
    account.lock().unwrap().base = base.clone();
    (account, base, log)
}

fn resource(
    flow: &FakeFlow,
    revision: u32,
    status: &str,
    commit: Option<&str>,
    def: &str,
) -> Reply {
    // The definition goes in as the text it is, keeping its key order, as Twilio's does.
    let text = format!(
        "{{\"sid\": {}, \"account_sid\": {}, \"friendly_name\": {}, \"status\": {}, \
         \"revision\": {revision}, \"commit_message\": {}, \"valid\": true, \"errors\": [], \
         \"warnings\": [], \"definition\": {def}, \"url\": \"https://studio.twilio.com/v2/Flows/{}\"}}",
        json!(flow.sid),
        json!(ACCOUNT_SID),
        json!(flow.name),
        json!(status),
        json!(commit),
        flow.sid
    );
    Reply::raw(200, &text)
}

fn handle(account: &mut Account, request: &Request) -> Reply {
    for fault in &mut account.faults {
        if fault.remaining > 0
            && fault.method == request.method
            && request.target.starts_with(&fault.prefix)
        {
            fault.remaining -= 1;
            return fault.reply.clone();
        }
    }
    let authorized = request
        .header("authorization")
        .is_some_and(|h| account.authorization.iter().any(|a| a == h));
    if !authorized {
        return twilio_error(401, 20003, "Authenticate");
    }
    let path = request.path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["v2", "Flows"]) => list_page(account, request),
        ("POST", ["v2", "Flows", "Validate"]) => validate(&request.body),
        ("GET", ["v2", "Flows", sid, rest @ ..]) => {
            let Some(flow) = account.flows.iter().find(|f| f.sid == *sid) else {
                return twilio_error(404, 20404, "The requested resource was not found");
            };
            let (number, status, commit, latest) = &flow.latest;
            match rest {
                [] => resource(flow, *number, status, commit.as_deref(), latest),
                ["Revisions", "LatestPublished"] => match &flow.published {
                    Some((n, def)) => resource(flow, *n, "published", None, def),
                    None => twilio_error(404, 20404, "The requested resource was not found"),
                },
                ["Revisions", "LatestRevision"] => {
                    resource(flow, *number, status, commit.as_deref(), latest)
                }
                ["Revisions", n] if n.parse() == Ok(*number) => {
                    resource(flow, *number, status, commit.as_deref(), latest)
                }
                ["Revisions", n] => match &flow.published {
                    Some((p, def)) if n.parse() == Ok(*p) => {
                        resource(flow, *p, "published", None, def)
                    }
                    _ => twilio_error(404, 20404, "The requested resource was not found"),
                },
                _ => twilio_error(404, 20404, "The requested resource was not found"),
            }
        }
        _ => twilio_error(404, 20404, "The requested resource was not found"),
    }
}

fn list_page(account: &Account, request: &Request) -> Reply {
    let page: usize = request
        .query("Page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let size = account.page_size;
    let items: Vec<Value> = account
        .flows
        .iter()
        .skip(page * size)
        .take(size)
        .map(|f| {
            json!({"sid": f.sid, "account_sid": ACCOUNT_SID, "friendly_name": f.name,
                   "definition": null, "status": f.latest.1, "revision": f.latest.0,
                   "commit_message": f.latest.2, "valid": true, "errors": [], "warnings": [],
                   "url": format!("https://studio.twilio.com/v2/Flows/{}", f.sid)})
        })
        .collect();
    let url = |p: usize| {
        format!(
            "{}/v2/Flows?PageSize={size}&Page={p}&PageToken=PT{p}",
            account.base
        )
    };
    let next = match account.next_page_override.get(&page) {
        Some(url) => json!(url),
        None if (page + 1) * size < account.flows.len() => json!(url(page + 1)),
        None => Value::Null,
    };
    Reply::json(
        200,
        json!({"flows": items, "meta": {"first_page_url": url(0), "key": "flows",
               "next_page_url": next, "page": page, "page_size": size,
               "previous_page_url": if page > 0 { json!(url(page - 1)) } else { Value::Null },
               "url": url(page)}}),
    )
}

fn form_decode(body: &str) -> BTreeMap<String, String> {
    let decode = |text: &str| {
        let bytes = text.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// What Twilio's validator checks, as far as these tests need: a say-play `loop` must be a
/// number, and a transition must lead to a widget that exists.
fn validate(body: &str) -> Reply {
    let form = form_decode(body);
    let Some(definition) = form
        .get("Definition")
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
    else {
        return twilio_error(
            400,
            20001,
            "Missing required parameter Definition in the post body",
        );
    };
    if form.get("FriendlyName").is_none_or(String::is_empty) || !form.contains_key("Status") {
        return twilio_error(400, 20001, "Missing required parameter");
    }
    let states = definition["states"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = states.iter().filter_map(|s| s["name"].as_str()).collect();
    let mut errors = Vec::new();
    for (i, state) in states.iter().enumerate() {
        let looped = &state["properties"]["loop"];
        if state["type"] == "say-play" && !looped.is_null() && !looped.is_number() {
            errors.push(
                json!({"property_path": format!("#/states/{i}/properties/loop"),
                               "message": "expected type: Number, found: String"}),
            );
        }
        for (j, transition) in state["transitions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(next) = transition["next"].as_str().filter(|n| !n.is_empty())
                && !names.contains(&next)
            {
                errors.push(
                    json!({"property_path": format!("#/states/{i}/transitions/{j}/next"),
                                   "message": format!("Widget '{next}' does not exist")}),
                );
            }
        }
    }
    if errors.is_empty() {
        Reply::json(200, json!({"valid": true}))
    } else {
        Reply::json(
            400,
            json!({"code": 81022, "message": "Invalid Flow Definition", "status": 400,
                   "more_info": "https://www.twilio.com/docs/errors/81022",
                   "details": {"errors": errors, "warnings": []}}),
        )
    }
}

// ---------------------------------------------------------------------------------------
// Running flowcheck.

/// Credentials as the environment holds them.
#[derive(Clone, Copy)]
enum Creds {
    Token,
    ApiKey,
    WrongToken,
    None,
}

fn flowcheck(dir: &Path, base: &str, creds: Creds, args: &[&str]) -> Output {
    flowcheck_env(dir, base, creds, args, &[])
}

fn flowcheck_env(
    dir: &Path,
    base: &str,
    creds: Creds,
    args: &[&str],
    extra: &[(&str, &str)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowcheck"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("FLOWCHECK_TWILIO_API_BASE", base)
        .env("FLOWCHECK_TWILIO_MAX_BACKOFF_MS", "20")
        .stdin(Stdio::null());
    match creds {
        Creds::Token => {
            command
                .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
                .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN);
        }
        Creds::ApiKey => {
            command
                .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
                .env("TWILIO_API_KEY", API_KEY)
                .env("TWILIO_API_SECRET", API_SECRET);
        }
        Creds::WrongToken => {
            command
                .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
                .env("TWILIO_AUTH_TOKEN", "wr0ng-S3cret-token-value");
        }
        Creds::None => {}
    }
    for (k, v) in extra {
        command.env(k, v);
    }
    let output = command.output().expect("flowcheck runs");
    if std::env::var_os("FLOWCHECK_TEST_SHOW").is_some() {
        eprintln!(
            "$ flowcheck {}\n{}{}--> {:?}\n",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            output.status.code()
        );
    }
    assert_no_secret(&format!("{:?} stdout", args), &output.stdout);
    assert_no_secret(&format!("{:?} stderr", args), &output.stderr);
    output
}

fn secrets() -> Vec<String> {
    let mut list = vec![
        AUTH_TOKEN.to_string(),
        API_SECRET.to_string(),
        "wr0ng-S3cret-token-value".to_string(),
        ACCOUNT_SID.to_string(),
    ];
    for (user, password) in [
        (ACCOUNT_SID, AUTH_TOKEN),
        (API_KEY, API_SECRET),
        (ACCOUNT_SID, "wr0ng-S3cret-token-value"),
    ] {
        list.push(
            basic(user, password)
                .trim_start_matches("Basic ")
                .to_string(),
        );
    }
    list
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in secrets() {
        assert!(
            !text.contains(&secret),
            "{what} shows a credential:\n{text}"
        );
    }
}

/// Every file under `dir` is free of credentials.
fn assert_no_secret_in_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_secret_in_files(&path);
        } else {
            assert_no_secret(&path.display().to_string(), &std::fs::read(&path).unwrap());
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("twilio")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn json_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

fn requests(log: &Arc<Mutex<Vec<Request>>>) -> Vec<Request> {
    log.lock().unwrap().clone()
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn pull_writes_every_flow_of_a_three_page_account() {
    let (_account, base, log) = start(six_flows());
    let dir = scratch("pull");
    let output = flowcheck(&dir, &base, Creds::Token, &["pull", "--out", "flows"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = dir.join("flows");
    assert_eq!(
        json_files(&out),
        [
            "main-ivr-fw00000000000000000000000000000001.json",
            "main-ivr-fw00000000000000000000000000000005.json",
            "menú-principal.json",
            "sms-confirm-😀.json",
            "ünïcödé-«test».json",
            "受付フロー.json",
        ]
    );
    for (name, flow) in json_files(&out).iter().zip([0, 4, 1, 3, 5, 2]) {
        let expected = &six_flows()[flow];
        let written = std::fs::read_to_string(out.join(name)).unwrap();
        let value: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(value["sid"], json!(expected.sid));
        assert_eq!(value["friendly_name"], json!(expected.name));
        assert_eq!(value["status"], "published");
        assert_eq!(value["revision"], json!(expected.latest.0));
        assert!(value["commit_message"].is_null());
        let original: Value =
            serde_json::from_str(&expected.published.as_ref().unwrap().1).unwrap();
        assert_eq!(value["definition"], original);
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        let loaded = flowcheck::flow::load_text(name.clone(), written);
        assert!(loaded.flow.is_ok(), "{name} loads as a flow");
    }
    let seen = requests(&log);
    let pages: Vec<&Request> = seen.iter().filter(|r| r.path() == "/v2/Flows").collect();
    assert_eq!(pages.len(), 3, "three list pages");
    assert_eq!(pages[0].target, "/v2/Flows?PageSize=1000");
    assert_eq!(pages[2].query("Page").as_deref(), Some("2"));
    let fetched = seen
        .iter()
        .filter(|r| r.path().ends_with("/Revisions/LatestPublished"))
        .count();
    assert_eq!(fetched, 6);
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some(basic(ACCOUNT_SID, AUTH_TOKEN).as_str()))
    );
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(
        stdout.contains("受付フロー (FW00000000000000000000000000000003, revision 1, published)")
    );
    assert_no_secret_in_files(&dir);

    // Pulling again replaces the files; --flow takes one flow, by name or SID, under the
    // same name as in a full pull.
    let again = scratch("pull-one");
    let output = flowcheck(
        &again,
        &base,
        Creds::ApiKey,
        &[
            "pull",
            "--out",
            ".",
            "--flow",
            "main ivr",
            "--flow",
            "FW00000000000000000000000000000003",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        json_files(&again),
        // An exact name wins over one that differs in case: `main ivr`, not `Main IVR`.
        [
            "main-ivr-fw00000000000000000000000000000005.json",
            "受付フロー.json",
        ]
    );
    let output = flowcheck(
        &again,
        &base,
        Creds::ApiKey,
        &["pull", "--out", ".", "--flow", "Main IRV"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("did you mean `Main IVR`?"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn analyze_account_reports_what_analyze_reports_on_the_pulled_files() {
    let (_account, base, _log) = start(six_flows());
    let dir = scratch("account");
    let output = flowcheck(&dir, &base, Creds::Token, &["pull", "--out", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let names = json_files(&dir);
    for format in ["json", "text", "sarif"] {
        let mut args = vec!["analyze", "--no-config", "--format", format];
        args.extend(names.iter().map(String::as_str));
        let on_files = flowcheck(&dir, &base, Creds::None, &args);
        let on_account = flowcheck(
            &dir,
            &base,
            Creds::Token,
            &["analyze", "--no-config", "--format", format, "--account"],
        );
        assert_eq!(
            on_files.status.code(),
            Some(1),
            "{}",
            text(&on_files.stderr)
        );
        assert_eq!(
            on_account.status.code(),
            Some(1),
            "{}",
            text(&on_account.stderr)
        );
        assert_eq!(text(&on_account.stdout), text(&on_files.stdout), "{format}");
    }
    let report: Value = serde_json::from_slice(
        &flowcheck(
            &dir,
            &base,
            Creds::Token,
            &["analyze", "--no-config", "--format", "json", "--account"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(report["summary"]["files"], 6);
    assert!(report["summary"]["errors"].as_u64().unwrap() >= 2);
    // One flow, by name.
    let one = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &[
            "analyze",
            "--no-config",
            "--format",
            "json",
            "--account",
            "--flow",
            "Menú principal",
        ],
    );
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    let report: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(report["files"][0]["path"], "menú-principal.json");
    assert_no_secret_in_files(&dir);
}

#[test]
fn validate_online_maps_both_errors_to_line_and_column() {
    let (_account, base, log) = start(Vec::new());
    let dir = scratch("validate");
    let mut definition: Value = serde_json::from_str(&example("ivr-clean.json")).unwrap();
    definition["states"][1]["properties"]["loop"] = json!("two");
    definition["states"][6]["transitions"][0]["next"] = json!("nowhere");
    let file = json!({"sid": "FW00000000000000000000000000000009", "friendly_name": "Ménu",
                      "definition": definition});
    let written = serde_json::to_string_pretty(&file).unwrap();
    std::fs::write(dir.join("menu.json"), &written).unwrap();
    let position = |needle: &str| {
        let (line, text) = written
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        let column = text[..text.find(needle).unwrap()].chars().count() + 1;
        (
            line as u64 + 1,
            column as u64 + needle.find(": ").unwrap() as u64 + 2,
        )
    };
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &[
            "analyze",
            "--no-config",
            "--validate-online",
            "--select",
            "studio-validation",
            "--format",
            "json",
            "menu.json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(u64, u64, &str, &str)> = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["rule"], "studio-validation");
            assert_eq!(d["severity"], "error");
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["state"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    let (loop_line, loop_column) = position("\"loop\": \"two\"");
    let (next_line, next_column) = position("\"next\": \"nowhere\"");
    assert_eq!(
        found,
        [
            (
                loop_line,
                loop_column,
                "greeting",
                "Twilio's Flow Validate API: expected type: Number, found: String"
            ),
            (
                next_line,
                next_column,
                "say_goodbye",
                "Twilio's Flow Validate API: Widget 'nowhere' does not exist"
            ),
        ]
    );
    // What was sent: the definition as the file holds it, the resource's name, `published`.
    let sent = requests(&log);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].target, "/v2/Flows/Validate");
    assert_eq!(
        sent[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = form_decode(&sent[0].body);
    assert_eq!(form["FriendlyName"], "Ménu");
    assert_eq!(form["Status"], "published");
    assert_eq!(
        serde_json::from_str::<Value>(&form["Definition"]).unwrap(),
        definition
    );

    // All rules with the validator: flowcheck's own dangling-transition finds the same
    // missing widget; the text report shows the validator's finding with its excerpt.
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &["analyze", "--no-config", "--validate-online", "menu.json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(
            "error[studio-validation]: Twilio's Flow Validate API: Widget 'nowhere' does not exist"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("--> menu.json:{next_line}:{next_column}")),
        "{stdout}"
    );
    assert!(stdout.contains("error[dangling-transition]"), "{stdout}");

    // A valid flow gives nothing; without --validate-online nothing is sent.
    std::fs::write(dir.join("clean.json"), example("ivr-clean.json")).unwrap();
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &["analyze", "--no-config", "--validate-online", "clean.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let before = requests(&log).len();
    let output = flowcheck(
        &dir,
        &base,
        Creds::None,
        &["analyze", "--no-config", "clean.json"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(requests(&log).len(), before);
}

#[test]
fn a_429_and_a_500_are_retried() {
    let (account, base, log) = start(six_flows());
    {
        let mut account = account.lock().unwrap();
        let mut limited = twilio_error(429, 20429, "Too Many Requests");
        limited
            .headers
            .push(("Retry-After".to_string(), "1".to_string()));
        account.faults.push(Fault {
            method: "GET",
            prefix: "/v2/Flows?PageSize=2&Page=1".to_string(),
            remaining: 1,
            reply: limited,
        });
        account.faults.push(Fault {
            method: "GET",
            prefix: format!("/v2/Flows/FW{:032x}", 3),
            remaining: 1,
            reply: twilio_error(500, 20500, "Internal Server Error"),
        });
    }
    let dir = scratch("retries");
    let output = flowcheck_env(
        &dir,
        &base,
        Creds::Token,
        &["pull", "--out", "."],
        &[("FLOWCHECK_TWILIO_MAX_BACKOFF_MS", "400")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(json_files(&dir).len(), 6);
    let seen = requests(&log);
    let page_two: Vec<&Request> = seen
        .iter()
        .filter(|r| r.target.starts_with("/v2/Flows?PageSize=2&Page=1"))
        .collect();
    assert_eq!(page_two.len(), 2, "the 429 is retried once");
    // Retry-After asks for 1 s; the cap for this run is 400 ms.
    let waited = page_two[1].at - page_two[0].at;
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_millis(950),
        "{waited:?}"
    );
    let third = seen
        .iter()
        .filter(|r| r.path().starts_with(&format!("/v2/Flows/FW{:032x}", 3)))
        .count();
    assert_eq!(third, 2, "the 500 is retried once");

    // A server that keeps failing: a clear error after the last try, exit 2.
    account.lock().unwrap().faults.push(Fault {
        method: "GET",
        prefix: "/v2/Flows?".to_string(),
        remaining: usize::MAX,
        reply: twilio_error(503, 20503, "Service Unavailable"),
    });
    let output = flowcheck(&dir, &base, Creds::Token, &["pull", "--out", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("GET /v2/Flows?PageSize=1000: Twilio's server failed (503: Service Unavailable (Twilio error 20503")
            && stderr.contains("gave up after 5 tries"),
        "{stderr}"
    );
}

#[test]
fn a_request_that_hangs_times_out_and_is_retried() {
    let (account, base, _log) = start(six_flows());
    let hang = |remaining| Fault {
        method: "GET",
        prefix: format!("/v2/Flows/FW{:032x}", 2),
        remaining,
        reply: Reply {
            delay: Duration::from_secs(3),
            ..twilio_error(500, 20500, "late")
        },
    };
    account.lock().unwrap().faults.push(hang(1));
    let dir = scratch("timeout");
    let started = Instant::now();
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &["pull", "--out", ".", "--timeout", "0.5"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(json_files(&dir).len(), 6);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    account.lock().unwrap().faults.push(hang(usize::MAX));
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &["pull", "--out", ".", "--timeout", "0.3"],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "GET /v2/Flows/FW{:032x}/Revisions/LatestPublished: no response within 0.3 s (--timeout) (gave up after 5 tries)",
            2
        )),
        "{stderr}"
    );
}

#[test]
fn http_errors_say_what_failed() {
    let (account, base, log) = start(six_flows());
    let dir = scratch("errors");
    // 401: wrong credentials.
    let output = flowcheck(&dir, &base, Creds::WrongToken, &["pull", "--out", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: GET /v2/Flows?PageSize=1000: Twilio rejected the credentials (401 Unauthorized: Authenticate (Twilio error 20003, https://www.twilio.com/docs/errors/20003)); check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
        "{stderr}"
    );
    assert_eq!(requests(&log).len(), 1, "a 401 is not retried");
    assert!(json_files(&dir).is_empty());
    // Missing credentials: a usage error before any request.
    let output = flowcheck(&dir, &base, Creds::None, &["analyze", "--account"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("error: no Twilio credentials: set TWILIO_ACCOUNT_SID"));
    let output = flowcheck(&dir, &base, Creds::None, &["drift", "."]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(requests(&log).len(), 1);
    // 403 on one flow.
    account.lock().unwrap().faults.push(Fault {
        method: "GET",
        prefix: format!("/v2/Flows/FW{:032x}", 4),
        remaining: usize::MAX,
        reply: twilio_error(403, 20403, "Forbidden"),
    });
    let output = flowcheck(&dir, &base, Creds::ApiKey, &["pull", "--out", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("GET /v2/Flows/FW{:032x}/Revisions/LatestPublished: the credentials from TWILIO_API_KEY and TWILIO_API_SECRET may not do this (403 Forbidden: Forbidden", 4)),
        "{stderr}"
    );
    account.lock().unwrap().faults.clear();
    // 404: a revision that does not exist is skipped with a note; a draft-only flow too.
    {
        let mut account = account.lock().unwrap();
        account.flows[1].published = None;
        account.flows[1].latest.1 = "draft";
    }
    let output = flowcheck(&dir, &base, Creds::Token, &["pull", "--out", "."]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json_files(&dir).len(), 5);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("note: skipped Menú principal (FW00000000000000000000000000000002): it has no published revision (`--revision latest` takes the draft)"),
        "{stderr}"
    );
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &[
            "pull",
            "--out",
            ".",
            "--revision",
            "latest",
            "--flow",
            "Menú principal",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("menú-principal.json")).unwrap())
            .unwrap();
    assert_eq!(value["status"], "draft");
    assert_eq!(value["commit_message"], "publish Menú principal");
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &[
            "pull",
            "--out",
            ".",
            "--revision",
            "99",
            "--flow",
            "FW00000000000000000000000000000001",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("it has no revision 99"));
    // A server that answers something else than JSON, and a next page on another host.
    account.lock().unwrap().faults.push(Fault {
        method: "GET",
        prefix: "/v2/Flows?".to_string(),
        remaining: 1,
        reply: Reply::raw(200, "<html>maintenance</html>"),
    });
    let output = flowcheck(&dir, &base, Creds::Token, &["analyze", "--account"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr)
            .contains("GET /v2/Flows?PageSize=1000: unexpected response: the body is not JSON")
    );
    account
        .lock()
        .unwrap()
        .next_page_override
        .insert(0, "http://127.0.0.2:9/v2/Flows?Page=1".to_string());
    let output = flowcheck(&dir, &base, Creds::Token, &["analyze", "--account"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("refusing to send credentials there"),
        "{}",
        text(&output.stderr)
    );
    // Plain http to another machine is refused before anything is sent.
    let output = flowcheck(&dir, "http://studio.example.com", Creds::Token, &["pull"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("refusing to send credentials over plain http"));
    assert_no_secret_in_files(&dir);
}

#[test]
fn drift_reports_flows_that_differ_from_their_files() {
    let (account, base, _log) = start(six_flows());
    let dir = scratch("drift");
    let output = flowcheck(&dir, &base, Creds::Token, &["pull", "--out", "flows"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = flowcheck(&dir, &base, Creds::Token, &["drift", "flows"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).ends_with("\n0 drifted, 6 in sync\n"),
        "{}",
        text(&output.stdout)
    );

    std::fs::write(dir.join("flows/notes.json"), "{\"states\": []}").unwrap();
    {
        let mut account = account.lock().unwrap();
        // Published again with a change to one widget and the initial state.
        let flow = &mut account.flows[0];
        let mut changed: Value = serde_json::from_str(&flow.published.as_ref().unwrap().1).unwrap();
        changed["states"][1]["properties"]["say"] = json!("Welcome back");
        changed["states"][1]["properties"]["offset"] = json!({"x": 5, "y": 5});
        flow.published = Some((8, changed.to_string()));
        // Only moved on the canvas, keys in another order.
        let flow = &mut account.flows[1];
        let mut moved: Value = serde_json::from_str(&flow.published.as_ref().unwrap().1).unwrap();
        moved["states"][2]["properties"]["offset"] = json!({"x": -100, "y": 300});
        flow.published = Some((3, moved.to_string()));
        // Deleted from the account; a new flow instead.
        account.flows.remove(2);
        let mut new = six_flows()[3].clone();
        new.sid = format!("FW{:032x}", 7);
        new.name = "Nuevo menú".to_string();
        account.flows.push(new);
    }
    let output = flowcheck(&dir, &base, Creds::Token, &["drift", "flows"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let expected = format!(
        "drifted: flows/main-ivr-fw00000000000000000000000000000001.json differs from the published revision 8 of \"Main IVR\" (FW{:032x}): changed `welcome`\n\
         in sync: flows/main-ivr-fw00000000000000000000000000000005.json matches the published revision 1 of \"main ivr\" (FW{:032x})\n\
         in sync: flows/menú-principal.json matches the published revision 3 of \"Menú principal\" (FW{:032x}) (only the canvas layout differs)\n\
         untracked: flows/notes.json has no `sid` (not a pulled flow): not compared\n\
         in sync: flows/sms-confirm-😀.json matches the published revision 3 of \"SMS confirm 😀\" (FW{:032x})\n\
         in sync: flows/ünïcödé-«test».json matches the published revision 4 of \"Ünïcödé / «test»\" (FW{:032x})\n\
         not in the account: flows/受付フロー.json holds \"受付フロー\" (FW{:032x}), which the account does not have\n\
         only in the account: \"Nuevo menú\" (FW{:032x}) has no file (`flowcheck pull` writes it as nuevo-menú.json)\n\
         1 drifted, 4 in sync, 1 only in the account, 1 not in the account, 1 untracked\n",
        1, 5, 2, 4, 6, 3, 7
    );
    assert_eq!(stdout, expected);
    let output = flowcheck(
        &dir,
        &base,
        Creds::Token,
        &["drift", "--format", "json", "flows"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["flows"][0]["status"], "drifted");
    assert_eq!(report["flows"][0]["revision"], 8);
    assert_eq!(report["flows"][0]["changes"]["changed"], json!(["welcome"]));
    assert_eq!(report["flows"][2]["changes"]["layout"], true);
    assert_eq!(report["summary"]["drifted"], 1);
    assert_no_secret_in_files(&dir);
}

/// `cargo test --test twilio -- --ignored --nocapture`: how long `pull` and `analyze
/// --account` take on an account of 200 flows (4 pages) when every request takes 50 ms.
#[test]
#[ignore]
fn measure_pull_against_a_slow_server() {
    let flows: Vec<FakeFlow> = (1..=200)
        .map(|n| {
            let definition = example(if n % 2 == 0 {
                "ivr-clean.json"
            } else {
                "ivr-with-defects.json"
            });
            FakeFlow {
                sid: format!("FW{n:032x}"),
                name: format!("Flow {n}"),
                latest: (1, "published", None, definition.clone()),
                published: Some((1, definition)),
            }
        })
        .collect();
    let (account, base, log) = start(flows);
    {
        let mut account = account.lock().unwrap();
        account.page_size = 50;
        account.latency = Duration::from_millis(50);
    }
    let dir = scratch("measure");
    for args in [
        &["pull", "--out", "."][..],
        &["analyze", "--no-config", "--account", "--format", "json"][..],
    ] {
        let before = requests(&log).len();
        let started = Instant::now();
        let output = flowcheck(&dir, &base, Creds::Token, args);
        let elapsed = started.elapsed();
        assert!(
            output.status.code().is_some_and(|c| c < 2),
            "{}",
            text(&output.stderr)
        );
        let sent = requests(&log).len() - before;
        eprintln!(
            "flowcheck {}: {sent} requests at 50 ms each in {:.2} s ({:.2} s if sent one at a time)",
            args.join(" "),
            elapsed.as_secs_f64(),
            sent as f64 * 0.05
        );
    }
    assert_eq!(json_files(&dir).len(), 200);
}
