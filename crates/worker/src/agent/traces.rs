//! Pi's traces in the run folder: the event stream and session file, raw and redacted.
//!
//! - `traces/raw/`: the files as Pi wrote them, except that the exact values of the Job's
//!   secrets (the user's token above all) are replaced: a token never reaches the bucket.
//! - `traces/redacted/`: the same files with every `hf_…`-shaped token, every secret value
//!   and the extra values the phase names (the user's email) removed; safe to share.
//!
//! The stream is kept on local disk while Pi runs and written to the bucket whole (the
//! mount takes whole files only), at the end and every so often on the way.

use crate::engine::recorder::{Recorder, StepFailure};
use crate::engine::Redactor;
use std::path::Path;

/// The stream's name under `traces/raw/` and `traces/redacted/`.
pub const EVENTS_TRACE: &str = "pi-events.jsonl";
/// The session file's name under `traces/raw/` and `traces/redacted/`.
pub const SESSION_TRACE: &str = "pi-session.jsonl";
/// Pi's final answer.
pub const OUTPUT_LOG: &str = "logs/pi_output.txt";
/// What Pi printed on stderr, when it printed anything.
pub const STDERR_LOG: &str = "logs/pi_stderr.txt";

/// Writes one trace file twice: `traces/raw/<name>` with `raw`'s exact values replaced
/// (the Job's secrets and the gateway's key), and `traces/redacted/<name>` through `strict`.
pub fn write_trace(
    rec: &mut Recorder,
    raw: &Redactor,
    strict: &Redactor,
    name: &str,
    text: &str,
) -> Result<(), StepFailure> {
    let raw = raw.redact_values(text);
    rec.artifact(&format!("traces/raw/{name}"), raw.as_bytes())?;
    let redacted = strict.redact(text);
    rec.artifact(&format!("traces/redacted/{name}"), redacted.as_bytes())
}

/// Writes the stream, the session file (if Pi wrote one) and stderr (if any) from local
/// disk into the run folder.
pub fn write_all(
    rec: &mut Recorder,
    raw: &Redactor,
    strict: &Redactor,
    events: &Path,
    session: Option<&Path>,
    stderr: &Path,
) -> Result<(), StepFailure> {
    write_trace(rec, raw, strict, EVENTS_TRACE, &read_lossy(events))?;
    if let Some(session) = session {
        write_trace(rec, raw, strict, SESSION_TRACE, &read_lossy(session))?;
    }
    let stderr = read_lossy(stderr);
    if !stderr.trim().is_empty() {
        rec.artifact(STDERR_LOG, strict.redact(&stderr).as_bytes())?;
    }
    Ok(())
}

/// Writes Pi's final answer (or why there is none) to `logs/pi_output.txt`, redacted.
pub fn write_output(rec: &mut Recorder, strict: &Redactor, text: &str) -> Result<(), StepFailure> {
    let mut text = strict.redact(text);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    rec.artifact(OUTPUT_LOG, text.as_bytes())
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
