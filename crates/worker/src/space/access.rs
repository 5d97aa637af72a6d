//! How the worker reaches the Hub: the endpoint and the user's token, as a Job gets them.

use crate::config::WorkerConfig;
use hub::repos::WhoAmI;
use hub::{HubClient, Token};

/// The Job secret that carries the user's token ([`runs::job::TOKEN_SECRET`]).
pub const TOKEN_ENV: &str = runs::job::TOKEN_SECRET;

/// A Hub client plus the token every call of the run is made with.
#[derive(Debug, Clone)]
pub struct HubAccess {
    /// The client (`HF_ENDPOINT`, else huggingface.co).
    pub hub: HubClient,
    /// The user's token (a Job secret); `Debug` never shows it.
    pub token: Token,
    /// Who the token belongs to (`whoami-v2`), once [`check_access`] asked: read from here
    /// rather than asked again (email, plan).
    pub account: Option<WhoAmI>,
}

impl HubAccess {
    /// From an explicit client and token.
    pub fn new(hub: HubClient, token: Token) -> HubAccess {
        HubAccess {
            hub,
            token,
            account: None,
        }
    }

    /// As a Job has them: `HF_ENDPOINT` (optional) and the secret `HF_TOKEN` (required).
    pub fn from_config(config: &WorkerConfig) -> Result<HubAccess, String> {
        let token = config.token.as_deref().ok_or_else(|| {
            format!("no Hub token: the Job must carry the user's token as the secret {TOKEN_ENV}")
        })?;
        let hub = hub_client(config)?;
        Ok(HubAccess::new(hub, Token::new(token)))
    }
}

/// A client for the configured Hub.
pub fn hub_client(config: &WorkerConfig) -> Result<HubClient, String> {
    let cfg = config
        .hub
        .clone()
        .map_err(|e| format!("cannot reach the Hub: {e}"))?;
    HubClient::new(cfg).map_err(|e| format!("cannot reach the Hub: {e}"))
}

/// The step [`check_access`] records.
pub const STEP: &str = "hub_access";

/// Takes the Hub access from the configuration and checks the token works and may act in
/// `owner`'s namespace (step `hub_access`), before anything is created.
pub async fn check_access(
    rec: &mut crate::engine::Recorder,
    config: &WorkerConfig,
    owner: &str,
) -> Result<HubAccess, crate::engine::StepFailure> {
    access_step(rec, config, Some(owner)).await
}

/// Takes the Hub access from the configuration and checks only that the Hub accepts the
/// token (step `hub_access`): for runs that create nothing, like validating a Space.
pub async fn check_token(
    rec: &mut crate::engine::Recorder,
    config: &WorkerConfig,
) -> Result<HubAccess, crate::engine::StepFailure> {
    access_step(rec, config, None).await
}

async fn access_step(
    rec: &mut crate::engine::Recorder,
    config: &WorkerConfig,
    owner: Option<&str>,
) -> Result<HubAccess, crate::engine::StepFailure> {
    use crate::engine::step::{because, step_async};
    step_async(rec, STEP, async |_rec: &mut crate::engine::Recorder| {
        let mut access = HubAccess::from_config(config).map_err(because)?;
        let me = access
            .hub
            .whoami(&access.token)
            .await
            .map_err(|e| because(format!("the token was refused by the Hub: {e}")))?;
        if let Some(owner) = owner {
            let allowed = me.name == owner || me.orgs.iter().any(|o| o.name == owner);
            if !allowed {
                return Err(because(format!(
                    "the token belongs to {}, who cannot create Spaces in {owner}'s namespace",
                    me.name
                )));
            }
        }
        let message = format!(
            "signed in to {} as {}",
            access.hub.endpoint().as_str().trim_end_matches('/'),
            me.name
        );
        access.account = Some(me);
        Ok((access, message))
    })
    .await
}
