//! The wizard's live "is this Space name free?" check.

use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, SpaceNameCheck};
use hub::repos::RepoType;
use hub::RepoId;

/// Whether `name` is free for a new Space in `user`'s namespace.
pub async fn check(
    services: &Services,
    user: &SignedIn,
    name: &str,
) -> Result<SpaceNameCheck, ApiError> {
    let name = name.trim();
    let repo_id = format!("{}/{name}", user.username);
    let id: RepoId = match repo_id.parse() {
        Ok(id) => id,
        Err(err) => {
            return Ok(SpaceNameCheck {
                repo_id,
                available: false,
                message: err.to_string(),
            })
        }
    };
    let exists = services
        .hub
        .repo_exists(RepoType::Space, &id, Some(&user.token()))
        .await
        .map_err(hub_error)?;
    Ok(SpaceNameCheck {
        repo_id: id.to_string(),
        available: !exists,
        message: if exists {
            format!("You already have a Space named {id}; pick another name or ask for a unique suffix.")
        } else {
            format!("{id} is free.")
        },
    })
}
