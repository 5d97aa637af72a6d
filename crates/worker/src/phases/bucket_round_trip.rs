//! Phase 1: proves the run can record into its bucket — writes files through the mount
//! and reads them back, byte for byte.

use super::step;
use crate::engine::clock::now_rfc3339;
use crate::engine::recorder::{Recorder, StepFailure};
use crate::engine::step::because;
use runs::{Event, RunState};

const PROBE: &str = "roundtrip/probe.json";

/// Writes a probe artifact, reads it and the run's own state and events back from the mount.
pub async fn run(rec: &mut Recorder) -> Result<String, StepFailure> {
    let probe = serde_json::json!({
        "run_id": rec.state().run_id,
        "written_at": now_rfc3339(),
        "nonce": format!("{:032x}", rand_nonce()),
    });
    let expected = serde_json::to_vec_pretty(&probe).expect("JSON serializes");

    step(rec, "write_probe", |rec| {
        rec.json_artifact(PROBE, &probe)?;
        Ok(format!("wrote {PROBE} ({} bytes)", expected.len()))
    })?;

    step(rec, "read_back", |rec| {
        let path = rec.paths().artifact(PROBE).expect("constant path is valid");
        let got = rec.read_back(&path).map_err(because)?;
        if got != expected {
            return Err(because(format!(
                "{PROBE} came back different ({} bytes)",
                got.len()
            )));
        }
        let state_bytes = rec.read_back(&rec.paths().state()).map_err(because)?;
        let state: RunState = serde_json::from_slice(&state_bytes)
            .map_err(|e| because(format!("state.json does not parse: {e}")))?;
        if state.run_id != rec.state().run_id {
            return Err(because("state.json names another run"));
        }
        let events_bytes = rec.read_back(&rec.paths().events()).map_err(because)?;
        let events = Event::parse_jsonl(&String::from_utf8_lossy(&events_bytes));
        if events.is_empty() || events.iter().enumerate().any(|(i, e)| e.seq != i as u64) {
            return Err(because("events.jsonl is missing events or out of order"));
        }
        Ok(format!(
            "read back {PROBE}, state.json and {} events identical to what was written",
            events.len()
        ))
    })?;

    Ok("The bucket round-trip works: files written through the mount read back identical.".into())
}

/// A value that differs between runs, so a stale read of an older probe is caught.
fn rand_nonce() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(std::time::SystemTime::now()) as u128;
    let b = RandomState::new().hash_one(std::process::id()) as u128;
    (a << 64) | b
}
