//! `worker validate`: the validate phase's checks for a person at a terminal, without a
//! run record.

use crate::config::WorkerConfig;
use crate::space::probe::{self, Expectation, TestResult};
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
    let (url, space_name, app_token) = match (space, url) {
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
            let Some(url) = info
                .space_url()
                .filter(|_| stage.as_ref().is_some_and(SpaceStage::is_running))
            else {
                return Ok(TestResult::new("", Some(id.to_string())).failed(format!(
                    "the Space {id} is {}, not RUNNING",
                    stage
                        .as_ref()
                        .map_or("in an unknown stage", SpaceStage::as_str)
                )));
            };
            (url, Some(id.to_string()), token)
        }
        (None, Some(url)) => {
            let app_token = token.filter(|_| probe::is_hub_space_host(&url));
            (url, None, app_token)
        }
        _ => return Err("give --space or --url (not both)".into()),
    };
    Ok(probe::validate_app(
        &hub,
        &url,
        app_token.as_ref(),
        space_name,
        api.as_deref(),
        inputs,
        &Expectation::TypesOnly,
    )
    .await)
}
