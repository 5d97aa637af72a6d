//! Wall-clock times as the run's files write them.

use std::time::SystemTime;

/// Now, as RFC 3339 UTC with milliseconds (`2026-11-25T08:00:00.123Z`).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
