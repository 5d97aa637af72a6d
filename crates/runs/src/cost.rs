//! What a run costs, in one vocabulary for the wizard's forecast, the worker's meter and the
//! pages: the Hub's prices read into per-hour and per-token terms, the budget a run is
//! launched with, the spend so far, and how a run stopped by its budget is recorded.
//!
//! Prices always come from the Hub's live answers (`GET /api/jobs/hardware`,
//! `GET /api/spaces/hardware`, the router's `GET /v1/models/{id}`); nothing here knows a
//! price of its own.

use serde::{Deserialize, Serialize};

/// The unit a hardware price is given in (`unitLabel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceUnit {
    /// Per second.
    Second,
    /// Per minute (what the Hub uses for Jobs and Spaces).
    Minute,
    /// Per hour.
    Hour,
}

impl PriceUnit {
    /// The unit a `unitLabel` names; a missing or unknown label is the Hub's minute.
    pub fn from_label(label: Option<&str>) -> PriceUnit {
        match label.map(str::trim) {
            Some("second") | Some("seconds") => PriceUnit::Second,
            Some("hour") | Some("hours") => PriceUnit::Hour,
            _ => PriceUnit::Minute,
        }
    }

    /// How many of this unit make an hour.
    fn per_hour(self) -> f64 {
        match self {
            PriceUnit::Second => 3600.0,
            PriceUnit::Minute => 60.0,
            PriceUnit::Hour => 1.0,
        }
    }
}

/// A hardware price per hour, from the Hub's price per `unit` (USD, or micro-USD when
/// only that is given); `None` when the Hub gave neither.
pub fn usd_per_hour(
    unit_cost_usd: Option<f64>,
    unit_cost_micro_usd: Option<f64>,
    unit: PriceUnit,
) -> Option<f64> {
    let per_unit = unit_cost_usd.or(unit_cost_micro_usd.map(|micro| micro / 1e6))?;
    per_unit
        .is_finite()
        .then(|| round(per_unit * unit.per_hour(), 1e-6))
}

/// What `hours` of hardware at `usd_per_hour` cost.
pub fn hardware_cost(usd_per_hour: f64, seconds: f64) -> f64 {
    usd_per_hour * seconds / 3600.0
}

/// A model's price per token, as the router publishes it (USD per million tokens).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TokenPrice {
    /// USD per million input (prompt) tokens.
    pub input_per_million: f64,
    /// USD per million output (completion) tokens.
    pub output_per_million: f64,
}

impl TokenPrice {
    /// What `input` and `output` tokens cost.
    pub fn cost(&self, input: u64, output: u64) -> f64 {
        (self.input_per_million * input as f64 + self.output_per_million * output as f64) / 1e6
    }

    /// The price of one router provider entry (`{"pricing": {"input", "output"}}`), when it
    /// publishes one.
    pub fn of_provider(provider: &serde_json::Value) -> Option<TokenPrice> {
        let pricing = &provider["pricing"];
        let input = pricing["input"].as_f64()?;
        let output = pricing["output"].as_f64()?;
        (input.is_finite() && output.is_finite() && input >= 0.0 && output >= 0.0).then_some(
            TokenPrice {
                input_per_million: input,
                output_per_million: output,
            },
        )
    }

    /// The price a run pays for a model served by `providers` (a `/v1/models/{id}`
    /// entry's list): the dearest live provider's, since the router may pick any of them;
    /// `None` when none publishes a price.
    pub fn of_providers(providers: &[serde_json::Value]) -> Option<TokenPrice> {
        providers
            .iter()
            .filter(|p| p["status"].as_str().is_none_or(|s| s == "live"))
            .filter_map(TokenPrice::of_provider)
            .max_by(|a, b| {
                (a.input_per_million + a.output_per_million)
                    .total_cmp(&(b.input_per_million + b.output_per_million))
            })
    }
}

/// What a run is launched with for its cost: the Job's hardware (priced by the worker from
/// the Hub's list) and the most it may spend. Part of the [`crate::RunSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostTerms {
    /// The Job's hardware flavor (`cpu-basic`, `t4-small`, …).
    pub job_flavor: String,
    /// The most the run may spend, USD; the worker stops itself when its estimate reaches
    /// it. `None`: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd: Option<f64>,
}

impl CostTerms {
    /// Why these terms cannot be run, if they cannot (a budget must be a positive amount).
    pub fn problem(&self) -> Option<String> {
        match self.budget_usd {
            Some(b) if !(b.is_finite() && b > 0.0) => {
                Some("a budget is a positive amount of US dollars".into())
            }
            _ => None,
        }
    }
}

/// Time on hardware and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardwareSpend {
    /// The flavor.
    pub flavor: String,
    /// Seconds billed so far.
    pub seconds: u64,
    /// Its price per hour, when the Hub lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_hour: Option<f64>,
    /// What it cost, when priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

/// The agent's tokens and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSpend {
    /// The model, as the run named it.
    pub model: String,
    /// Input tokens, summed over every turn.
    pub input_tokens: u64,
    /// Output tokens, summed over every turn.
    pub output_tokens: u64,
    /// The model's price, when the router publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<TokenPrice>,
    /// What the tokens cost, when priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

/// A run's spend so far, as the worker estimates it: written into `state.json` while the
/// run runs and at its end, so the run page and the runs list read one figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpend {
    /// The Job's time since the worker started.
    pub job: HardwareSpend,
    /// The target Space's time on its hardware while the run ran, once it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<HardwareSpend>,
    /// The agent's tokens, for recipes Pi works in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<TokenSpend>,
    /// The sum of the priced parts, USD.
    pub total_usd: f64,
    /// Whether a part has no price (then the total is a lower bound).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partly_unpriced: bool,
    /// The run's budget, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd: Option<f64>,
}

impl RunSpend {
    /// Sums `job`, `space` and `agent` into a spend under `budget_usd`.
    pub fn new(
        job: HardwareSpend,
        space: Option<HardwareSpend>,
        agent: Option<TokenSpend>,
        budget_usd: Option<f64>,
    ) -> RunSpend {
        let parts = [
            Some(job.usd),
            space.as_ref().map(|s| s.usd),
            agent.as_ref().map(|a| a.usd),
        ];
        let total_usd = parts.iter().flatten().flatten().sum();
        let partly_unpriced = parts.iter().flatten().any(Option::is_none);
        RunSpend {
            job,
            space,
            agent,
            total_usd,
            partly_unpriced,
            budget_usd,
        }
    }

    /// Whether the spend reached the budget.
    pub fn budget_reached(&self) -> bool {
        self.budget_usd.is_some_and(|b| self.total_usd >= b)
    }

    /// The total for a list: `$0.12`, `under $0.01`, with `+` when a part is unpriced.
    pub fn total_text(&self) -> String {
        let plus = if self.partly_unpriced { " +" } else { "" };
        format!("{}{plus}", usd(self.total_usd))
    }
}

/// Why the worker stopped a run itself, recorded in `state.json` with the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stopped {
    /// The worker's estimate of the spend reached the run's budget.
    BudgetReached {
        /// The budget, USD.
        budget_usd: f64,
        /// The estimate when it stopped, USD.
        spent_usd: f64,
        /// The Space the worker paused because it ran on paid hardware, if it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paused_space: Option<String>,
    },
}

impl Stopped {
    /// One sentence for the record's verdict.
    pub fn describe(&self) -> String {
        match self {
            Stopped::BudgetReached {
                budget_usd,
                spent_usd,
                paused_space,
            } => {
                let paused = paused_space
                    .as_deref()
                    .map(|s| format!("; the Space {s} was paused"))
                    .unwrap_or_default();
                format!(
                    "Stopped: budget reached (budget {}, spent {}){paused}",
                    usd(*budget_usd),
                    usd(*spent_usd)
                )
            }
        }
    }
}

/// The most a run can cost, for the wizard's forecast: its Job for the whole timeout
/// (`job_max`), its Space on its hardware for as long (`space_max`; `Some(0.0)` when free or
/// when the recipe makes none) and the agent's tokens, which have no fixed bound unless
/// they are free (`tokens_bounded`), all capped by the budget. `None` when it cannot be
/// computed (a price is unknown and there is no budget).
pub fn worst_case(
    job_max: Option<f64>,
    space_max: Option<f64>,
    tokens_bounded: bool,
    budget: Option<f64>,
) -> Option<f64> {
    let sum = match (job_max, space_max, tokens_bounded) {
        (Some(job), Some(space), true) => Some(job + space),
        _ => None,
    };
    match (sum, budget) {
        (Some(sum), Some(budget)) => Some(sum.min(budget)),
        (sum, budget) => sum.or(budget),
    }
}

/// An amount as people read it: `$0.60`, `$12.00`; a positive amount under a cent is
/// `under $0.01` (not a misleading `$0.00`), and nothing is `$0.00`.
pub fn usd(amount: f64) -> String {
    if amount > 0.0 && amount < 0.01 {
        "under $0.01".into()
    } else {
        format!("${amount:.2}")
    }
}

fn round(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hardware_prices_are_read_per_second_minute_and_hour() {
        let hour = |usd, micro, label| usd_per_hour(usd, micro, PriceUnit::from_label(label));
        assert_eq!(hour(Some(0.01), None, Some("minute")), Some(0.6));
        assert_eq!(hour(None, Some(6_667.0), None), Some(0.40002));
        assert_eq!(hour(Some(0.0001), None, Some("second")), Some(0.36));
        assert_eq!(hour(Some(2.5), None, Some("hour")), Some(2.5));
        assert_eq!(hour(None, None, Some("minute")), None);
        assert_eq!(hour(Some(f64::NAN), None, None), None);
        assert!((hardware_cost(0.6, 30.0 * 60.0) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn token_prices_are_per_million_and_the_dearest_live_provider_counts() {
        let price = TokenPrice {
            input_per_million: 0.2,
            output_per_million: 0.8,
        };
        assert!((price.cost(1_000_000, 500_000) - 0.6).abs() < 1e-12);
        let providers = [
            json!({"provider": "a", "status": "live", "pricing": {"input": 0.1, "output": 0.3}}),
            json!({"provider": "b", "status": "live", "pricing": {"input": 0.2, "output": 0.8}}),
            json!({"provider": "c", "status": "staging", "pricing": {"input": 9.0, "output": 9.0}}),
            json!({"provider": "d", "status": "live"}),
        ];
        assert_eq!(TokenPrice::of_providers(&providers), Some(price));
        assert_eq!(TokenPrice::of_providers(&providers[3..]), None);
        assert_eq!(TokenPrice::of_providers(&[]), None);
    }

    #[test]
    fn the_worst_case_sums_what_is_bounded_and_the_budget_caps_it() {
        assert_eq!(worst_case(Some(0.5), Some(0.0), true, None), Some(0.5));
        assert_eq!(worst_case(Some(0.5), Some(1.0), true, Some(1.0)), Some(1.0));
        assert_eq!(
            worst_case(Some(0.5), Some(0.0), false, Some(2.0)),
            Some(2.0)
        );
        assert_eq!(worst_case(None, Some(0.0), true, None), None);
        assert_eq!(worst_case(Some(0.5), Some(0.0), false, None), None);
    }

    #[test]
    fn amounts_under_a_cent_are_said_so_and_nothing_is_zero() {
        assert_eq!(usd(0.005), "under $0.01");
        assert_eq!(usd(0.0099), "under $0.01");
        assert_eq!(usd(0.01), "$0.01");
        assert_eq!(usd(0.000_01), "under $0.01");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.6), "$0.60");
        assert_eq!(usd(12.0), "$12.00");
    }

    #[test]
    fn a_spend_sums_its_priced_parts_and_says_when_a_part_is_unpriced() {
        let job = HardwareSpend {
            flavor: "cpu-basic".into(),
            seconds: 3600,
            usd_per_hour: Some(0.01),
            usd: Some(0.01),
        };
        let agent = TokenSpend {
            model: "m/x".into(),
            input_tokens: 10,
            output_tokens: 5,
            price: None,
            usd: None,
        };
        let spend = RunSpend::new(job.clone(), None, Some(agent), Some(0.01));
        assert!(spend.partly_unpriced);
        assert!(spend.budget_reached());
        assert_eq!(spend.total_text(), "$0.01 +");
        let priced = RunSpend::new(job, None, None, Some(0.02));
        assert!(!priced.partly_unpriced && !priced.budget_reached());
        assert!(!RunSpend::new(priced.job.clone(), None, None, None).budget_reached());
    }

    #[test]
    fn a_budget_stop_is_recorded_with_its_figures() {
        let stopped = Stopped::BudgetReached {
            budget_usd: 0.5,
            spent_usd: 0.51,
            paused_space: Some("alice/app".into()),
        };
        let json = serde_json::to_value(&stopped).unwrap();
        assert_eq!(json["reason"], "budget_reached");
        assert_eq!(json["budget_usd"], 0.5);
        assert_eq!(serde_json::from_value::<Stopped>(json).unwrap(), stopped);
        let text = stopped.describe();
        assert!(
            text.starts_with("Stopped: budget reached")
                && text.contains("$0.51")
                && text.contains("alice/app"),
            "{text}"
        );
        let bad = CostTerms {
            job_flavor: "cpu-basic".into(),
            budget_usd: Some(0.0),
        };
        assert!(bad.problem().is_some());
    }
}
