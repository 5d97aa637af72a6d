//! The Job hardware list with prices, as the wizards' pickers and cost summary show it.

use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, HardwareOption};
use hub::jobs::HardwareFlavor;

/// Every Job flavor the Hub lists, with its hourly price.
pub async fn list(
    services: &Services,
    user: Option<&SignedIn>,
) -> Result<Vec<HardwareOption>, ApiError> {
    let token = user.map(SignedIn::token);
    let flavors = services
        .hub
        .jobs_hardware(token.as_ref())
        .await
        .map_err(hub_error)?;
    Ok(flavors.iter().map(option).collect())
}

/// One flavor, priced per hour.
fn option(flavor: &HardwareFlavor) -> HardwareOption {
    let per_unit = flavor
        .unit_cost_usd
        .or(flavor.unit_cost_micro_usd.map(|micro| micro / 1e6));
    let per_hour = match flavor.unit_label.as_deref() {
        Some("hour") => per_unit,
        Some("second") => per_unit.map(|p| p * 3600.0),
        // The Hub prices Jobs per minute.
        _ => per_unit.map(|p| p * 60.0),
    };
    HardwareOption {
        name: flavor.name.clone(),
        pretty_name: flavor.pretty_name.clone(),
        usd_per_hour: per_hour.map(|p| (p * 10_000.0).round() / 10_000.0),
        gpu: flavor.accelerator.as_ref().is_some_and(|a| !a.is_null()),
    }
}
