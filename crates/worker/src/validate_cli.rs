//! `worker validate`: the validate phase's checks for a person at a terminal, without a
//! run record.

use crate::config::WorkerConfig;
use crate::space::probe::{self, Expectation, TestResult};
use hub::apps::AppTarget;
use hub::spaces::SpaceStage;
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
            let info = match hub
                .repo_info(hub::repos::RepoType::Space, &id, token.as_ref())
                .await
            {
                Ok(info) => info,
                Err(e) => {
                    return Ok(TestResult::new("", Some(id.to_string()))
                        .failed(format!("cannot read the Space {id}: {e}")))
                }
            };
            let stage = info.runtime.as_ref().map(|r| r.stage.clone());
            if !stage.as_ref().is_some_and(SpaceStage::is_running) {
                return Ok(TestResult::new("", Some(id.to_string())).failed(format!(
                    "the Space {id} is {}, not RUNNING",
                    stage
                        .as_ref()
                        .map_or("in an unknown stage", SpaceStage::as_str)
                )));
            }
            // The token goes to the app only when the Space is the user's own.
            let me = match &token {
                Some(token) => hub.whoami(token).await.ok(),
                None => None,
            };
            let app = match (&token, &me) {
                (Some(token), Some(me)) => {
                    probe::app_of_space(&info, &id, me, token).map(|(app, _)| app)
                }
                _ => info.space_app(None),
            };
            let Some(app) = app else {
                return Ok(TestResult::new("", Some(id.to_string()))
                    .failed("the Hub gave no host for the Space"));
            };
            (app, Some(id.to_string()))
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
