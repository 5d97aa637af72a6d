//! Launching a run and what the wizard asks before it: hardware with prices, whether a
//! Space name is free, the suggestions of this factory's Hub.
//!
//! Each server function's body runs on the server as the signed-in viewer (except the
//! suggestions, the same for everyone); the modules below are the server-only code behind
//! them.

#[cfg(feature = "ssr")]
mod hardware;
#[cfg(feature = "ssr")]
mod job;
#[cfg(feature = "ssr")]
mod space_name;

#[cfg(feature = "ssr")]
use super::server::{answer, as_viewer, context, viewer};
use super::{ApiError, HardwareOption, LaunchRequest, Launched, SpaceNameCheck, Suggestions};
use crate::api::json_text::JsonText;
use leptos::prelude::*;
use runs::cost::TokenPrice;

/// Launches a run; [`ApiError::Invalid`] names each field to fix.
#[server(prefix = "/api/fn", endpoint = "launch_run", input = JsonText, output = JsonText)]
pub async fn launch_run(launch: LaunchRequest) -> Result<Launched, ApiError> {
    as_viewer(|services, user| async move { job::launch(&services, &user, launch).await }).await
}

/// Job and Space hardware with prices (signed out: the public list, without the account's
/// own limits).
#[server(prefix = "/api/fn", endpoint = "hardware", input = JsonText, output = JsonText)]
pub async fn hardware() -> Result<Vec<HardwareOption>, ApiError> {
    let (services, parts) = answer(context())?;
    let user = answer(viewer::viewer_of(&parts).await)?;
    answer(hardware::list(&services, user.as_ref(), hardware::Priced::Jobs).await)
}

/// Space hardware with the Hub's Space prices.
#[server(prefix = "/api/fn", endpoint = "space_hardware", input = JsonText, output = JsonText)]
pub async fn space_hardware() -> Result<Vec<HardwareOption>, ApiError> {
    let (services, parts) = answer(context())?;
    let user = answer(viewer::viewer_of(&parts).await)?;
    answer(hardware::list(&services, user.as_ref(), hardware::Priced::Spaces).await)
}

/// The agent model's price per token, as the router publishes it (`None`: it publishes
/// none, and the provider bills per token at its own price).
#[server(prefix = "/api/fn", endpoint = "agent_model_price", input = JsonText, output = JsonText)]
pub async fn agent_model_price(model: String) -> Result<Option<TokenPrice>, ApiError> {
    let (services, parts) = answer(context())?;
    let user = answer(viewer::viewer_of(&parts).await)?;
    answer(hardware::model_price(&services, user.as_ref(), model.trim()).await)
}

/// What the wizards suggest on this factory's Hub (the same for everyone; no sign-in needed).
#[server(prefix = "/api/fn", endpoint = "wizard_suggestions", input = JsonText, output = JsonText)]
pub async fn wizard_suggestions() -> Result<Suggestions, ApiError> {
    let (services, _parts) = answer(context())?;
    Ok(services.suggestions.clone())
}

/// Whether a Space name is free in the signed-in user's namespace.
#[server(prefix = "/api/fn", endpoint = "check_space_name", input = JsonText, output = JsonText)]
pub async fn check_space_name(name: String) -> Result<SpaceNameCheck, ApiError> {
    as_viewer(|services, user| async move { space_name::check(&services, &user, &name).await })
        .await
}
