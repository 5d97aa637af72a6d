//! The Job hardware list with prices, as the wizards' pickers and cost summary show it.

use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, HardwareOption};
use hub::jobs::HardwareFlavor;
use runs::cost::{self, PriceUnit, TokenPrice};

/// Which of the Hub's hardware lists: a Space's price is not its Job's (CPU basic is free
/// for a Space).
#[derive(Debug, Clone, Copy)]
pub enum Priced {
    /// `GET /api/jobs/hardware`.
    Jobs,
    /// `GET /api/spaces/hardware`.
    Spaces,
}

/// Every flavor the Hub lists for `which`, with its hourly price.
pub async fn list(
    services: &Services,
    user: Option<&SignedIn>,
    which: Priced,
) -> Result<Vec<HardwareOption>, ApiError> {
    let token = user.map(SignedIn::token);
    let flavors = match which {
        Priced::Jobs => services.hub.jobs_hardware(token.as_ref()).await,
        Priced::Spaces => services.hub.spaces_hardware(token.as_ref()).await,
    }
    .map_err(hub_error)?;
    Ok(flavors.iter().map(option).collect())
}

/// What the router publishes for `model`'s price per token: `None` when it lists the model
/// without a price, or does not list it.
pub async fn model_price(
    services: &Services,
    user: Option<&SignedIn>,
    model: &str,
) -> Result<Option<TokenPrice>, ApiError> {
    let token = user.map(SignedIn::token);
    match services.hub.inference_model(model, token.as_ref()).await {
        Ok(entry) => Ok(TokenPrice::of_providers(&entry.providers)),
        Err(hub::HubError::NotFound { .. }) => Ok(None),
        Err(e) => Err(hub_error(e)),
    }
}

/// One flavor, priced per hour.
fn option(flavor: &HardwareFlavor) -> HardwareOption {
    let unit = PriceUnit::from_label(flavor.unit_label.as_deref());
    HardwareOption {
        name: flavor.name.clone(),
        pretty_name: flavor.pretty_name.clone(),
        usd_per_hour: cost::usd_per_hour(flavor.unit_cost_usd, flavor.unit_cost_micro_usd, unit),
        gpu: flavor.accelerator.as_ref().is_some_and(|a| !a.is_null()),
    }
}
