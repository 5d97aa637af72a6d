//! Finished runs are immutable: once a run's Job has ended, its `state.json` says how and
//! its `report.md` is written (the worker's last word), what it recorded never changes. So
//! the page data read from its bucket ([`RunRecord`], with the report already rendered) is
//! kept, keyed by the run and the version (`ETag`) of the `state.json` it went with, within
//! a budget of bytes; and each viewer's look-up of the run ([`RunLocation`], read with that
//! viewer's own token) is kept for [`ACCESS_TTL`], so a page reloaded, or many viewers'
//! pages, cost the Hub nothing for a while. A viewer the cache has not seen is looked up
//! with their token first: without access, there is nothing to serve from the cache.

use super::access::RunLocation;
use super::read::{self, RunRecord};
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, RunView};
use runs::RunId;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a viewer's look-up of a finished run is trusted: a withdrawn access (a bucket
/// made private, a token revoked) shows within this.
pub const ACCESS_TTL: Duration = Duration::from_secs(30);

/// The most bytes of records kept (reports rendered, events, listings), roughly.
pub const RECORD_BUDGET: usize = 32 * 1024 * 1024;

/// The most viewers' look-ups kept at once.
const MAX_ACCESS_ENTRIES: usize = 10_000;

/// One viewer's look-up of one run: by name and token, so another sign-in is looked up
/// again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AccessKey {
    viewer: String,
    token: u64,
    owner: String,
    run_id: RunId,
}

impl AccessKey {
    fn new(viewer: &SignedIn, owner: &str, run_id: RunId) -> AccessKey {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        viewer.token().expose().hash(&mut hasher);
        AccessKey {
            viewer: viewer.username.clone(),
            token: hasher.finish(),
            owner: owner.to_owned(),
            run_id,
        }
    }
}

/// A run's record as of one version of its `state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RecordKey {
    owner: String,
    run_id: RunId,
    state_etag: String,
}

impl RecordKey {
    /// The key of a finished run read with a versioned `state.json`.
    fn of(run: &RunLocation) -> Option<RecordKey> {
        Some(RecordKey {
            owner: run.owner.clone(),
            run_id: run.run_id,
            state_etag: run.state_etag.clone().filter(|_| run.is_over())?,
        })
    }
}

/// Records kept, with their size and when each was last served.
#[derive(Default)]
struct Records {
    kept: HashMap<RecordKey, (Arc<RunRecord>, usize, u64)>,
    bytes: usize,
    clock: u64,
}

impl Records {
    fn get(&mut self, key: &RecordKey) -> Option<Arc<RunRecord>> {
        self.clock += 1;
        let (record, _, used) = self.kept.get_mut(key)?;
        *used = self.clock;
        Some(record.clone())
    }

    /// Keeps `record`, dropping the least recently served ones past the budget.
    fn keep(&mut self, key: RecordKey, record: Arc<RunRecord>, budget: usize) {
        let size = record_size(&record);
        if size > budget / 2 {
            return;
        }
        self.clock += 1;
        if let Some((_, old, _)) = self.kept.insert(key, (record, size, self.clock)) {
            self.bytes -= old;
        }
        self.bytes += size;
        while self.bytes > budget {
            let Some(oldest) = self
                .kept
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, size, _)) = self.kept.remove(&oldest) {
                self.bytes -= size;
            }
        }
    }
}

/// Roughly what a record holds in memory.
fn record_size(record: &RunRecord) -> usize {
    let events: usize = record.events.iter().map(|e| 256 + e.message.len()).sum();
    let artifacts: usize = record.artifacts.iter().map(|a| 48 + a.path.len()).sum();
    let proof = record
        .proof
        .as_ref()
        .and_then(|p| serde_json::to_string(p).ok())
        .map_or(0, |text| text.len());
    256 + record.report_html.as_ref().map_or(0, String::len) + events + artifacts + proof
}

/// The finished runs' records and the viewers' recent look-ups of them.
pub struct FinishedRuns {
    records: Mutex<Records>,
    access: Mutex<HashMap<AccessKey, (Instant, RunLocation)>>,
    budget: usize,
    ttl: Duration,
}

impl Default for FinishedRuns {
    fn default() -> Self {
        FinishedRuns::new(RECORD_BUDGET, ACCESS_TTL)
    }
}

impl std::fmt::Debug for FinishedRuns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("FinishedRuns")
            .field("records", &records.kept.len())
            .field("bytes", &records.bytes)
            .finish_non_exhaustive()
    }
}

impl FinishedRuns {
    /// A cache of records within `budget` bytes, trusting a look-up for `ttl`.
    pub fn new(budget: usize, ttl: Duration) -> FinishedRuns {
        FinishedRuns {
            records: Mutex::default(),
            access: Mutex::default(),
            budget,
            ttl,
        }
    }

    /// How many records are kept (for tests and the benchmarks).
    pub fn records_kept(&self) -> usize {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.kept.len()
    }

    fn looked_up(&self, key: &AccessKey) -> Option<RunLocation> {
        let access = self.access.lock().unwrap_or_else(|e| e.into_inner());
        let (at, run) = access.get(key)?;
        (at.elapsed() < self.ttl).then(|| run.clone())
    }

    fn remember(&self, key: AccessKey, run: &RunLocation) {
        let mut access = self.access.lock().unwrap_or_else(|e| e.into_inner());
        if access.len() >= MAX_ACCESS_ENTRIES {
            let ttl = self.ttl;
            access.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        if access.len() < MAX_ACCESS_ENTRIES {
            access.insert(key, (Instant::now(), run.clone()));
        }
    }

    fn record(&self, run: &RunLocation) -> Option<Arc<RunRecord>> {
        let key = RecordKey::of(run)?;
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
    }
}

/// One run's page data as `user` sees it: from the cache when the run is finished and
/// `user` looked it up within [`ACCESS_TTL`], else read (and kept once finished).
pub async fn view(
    services: &Services,
    user: &SignedIn,
    owner: &str,
    run_id: &str,
) -> Result<RunView, ApiError> {
    let cache = &services.finished;
    let run_id_parsed: Option<RunId> = run_id.parse().ok();
    let key = run_id_parsed.map(|id| AccessKey::new(user, owner, id));
    if let Some(run) = key.as_ref().and_then(|k| cache.looked_up(k)) {
        if let Some(record) = cache.record(&run) {
            return read::compose(services, user, &run, RunRecord::clone(&record));
        }
    }
    let run = RunLocation::find(services, user, owner, run_id).await?;
    let record = match cache.record(&run) {
        Some(record) => RunRecord::clone(&record),
        None => {
            let record = read::record(services, &run, &user.token()).await?;
            // The worker writes `report.md` after its final state: until it is there, the
            // record may still grow.
            let complete = record.report_html.is_some();
            if let Some(record_key) = RecordKey::of(&run).filter(|_| complete) {
                cache
                    .records
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .keep(record_key, Arc::new(record.clone()), cache.budget);
            }
            record
        }
    };
    if let Some(key) = key.filter(|_| cache.record(&run).is_some()) {
        cache.remember(key, &run);
    }
    read::compose(services, user, &run, record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(report_bytes: usize) -> Arc<RunRecord> {
        Arc::new(RunRecord {
            events: Vec::new(),
            report_html: Some("x".repeat(report_bytes)),
            artifacts: Vec::new(),
            artifacts_truncated: false,
            public_record: false,
            gate: None,
            proof: None,
        })
    }

    fn key(n: u8) -> RecordKey {
        RecordKey {
            owner: "alice".into(),
            run_id: RunId::generate(),
            state_etag: format!("\"{n}\""),
        }
    }

    #[test]
    fn records_past_the_budget_go_least_recently_served_first() {
        let mut records = Records::default();
        let (a, b, c) = (key(1), key(2), key(3));
        records.keep(a.clone(), record(300), 1200);
        records.keep(b.clone(), record(300), 1200);
        assert!(
            records.get(&a).is_some(),
            "a is served again: b is older now"
        );
        records.keep(c.clone(), record(300), 1200);
        assert!(records.get(&a).is_some());
        assert!(records.get(&b).is_none(), "b went to make room");
        assert!(records.get(&c).is_some());
        assert!(records.bytes <= 1200, "{}", records.bytes);
        // A record over half the budget is not kept at all.
        records.keep(key(4), record(1000), 1200);
        assert_eq!(records.kept.len(), 2);
    }
}
