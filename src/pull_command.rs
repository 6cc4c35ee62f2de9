//! `flowcheck pull`: one file per flow of the account, as a Flows API resource (SID, name,
//! status, revision, commit message and definition) that `flowcheck analyze` reads.

use std::path::Path;

use crate::cli::{EXIT_CLEAN, EXIT_TROUBLE, PullArgs, usage_error};
use crate::twilio::{self, Revision, files};

pub fn run(args: &PullArgs) -> u8 {
    if args.out.exists() && !args.out.is_dir() {
        return usage_error(&format!("--out {} is not a directory", args.out.display()));
    }
    let client = match twilio::connect(&args.api) {
        Ok(client) => client,
        Err(message) => return usage_error(&message),
    };
    let revision = args.flows.revision.unwrap_or(Revision::Published);
    let account = match crate::online_command::fetch_account(&client, &args.flows.flows, revision) {
        Ok(account) => account,
        Err(message) => return usage_error(&message),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return usage_error(&format!("cannot create {}: {e}", args.out.display()));
    }
    let mut status = EXIT_CLEAN;
    let mut written = 0;
    for flow in &account.flows {
        let path = args.out.join(&flow.file_name);
        let resource = &flow.resource;
        if let Some(other) = other_flow_in(&path, &resource.sid) {
            eprintln!(
                "error: not writing {}: it holds flow {other}, not {} ({})",
                path.display(),
                resource.sid,
                resource.friendly_name
            );
            status = EXIT_TROUBLE;
            continue;
        }
        if let Err(e) = write_atomically(&path, &files::resource_text(resource)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            status = EXIT_TROUBLE;
            continue;
        }
        written += 1;
        let revision = resource
            .revision
            .as_ref()
            .map_or(String::new(), |r| format!(", revision {r}"));
        let state = resource.status.as_deref().unwrap_or("unknown status");
        println!(
            "{}  {} ({}{revision}, {state})",
            path.display(),
            resource.friendly_name,
            resource.sid
        );
    }
    for skipped in &account.skipped {
        eprintln!(
            "note: skipped {} ({}): {}",
            skipped.summary.friendly_name, skipped.summary.sid, skipped.reason
        );
    }
    eprintln!(
        "Pulled {written} flow(s) ({}) into {}",
        revision.describe(),
        args.out.display()
    );
    status
}

/// The SID of another flow that the file at `path` already holds, if it holds one: a pull
/// replaces its own files, never someone else's.
fn other_flow_in(path: &Path, sid: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let found = value.get("sid")?.as_str()?;
    (found != sid).then(|| found.to_string())
}

/// Writes through a temporary file in the same directory, so that an interrupted pull never
/// leaves half a flow behind.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.flowcheck-partial"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
