//! The flows of an account: listed, selected with `--flow`, named, and fetched a few at a time.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::Revision;
use super::client::{ApiError, Client, ErrorKind, FlowResource, FlowSummary};
use super::files;

/// Requests in flight at once while fetching definitions: enough to hide latency, few enough
/// to stay clear of Twilio's concurrency limits.
pub const WORKERS: usize = 4;

/// A listed flow with the file name `pull` gives it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub file_name: String,
    pub summary: FlowSummary,
}

/// A fetched flow with its file name.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub file_name: String,
    pub resource: FlowResource,
}

/// A selected flow that has no definition at the revision asked for.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file_name: String,
    pub summary: FlowSummary,
    pub reason: String,
}

/// What fetching gave: flows sorted by file name, and those skipped.
#[derive(Debug, Default)]
pub struct Account {
    pub flows: Vec<Fetched>,
    pub skipped: Vec<Skipped>,
}

/// Every flow of the account with its file name, in the API's order.
pub fn list(client: &Client) -> Result<Vec<Listed>, ApiError> {
    let summaries = client.list_flows()?;
    let names = files::file_names(&summaries);
    Ok(names
        .into_iter()
        .zip(summaries)
        .map(|(file_name, summary)| Listed { file_name, summary })
        .collect())
}

/// The flows `--flow` names (all when none): by SID, else by friendly name (exact, then
/// ignoring case). A selector that matches nothing is an error, with a did-you-mean.
pub fn select(listed: Vec<Listed>, selectors: &[String]) -> Result<Vec<Listed>, String> {
    if selectors.is_empty() {
        return Ok(listed);
    }
    let mut chosen = vec![false; listed.len()];
    for selector in selectors {
        let wanted = selector.trim();
        let by = |test: &dyn Fn(&Listed) -> bool| -> Vec<usize> {
            (0..listed.len()).filter(|&i| test(&listed[i])).collect()
        };
        let mut hits = by(&|l| l.summary.sid == wanted);
        if hits.is_empty() {
            hits = by(&|l| l.summary.friendly_name == wanted);
        }
        if hits.is_empty() {
            let lower = wanted.to_lowercase();
            hits = by(&|l| l.summary.friendly_name.to_lowercase() == lower);
        }
        if hits.is_empty() {
            let names = listed.iter().map(|l| l.summary.friendly_name.as_str());
            let hint = match crate::suggest::closest(wanted, names) {
                Some(close) => format!("; did you mean `{close}`?"),
                None => format!(" ({} flows listed)", listed.len()),
            };
            return Err(format!(
                "--flow {wanted}: no flow in the account has this SID or name{hint}"
            ));
        }
        for i in hits {
            chosen[i] = true;
        }
    }
    Ok(listed
        .into_iter()
        .zip(chosen)
        .filter_map(|(l, keep)| keep.then_some(l))
        .collect())
}

/// Fetches the definitions of `selected` at `revision`, [`WORKERS`] at a time. A flow with
/// no such revision (never published, no revision N, deleted meanwhile) is skipped; any
/// other failure stops everything and is returned.
pub fn fetch(
    client: &Client,
    selected: Vec<Listed>,
    revision: Revision,
) -> Result<Account, ApiError> {
    let progress = Progress::new("fetching flows", selected.len());
    let results = parallel(&selected, WORKERS, |listed| {
        let result = match client.fetch_flow(&listed.summary.sid, revision) {
            Ok(resource) => Ok(Ok(resource)),
            Err(error) if error.kind == ErrorKind::NotFound => Ok(Err(missing(revision))),
            Err(error) => Err(error),
        };
        progress.tick();
        result
    });
    progress.finish();
    let mut account = Account::default();
    for (listed, result) in selected.into_iter().zip(results?) {
        match result {
            Ok(resource) => account.flows.push(Fetched {
                file_name: listed.file_name,
                resource,
            }),
            Err(reason) => account.skipped.push(Skipped {
                file_name: listed.file_name,
                summary: listed.summary,
                reason,
            }),
        }
    }
    account.flows.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    Ok(account)
}

fn missing(revision: Revision) -> String {
    match revision {
        Revision::Published => {
            "it has no published revision (`--revision latest` takes the draft)".to_string()
        }
        Revision::Latest => "it was deleted while flowcheck read the account".to_string(),
        Revision::Number(n) => format!("it has no revision {n}"),
    }
}

/// Maps `work` over `items` on up to `workers` threads, keeping the items' order. The first
/// error (in item order among those run) is returned, and no new item starts after an error.
pub fn parallel<T: Sync, R: Send, E: Send>(
    items: &[T],
    workers: usize,
    work: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<R, E>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let mut out = Vec::with_capacity(items.len());
    for slot in slots {
        match slot.into_inner().ok().flatten() {
            Some(Ok(value)) => out.push(value),
            Some(Err(error)) => return Err(error),
            // Not run because an earlier item failed; that error comes first or later.
            None => continue,
        }
    }
    Ok(out)
}

/// A one-line counter on stderr, only when stderr is a terminal (so logs stay deterministic).
pub struct Progress {
    label: &'static str,
    total: usize,
    done: AtomicUsize,
    live: bool,
    lock: Mutex<()>,
}

impl Progress {
    pub fn new(label: &'static str, total: usize) -> Progress {
        Progress {
            label,
            total,
            done: AtomicUsize::new(0),
            live: total > 1 && std::io::stderr().is_terminal(),
            lock: Mutex::new(()),
        }
    }

    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.live {
            let _guard = self.lock.lock();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{} {done}/{}", self.label, self.total);
            let _ = err.flush();
        }
    }

    pub fn finish(&self) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(sid: &str, name: &str) -> Listed {
        Listed {
            file_name: format!("{}.json", files::slug(name)),
            summary: FlowSummary {
                sid: sid.to_string(),
                friendly_name: name.to_string(),
                status: None,
            },
        }
    }

    #[test]
    fn selectors_match_sids_then_names() {
        let all = vec![
            listed("FW1", "Main IVR"),
            listed("FW2", "Support"),
            listed("FW3", "Menú"),
        ];
        let pick = |s: &[&str]| {
            select(
                all.clone(),
                &s.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .map(|v| v.iter().map(|l| l.summary.sid.clone()).collect::<Vec<_>>())
        };
        assert_eq!(pick(&[]).unwrap(), ["FW1", "FW2", "FW3"]);
        assert_eq!(pick(&["FW3", "main ivr"]).unwrap(), ["FW1", "FW3"]);
        assert_eq!(pick(&["Support", "FW2"]).unwrap(), ["FW2"]);
        let err = pick(&["Suport"]).unwrap_err();
        assert!(err.contains("did you mean `Support`"), "{err}");
    }

    #[test]
    fn parallel_keeps_order_and_stops_on_errors() {
        let items: Vec<u32> = (0..50).collect();
        let doubled = parallel(&items, 4, |&i| Ok::<_, String>(i * 2)).unwrap();
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let err = parallel(&items, 4, |&i| if i == 7 { Err(i) } else { Ok(i) }).unwrap_err();
        assert_eq!(err, 7);
        assert!(
            parallel(&[] as &[u32], 4, |&i| Ok::<_, ()>(i))
                .unwrap()
                .is_empty()
        );
    }
}
