//! The data a run's page renders from, as one definition the page's server functions and
//! the server's cache of finished pages share: the run as the viewer sees it (what
//! [`get_run`](super::get_run) answers, access checked with the viewer's own token) and the
//! viewer (what [`who_am_i`](crate::api::who_am_i) answers).
//!
//! The server reads it once for a page request ([`RunPageData::read`]); when it renders the
//! page from it, it leaves it in the request ([`RunPageData::prepare`]) and the page's
//! server functions answer from it ([`prepared`]), so the page shows exactly the data the
//! server looked at (and keyed its cache with), read once.

use super::{finished, public};
use crate::api::server::viewer::{self, SignedIn};
use crate::api::server::Services;
use crate::api::{ApiError, Me, RunView};
use std::sync::Arc;

/// What one viewer's page of one run shows.
#[derive(Debug, Clone)]
pub struct RunPageData {
    /// The run's owner, as the page's address names it.
    pub owner: String,
    /// The run's id, as the page's address names it.
    pub run_id: String,
    /// The run as this viewer may see it.
    pub run: RunView,
    /// The signed-in viewer, or `None`.
    pub me: Option<Me>,
}

impl RunPageData {
    /// Reads the page data of `owner`'s run `run_id` for the viewer of the request `parts`
    /// (its session), as the page's server functions would; an error is what the page
    /// would show instead (not found, not signed in, a Hub failure).
    pub async fn read(
        services: &Services,
        parts: &http::request::Parts,
        owner: &str,
        run_id: &str,
    ) -> Result<RunPageData, ApiError> {
        let user = viewer::viewer_of(parts).await?;
        let run = run_view(services, user.as_ref(), owner, run_id).await?;
        Ok(RunPageData {
            owner: owner.to_owned(),
            run_id: run_id.to_owned(),
            run,
            me: user.map(|user| viewer::me(&user, &services.requested_scopes)),
        })
    }

    /// Whether the run is over for good: its recorded state is final and its Job, when the
    /// viewer sees one, has ended. Its page then changes only with the viewer.
    pub fn is_finished(&self) -> bool {
        let job_over = self.run.job.as_ref().map(|j| j.stage.is_terminal());
        self.run
            .state
            .as_ref()
            .is_some_and(|s| public::is_over_for_good(s, job_over))
    }

    /// Leaves this data in a request about to be rendered, for [`prepared`].
    pub fn prepare(self, extensions: &mut http::Extensions) {
        extensions.insert(Prepared(Arc::new(self)));
    }
}

/// The page data a request carries (see [`RunPageData::prepare`]).
#[derive(Debug, Clone)]
struct Prepared(Arc<RunPageData>);

/// The page data the request being rendered carries, if the server prepared it.
pub fn prepared() -> Option<Arc<RunPageData>> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<Prepared>().map(|p| p.0.clone())
}

/// The prepared page data when it is that of `owner`'s run `run_id`.
pub fn prepared_for(owner: &str, run_id: &str) -> Option<Arc<RunPageData>> {
    prepared().filter(|data| data.owner == owner && data.run_id == run_id)
}

/// One run as its page shows it to `user`: as the viewer's own token sees it, else (signed
/// in or not) from its public snapshot when it is published. Without either, a signed-out
/// viewer is asked to sign in and a signed-in one is told "not found".
pub async fn run_view(
    services: &Services,
    user: Option<&SignedIn>,
    owner: &str,
    run_id: &str,
) -> Result<RunView, ApiError> {
    let own = match user {
        Some(user) => finished::view(services, user, owner, run_id).await,
        None => Err(ApiError::NotSignedIn),
    };
    match (own, user) {
        (Ok(mut view), Some(user)) => {
            view.publication = public::publication(services, user, &view).await?;
            Ok(view)
        }
        (Err(err @ (ApiError::NotFound | ApiError::NotSignedIn)), _) => {
            public::view(services, owner, run_id).await?.ok_or(err)
        }
        (other, _) => other,
    }
}
