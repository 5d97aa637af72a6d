//! Run ids: sortable by creation time, safe in URLs, bucket paths and Job labels.
//!
//! A run id is a ULID (26 characters of Crockford base32, time first), so listing a
//! bucket's `runs/` folder or sorting ids gives runs in the order they were started.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The id of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunId(ulid::Ulid);

/// Why a string is not a run id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a run id (26 characters of Crockford base32)")]
pub struct RunIdError(String);

impl RunId {
    /// A new id for a run starting now. Only where randomness exists (server, worker).
    #[cfg(feature = "generate")]
    pub fn generate() -> RunId {
        RunId(ulid::Ulid::new())
    }

    /// When the run was started, in milliseconds since the Unix epoch.
    pub fn timestamp_ms(&self) -> u64 {
        self.0.timestamp_ms()
    }
}

impl FromStr for RunId {
    type Err = RunIdError;

    fn from_str(s: &str) -> Result<RunId, RunIdError> {
        // Ulid parsing accepts lower case too; ids are always written upper case, so a
        // lower-case variant would name a different folder: refuse it.
        if s.len() != ulid::ULID_LEN || s.chars().any(|c| c.is_ascii_lowercase()) {
            return Err(RunIdError(s.to_owned()));
        }
        ulid::Ulid::from_string(s)
            .map(RunId)
            .map_err(|_| RunIdError(s.to_owned()))
    }
}

impl TryFrom<String> for RunId {
    type Error = RunIdError;

    fn try_from(value: String) -> Result<RunId, RunIdError> {
        value.parse()
    }
}

impl From<RunId> for String {
    fn from(id: RunId) -> String {
        id.to_string()
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "01JDQ7ZK3G8X5V2N4M6P8R0T2W";

    #[test]
    fn parses_and_prints_the_same_text() {
        let id: RunId = SAMPLE.parse().unwrap();
        assert_eq!(id.to_string(), SAMPLE);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{SAMPLE}\""));
        assert_eq!(serde_json::from_str::<RunId>(&json).unwrap(), id);
    }

    #[test]
    fn refuses_what_could_escape_a_path_or_alias_another_run() {
        for bad in [
            "",
            "../../etc/passwd",
            "01JDQ7ZK3G8X5V2N4M6P8R0T2",
            "01jdq7zk3g8x5v2n4m6p8r0t2w",
            "01JDQ7ZK3G8X5V2N4M6P8R0T2W/",
            "01JDQ7ZK3G8X5V2N4M6P8R0TUW",
        ] {
            assert!(bad.parse::<RunId>().is_err(), "{bad}");
        }
    }

    #[cfg(feature = "generate")]
    #[test]
    fn generated_ids_sort_by_creation() {
        let first = RunId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = RunId::generate();
        assert!(first < second);
        assert!(first.to_string() < second.to_string());
        assert_eq!(first.to_string().parse::<RunId>().unwrap(), first);
    }
}
