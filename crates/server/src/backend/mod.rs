//! The server's implementation of the app's API ([`app::api::backend::Backend`]): every
//! call finds the viewer's session from the request and talks to the Hub with that
//! viewer's token only.

mod access;
mod artifact;
mod hardware;
mod job_log;
mod launch;
pub mod read;
pub mod record;
pub mod render;
mod space_name;

use crate::services::Services;
use crate::session::{self, SignedIn};
use app::api::backend::Backend;
use app::api::{
    ApiError, Artifact, HardwareOption, LaunchRequest, Launched, Me, RunSummary, RunView,
    SpaceNameCheck, Suggestions,
};
use http::request::Parts;
use std::sync::Arc;
use tower_sessions::Session;

pub use access::RunLocation;

/// The [`Backend`] the server provides to Leptos.
#[derive(Debug, Clone)]
pub struct FactoryBackend {
    services: Arc<Services>,
}

impl FactoryBackend {
    /// A backend over the server's services.
    pub fn new(services: Arc<Services>) -> FactoryBackend {
        FactoryBackend { services }
    }
}

/// The signed-in viewer of a request, if any.
pub async fn viewer_of(parts: &Parts) -> Result<Option<SignedIn>, ApiError> {
    let Some(session) = parts.extensions.get::<Session>() else {
        return Ok(None);
    };
    session::signed_in(session)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The signed-in viewer of a session, or [`ApiError::NotSignedIn`].
pub async fn require_viewer_in(session: &Session) -> Result<SignedIn, ApiError> {
    session::signed_in(session)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or(ApiError::NotSignedIn)
}

/// The signed-in viewer, or [`ApiError::NotSignedIn`].
pub async fn require_viewer(parts: &Parts) -> Result<SignedIn, ApiError> {
    viewer_of(parts).await?.ok_or(ApiError::NotSignedIn)
}

/// A Hub 401 with the viewer's token means the token stopped working (expired or revoked):
/// the session is ended, so the pages ask to sign in again instead of failing at every step.
/// (Every `NotSignedIn` ends it; without a session there is nothing to end.)
pub async fn end_session_on_401<T>(
    session: Option<&Session>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let (Err(ApiError::NotSignedIn), Some(session)) = (&result, session) {
        if let Err(err) = session::sign_out(session).await {
            tracing::warn!(error = %err, "could not end a session whose token the Hub refused");
        }
    }
    result
}

/// Runs `body` as the signed-in viewer ([`ApiError::NotSignedIn`] without one), ending the
/// session when the Hub refused the viewer's token ([`end_session_on_401`]).
async fn as_viewer<T, F, Fut>(request: &Parts, body: F) -> Result<T, ApiError>
where
    F: FnOnce(SignedIn) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let result = match require_viewer(request).await {
        Ok(user) => body(user).await,
        Err(err) => Err(err),
    };
    end_session_on_401(request.extensions.get::<Session>(), result).await
}

/// The form field the cost confirmation of a dedicated GPU answers to.
pub use app::components::wizard_fields::PAID_HARDWARE_FIELD;

/// What an account may spend on, from its `whoami-v2` answer (at sign-in and at launch).
pub fn plan_of(who: &hub::repos::WhoAmI) -> app::api::AccountPlan {
    app::api::AccountPlan {
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
            app::api::BILLING_URL
        )),
        other => ApiError::Hub(other.to_string()),
    }
}

/// The user as the pages see them, with what their grant lacks.
fn me(user: &SignedIn, requested: &[String]) -> Me {
    let missing_scopes: Vec<String> = requested
        .iter()
        .filter(|s| !user.has_scope(s))
        .cloned()
        .collect();
    Me {
        username: user.username.clone(),
        name: user.name.clone(),
        avatar_url: user.avatar_url.clone(),
        scopes: user.scopes.clone(),
        can_launch: user.has_scope("jobs"),
        missing_scopes,
        sign_in_minutes_left: user.minutes_left(),
        plan: user.plan,
    }
}

#[async_trait::async_trait]
impl Backend for FactoryBackend {
    async fn me(&self, request: &Parts) -> Result<Option<Me>, ApiError> {
        Ok(viewer_of(request)
            .await?
            .map(|user| me(&user, &self.services.oauth.scopes)))
    }

    async fn launch_run(
        &self,
        request: &Parts,
        launch: LaunchRequest,
    ) -> Result<Launched, ApiError> {
        as_viewer(request, |user| async move {
            launch::launch(&self.services, &user, launch).await
        })
        .await
    }

    async fn list_runs(&self, request: &Parts) -> Result<Vec<RunSummary>, ApiError> {
        as_viewer(request, |user| async move {
            read::list(&self.services, &user).await
        })
        .await
    }

    async fn get_run(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
    ) -> Result<RunView, ApiError> {
        as_viewer(request, |user| async move {
            let run = RunLocation::find(&self.services, &user, owner, run_id).await?;
            read::view(&self.services, &user, &run).await
        })
        .await
    }

    async fn read_artifact(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
        path: &str,
    ) -> Result<Artifact, ApiError> {
        as_viewer(request, |user| async move {
            let run = RunLocation::find(&self.services, &user, owner, run_id).await?;
            artifact::read(&self.services, &user, &run, path).await
        })
        .await
    }

    async fn job_log(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
    ) -> Result<Vec<String>, ApiError> {
        as_viewer(request, |user| async move {
            let run = RunLocation::find(&self.services, &user, owner, run_id).await?;
            job_log::read(&self.services, &user, &run).await
        })
        .await
    }

    async fn cancel_run(&self, request: &Parts, owner: &str, run_id: &str) -> Result<(), ApiError> {
        as_viewer(request, |user| async move {
            let run = RunLocation::find(&self.services, &user, owner, run_id).await?;
            match (&run.job, run.owner == user.username) {
                (Some(job), true) => self
                    .services
                    .hub
                    .cancel_job(&run.owner, &job.id, &user.token())
                    .await
                    .map_err(hub_error),
                (None, true) => Err(ApiError::Internal(
                    "this run's Job is gone, so there is nothing to cancel".into(),
                )),
                (_, false) => Err(ApiError::NotFound),
            }
        })
        .await
    }

    fn suggestions(&self) -> Suggestions {
        self.services.suggestions.clone()
    }

    async fn hardware(&self, request: &Parts) -> Result<Vec<HardwareOption>, ApiError> {
        let user = viewer_of(request).await?;
        hardware::list(&self.services, user.as_ref()).await
    }

    async fn check_space_name(
        &self,
        request: &Parts,
        name: &str,
    ) -> Result<SpaceNameCheck, ApiError> {
        as_viewer(request, |user| async move {
            space_name::check(&self.services, &user, name).await
        })
        .await
    }
}
