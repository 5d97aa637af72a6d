//! A run's records read as what they are: files from a bucket the viewer can read, maybe
//! a stranger's. `state.json` is parsed, then its links are cut down to those the page may
//! show ([`HubHosts::keep_trusted`]), in one place for the run page, the runs list and the
//! live stream; `state.json` and `report.md` are read only up to a cap ([`Capped`]),
//! `events.jsonl` only its newest [`MAX_EVENTS_BYTES`], and a run folder's listing only its
//! first [`MAX_TREE_ENTRIES`], so a huge record costs neither the server's memory nor the
//! viewer's page.

use crate::api::server::hub_links::HubHosts;
use hub::buckets::ByteRange;
use runs::RunState;

/// The most of a `state.json` the server reads: a worker's state is a few KiB, and a
/// larger one is not a run's record.
pub const MAX_STATE_BYTES: u64 = 256 * 1024;

/// The most of a `report.md` the server reads and renders for the run page.
pub const MAX_REPORT_BYTES: u64 = 1024 * 1024;

/// The most of `events.jsonl` the server reads: its newest part (a run writes far less;
/// the page shows the newest events anyway).
pub const MAX_EVENTS_BYTES: u64 = 2 * 1024 * 1024;

/// The most files of a run folder listed on its page.
pub const MAX_TREE_ENTRIES: usize = 1_000;

/// The whole lines of the newest part of a file read with [`ByteRange::Last`]`(limit)`:
/// when the read filled the limit, the file may go on before it, so its first (maybe cut)
/// line is dropped.
pub fn newest_lines(bytes: &[u8], limit: u64) -> &[u8] {
    if (bytes.len() as u64) < limit {
        return bytes;
    }
    match bytes.iter().position(|b| *b == b'\n') {
        Some(newline) => &bytes[newline + 1..],
        None => &[],
    }
}

/// A record read with a cap on its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capped {
    /// The whole file.
    Whole(Vec<u8>),
    /// The file is larger than the cap; what was read of it is dropped.
    TooLarge,
}

impl Capped {
    /// The range to ask for: up to one byte past `limit`, so a larger file shows itself.
    pub fn range(limit: u64) -> ByteRange {
        ByteRange::span(0, Some(limit))
    }

    /// What a read of [`Capped::range`] brought, judged against `limit`.
    pub fn judge(bytes: Vec<u8>, limit: u64) -> Capped {
        if bytes.len() as u64 > limit {
            Capped::TooLarge
        } else {
            Capped::Whole(bytes)
        }
    }
}

/// `state.json`'s bytes as a state whose links may be shown.
pub fn state_from_bytes(bytes: &[u8], hosts: &HubHosts) -> Result<RunState, serde_json::Error> {
    let mut state: RunState = serde_json::from_slice(bytes)?;
    state.links = hosts.keep_trusted(std::mem::take(&mut state.links));
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_one_byte_over_its_cap_is_refused_whole() {
        let limit = 8;
        assert_eq!(Capped::range(limit), ByteRange::span(0, Some(limit)));
        assert_eq!(
            Capped::judge(vec![b'x'; 8], limit),
            Capped::Whole(vec![b'x'; 8])
        );
        assert_eq!(Capped::judge(vec![b'x'; 9], limit), Capped::TooLarge);
        assert_eq!(Capped::judge(Vec::new(), limit), Capped::Whole(Vec::new()));
    }

    #[test]
    fn a_tail_that_filled_its_limit_loses_its_cut_first_line_only() {
        assert_eq!(newest_lines(b"a\nb\n", 8), b"a\nb\n");
        assert_eq!(newest_lines(b"ut\nb\nc\n", 7), b"b\nc\n");
        assert_eq!(newest_lines(b"no-newline", 10), b"");
    }

    #[test]
    fn a_hostile_state_reaches_the_page_without_its_links() {
        let run_id = runs::RunId::generate();
        let text = serde_json::json!({
            "run_id": run_id.to_string(),
            "phase": "1",
            "status": "succeeded",
            "started_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:01Z",
            "links": {
                "job": "javascript:fetch('/api/fn/launch_run',{method:'POST'})",
                "target_space": "alice/demo",
                "space_url": "https://phish.example/huggingface-login"
            }
        });
        let state = state_from_bytes(
            text.to_string().as_bytes(),
            &HubHosts::new("https://huggingface.co"),
        )
        .unwrap();
        assert_eq!(state.links.job, None);
        assert_eq!(state.links.space_url, None);
        assert_eq!(state.links.target_space.as_deref(), Some("alice/demo"));
    }
}
