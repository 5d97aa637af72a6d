//! Who is signed in, as the pages see it.

use super::{ApiError, Me};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The signed-in user, or `None`.
#[server(prefix = "/api/fn", endpoint = "who_am_i", input = Json)]
pub async fn who_am_i() -> Result<Option<Me>, ApiError> {
    use super::server::{answer, context, viewer};
    let (services, parts) = answer(context())?;
    let user = answer(viewer::viewer_of(&parts).await)?;
    Ok(user.map(|user| viewer::me(&user, &services.requested_scopes)))
}
