//! `worker validate`: the validate phase's checks for a person at a terminal, without a
//! run record.

use crate::config::WorkerConfig;
use crate::space::probe::{self, Expectation, TestResult};
use hub::apps::AppTarget;
use hub::{RepoId, Token};
use serde_json::Value;

/// Validates `space` (resolved through the Hub) or `url`; `Err` for arguments that make no
/// sense (bad inputs JSON, no target), a failed [`TestResult`] for everything else.
pub async fn run(
    config: &WorkerConfig,
    space: Option<RepoId>,
    url: Option<String>,
    api: Option<String>,
    inputs: Option<String>,
) -> Result<TestResult, String> {
    let inputs = match inputs {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => Some(items),
            Ok(_) => return Err("--inputs must be a JSON array, one value per parameter".into()),
            Err(e) => return Err(format!("--inputs is not JSON: {e}")),
        },
    };
    let hub = crate::space::access::hub_client(config)?;
    let token = config.token.as_deref().map(Token::new);
    let (app, space_name) = match (space, url) {
        (Some(id), None) => {
            // The token goes to the app only when the Space is the user's own.
            let me = match &token {
                Some(token) => hub.whoami(token).await.ok(),
                None => None,
            };
            match probe::running_space_app(&hub, &id, token.as_ref(), me.as_ref()).await {
                Ok((app, _)) => (app, Some(id.to_string())),
                Err(why) => return Ok(TestResult::new("", Some(id.to_string())).failed(why)),
            }
        }
        // A typed URL is anybody's host: it never gets the token.
        (None, Some(url)) => (
            AppTarget::anonymous(&url).map_err(|e| format!("`{url}` is not an app URL: {e}"))?,
            None,
        ),
        _ => return Err("give --space or --url (not both)".into()),
    };
    Ok(probe::validate_app(
        &hub,
        &app,
        space_name,
        api.as_deref(),
        inputs,
        &Expectation::TypesOnly,
    )
    .await)
}
