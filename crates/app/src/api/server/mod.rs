//! What the server functions' bodies run on (server only): the Hub client and run settings
//! the server binary provides as context ([`Services`]), the signed-in viewer of a request
//! ([`viewer`]), and how a Hub error or a refusal leaves as an answer.
//!
//! The pages never see any of it: the session, the user's token and every Hub call stay
//! on the server.

pub mod hub_links;
pub mod viewer;

use super::ApiError;
use hub::jobs::JobImage;
use hub::{HubClient, RepoId};
use hub_links::HubHosts;
use std::sync::Arc;
use std::time::Duration;
use viewer::SignedIn;

/// The bucket name a user's runs record into unless `SPACE_FACTORY_BUCKET_SOURCE` says
/// otherwise.
pub const DEFAULT_BUCKET_NAME: &str = "space-factory-runs";

/// The shared, read-only services the server functions and the run stream use; built once
/// by the server from its configuration and provided as context (an `Arc<Services>`).
#[derive(Debug, Clone)]
pub struct Services {
    /// The Hub every call goes to (the embedded local hub or `HF_ENDPOINT`).
    pub hub: HubClient,
    /// The OAuth scopes the factory asks for at sign-in, so a page can say what a grant lacks.
    pub requested_scopes: Vec<String>,
    /// How run Jobs are created.
    pub jobs: JobSettings,
    /// The browser-facing base URL of the Hub, for links to Jobs and Spaces.
    pub hub_url: String,
    /// Where links in a run's records may point (see [`HubHosts`]).
    pub hub_hosts: HubHosts,
    /// What the wizards suggest; a real Hub's unless the server set up the embedded hub's.
    pub suggestions: super::Suggestions,
    /// Finished runs' page data, kept (they never change) and served to viewers who may see
    /// them.
    pub finished: Arc<super::runs::finished::FinishedRuns>,
    /// Whether the owner's finished runs are published, as last read or changed here, so an
    /// owner's page of a finished run costs the Hub nothing while it is fresh.
    pub publications: Arc<super::runs::public::KnownPublications>,
}

/// How the server creates a run's Job.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// The image with `worker` on its `PATH` (a Space's image in a Space).
    pub image: JobImage,
    /// Default hardware flavor.
    pub flavor: String,
    /// Default timeout.
    pub timeout: Duration,
    /// `SPACE_FACTORY_BUCKET_SOURCE`, when set.
    pub bucket_source: Option<RepoId>,
    /// Where the bucket is mounted in the Job.
    pub bucket_mount: String,
    /// `HF_ENDPOINT` for the Job when the Hub is not huggingface.co.
    pub hub_endpoint: Option<String>,
    /// The most runs one user may have under way at once.
    pub max_under_way: usize,
    /// The dedicated GPUs a run may ask for.
    pub allowed_gpus: Vec<String>,
    /// The budget of a run launched without one (`None`: no cap).
    pub default_budget_usd: Option<f64>,
}

impl Services {
    /// The bucket a user's runs record into.
    pub fn bucket_for(&self, owner: &str) -> Result<RepoId, runs::RepoIdError> {
        match &self.jobs.bucket_source {
            Some(bucket) if bucket.owner() == owner => Ok(bucket.clone()),
            _ => format!("{owner}/{DEFAULT_BUCKET_NAME}").parse(),
        }
    }
}

/// What an account may spend on, from its `whoami-v2` answer (at sign-in and at launch).
pub fn plan_of(who: &hub::repos::WhoAmI) -> super::AccountPlan {
    super::AccountPlan {
        is_pro: who.is_pro,
        can_pay: who.can_pay,
    }
}

/// A Hub error as the browser may see it (never a token: the Hub's messages do not echo
/// it, and our client's errors carry none).
pub fn hub_error(err: hub::HubError) -> ApiError {
    use hub::HubError as H;
    match err {
        H::Unauthorized { .. } => ApiError::NotSignedIn,
        H::Forbidden { message } => ApiError::MissingPermission(message),
        H::NotFound { .. } => ApiError::NotFound,
        // A Job or Space the account cannot pay for: the Hub's words, and where to fix it.
        H::PaymentRequired { message } => ApiError::CannotPay(format!(
            "{message} (add credits or a payment method at {})",
            super::BILLING_URL
        )),
        other => ApiError::Hub(other.to_string()),
    }
}

/// The services and the request a server function runs with.
pub(crate) fn context() -> Result<(Arc<Services>, http::request::Parts), ApiError> {
    let services = leptos::prelude::use_context::<Arc<Services>>()
        .ok_or_else(|| ApiError::Internal("the server provided no services".into()))?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| ApiError::Internal("no request in context".into()))?;
    Ok((services, parts))
}

/// Runs a server function's `body` as the request's signed-in viewer
/// ([`ApiError::NotSignedIn`] without one), ending the session when the Hub refused the
/// viewer's token ([`viewer::end_session_on_401`]); the answer's status is the error's.
pub(crate) async fn as_viewer<T, F, Fut>(body: F) -> Result<T, ApiError>
where
    F: FnOnce(Arc<Services>, SignedIn) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let (services, parts) = answer(context())?;
    let session = parts.extensions.get::<tower_sessions::Session>();
    let result = match viewer::require_viewer(&parts).await {
        Ok(user) => body(services, user).await,
        Err(err) => Err(err),
    };
    answer(viewer::end_session_on_401(session, result).await)
}

/// Runs a server function's `body` as the request's viewer, signed in (`Some`) or not
/// (`None`), for what anyone may read (a published run); a Hub 401 with the viewer's token
/// ends the session as in [`as_viewer`].
pub(crate) async fn as_reader<T, F, Fut>(body: F) -> Result<T, ApiError>
where
    F: FnOnce(Arc<Services>, Option<SignedIn>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let (services, parts) = answer(context())?;
    let session = parts.extensions.get::<tower_sessions::Session>();
    let result = match viewer::viewer_of(&parts).await {
        Ok(user) => body(services, user).await,
        Err(err) => Err(err),
    };
    answer(viewer::end_session_on_401(session, result).await)
}

/// A server function's result as it leaves: an error sets the answer's status
/// ([`ApiError::http_status`]), so a refused form is a 422, not a 500.
pub(crate) fn answer<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let (Some(options), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.http_status()),
        ) {
            options.set_status(status);
        }
    }
    result
}
