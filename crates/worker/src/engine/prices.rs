//! Reading the prices a run is metered at from the Hub's live answers, once at the start:
//! Job and Space hardware per hour, and the agent model's price per token where the router
//! publishes one. A price the Hub does not give stays unknown (the spend then says so).

use super::meter::Prices;
use hub::jobs::HardwareFlavor;
use hub::{HubClient, Token};
use runs::cost::{self, PriceUnit, TokenPrice};
use runs::recipe::AgentOptions;
use std::collections::HashMap;

/// The prices for a run whose agent (if any) is `agent`, and a sentence for each price that
/// could not be read.
pub async fn read(
    hub: &HubClient,
    token: &Token,
    agent: Option<&AgentOptions>,
) -> (Prices, Vec<String>) {
    let mut missing = Vec::new();
    let job = match hub.jobs_hardware(Some(token)).await {
        Ok(list) => per_hour(&list),
        Err(e) => {
            missing.push(format!("the Job hardware prices could not be read: {e}"));
            HashMap::new()
        }
    };
    let space = match hub.spaces_hardware(Some(token)).await {
        Ok(list) => per_hour(&list),
        Err(e) => {
            missing.push(format!("the Space hardware prices could not be read: {e}"));
            HashMap::new()
        }
    };
    // A custom endpoint bills as it likes: the router knows nothing of it.
    let token_price = match agent.filter(|a| a.agent_base_url.is_none()) {
        Some(agent) => match hub.inference_model(&agent.agent_model, Some(token)).await {
            Ok(entry) => TokenPrice::of_providers(&entry.providers),
            Err(e) => {
                missing.push(format!(
                    "the price of {} could not be read from the router: {e}",
                    agent.agent_model
                ));
                None
            }
        },
        None => None,
    };
    let prices = Prices {
        job,
        space,
        token: token_price,
    };
    (prices, missing)
}

/// Each listed flavor's price per hour.
fn per_hour(list: &[HardwareFlavor]) -> HashMap<String, f64> {
    list.iter()
        .filter_map(|f| {
            let unit = PriceUnit::from_label(f.unit_label.as_deref());
            let price = cost::usd_per_hour(f.unit_cost_usd, f.unit_cost_micro_usd, unit)?;
            Some((f.name.clone(), price))
        })
        .collect()
}
