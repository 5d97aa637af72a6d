//! Who is signed in, as the pages see it.

use super::{ApiError, Me};
use crate::api::json_text::JsonText;
use leptos::prelude::*;

/// The signed-in user, or `None` (while the server renders a run page it read the data of
/// already, the viewer that data is for: [`prepared`](super::runs::page::prepared)).
#[server(prefix = "/api/fn", endpoint = "who_am_i", input = JsonText, output = JsonText)]
pub async fn who_am_i() -> Result<Option<Me>, ApiError> {
    use super::server::{answer, context, viewer};
    if let Some(data) = super::runs::page::prepared() {
        return Ok(data.me.clone());
    }
    let (services, parts) = answer(context())?;
    let user = answer(viewer::viewer_of(&parts).await)?;
    Ok(user.map(|user| viewer::me(&user, &services.requested_scopes)))
}
