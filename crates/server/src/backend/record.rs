//! A run's `state.json` read as what it is: text from a bucket the viewer can read, maybe
//! a stranger's. It is parsed, then its links are cut down to those the page may show
//! ([`HubHosts::keep_trusted`]), in one place for the run page, the runs list and the
//! live stream.

use crate::security::hub_links::HubHosts;
use runs::RunState;

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
