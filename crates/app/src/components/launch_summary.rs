//! What a launch will do and the most it may cost, shown before the launch button: the
//! Job's hardware for its whole timeout, the Space's hardware per hour while it runs, the
//! agent model's price per token, and the worst case in all, from the Hub's live prices.

use crate::api::{agent_model_price, HardwareOption};
use crate::components::format::usd;
use crate::components::hydration::in_browser;
use crate::components::wizard_fields::WizardFields;
use leptos::prelude::*;
use runs::cost::TokenPrice;
use runs::hardware::{FALLBACK_GPU, ZERO_GPU};
use runs::recipe::Field;
use runs::Phase;

/// The flavor the server uses when the form leaves the Job's flavor empty.
const DEFAULT_JOB_FLAVOR: &str = "cpu-basic";
/// The hardware a new Space gets when the form leaves it empty.
const DEFAULT_SPACE_HARDWARE: &str = "cpu-basic";

/// The agent model's price as the router answered: still asking, published, or not.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ModelPrice {
    Asking,
    Published(TokenPrice),
    Unpublished,
}

/// A plain list of the run's effects (Job, Space, agent), each with its price, and the most
/// the run can cost in all; recomputed as the form changes. `hardware` prices Jobs,
/// `space_hardware` Spaces.
#[component]
pub fn LaunchSummary(
    phase: Phase,
    owner: String,
    form: WizardFields,
    #[prop(into)] hardware: Signal<Vec<HardwareOption>>,
    #[prop(into)] space_hardware: Signal<Vec<HardwareOption>>,
) -> impl IntoView {
    let makes_space = phase.takes(Field::TargetSpace);
    // Phase 8 takes no Space hardware: its worker asks for ZeroGPU first.
    let picks_space_hardware = phase.takes(Field::SpaceHardware);
    let price_in = |list: Signal<Vec<HardwareOption>>, name: &str| {
        list.with(|list| {
            list.iter()
                .find(|h| h.name == name)
                .and_then(|h| h.usd_per_hour)
        })
    };
    let timeout_minutes = move || form.job_timeout_minutes.get().trim().parse::<u32>().ok();
    let job_flavor =
        move || non_empty(form.job_flavor.get()).unwrap_or_else(|| DEFAULT_JOB_FLAVOR.into());
    let job_max = move || {
        let per_hour = price_in(hardware, &job_flavor())?;
        Some(per_hour * f64::from(timeout_minutes()?) / 60.0)
    };
    let space_flavor = move || {
        non_empty(form.text(Field::SpaceHardware).get())
            .unwrap_or_else(|| DEFAULT_SPACE_HARDWARE.into())
    };
    // What the Space costs per hour at most: its hardware, or for phase 8 the fixed GPU
    // when one is allowed (ZeroGPU and the default are tried before it).
    let space_per_hour = move || -> Option<f64> {
        if !makes_space {
            return Some(0.0);
        }
        if picks_space_hardware {
            price_in(space_hardware, &space_flavor())
        } else if form.flag(Field::AllowGpuFallback).get() {
            price_in(space_hardware, FALLBACK_GPU)
        } else {
            price_in(space_hardware, ZERO_GPU)
        }
    };
    let agent_model = move || non_empty(form.text(Field::AgentModel).get());
    let own_endpoint = move || non_empty(form.text(Field::AgentBaseUrl).get()).is_some();
    // Asked from the browser only, as the model is typed.
    let in_browser = in_browser();
    let model_price = LocalResource::new(move || {
        let model = (phase.uses_agent() && !own_endpoint())
            .then(agent_model)
            .flatten();
        async move {
            match model {
                Some(model) => match agent_model_price(model).await {
                    Ok(Some(price)) => ModelPrice::Published(price),
                    _ => ModelPrice::Unpublished,
                },
                None => ModelPrice::Unpublished,
            }
        }
    });
    let model_price = move || {
        in_browser
            .get()
            .then(|| model_price.get())
            .flatten()
            .unwrap_or(ModelPrice::Asking)
    };
    let budget = move || {
        form.budget_usd
            .get()
            .trim()
            .trim_start_matches('$')
            .parse::<f64>()
            .ok()
            .filter(|b| b.is_finite() && *b > 0.0)
    };

    let job_line = move || {
        let flavor = job_flavor();
        let cost = match (price_in(hardware, &flavor), timeout_minutes(), job_max()) {
            (Some(p), Some(m), Some(max)) => {
                format!(
                    " at {}/h: {} if it runs the full {m} min",
                    usd(p),
                    at_most(max)
                )
            }
            (Some(p), _, _) => format!(" at {}/h", usd(p)),
            (None, _, _) => ", price not listed".into(),
        };
        format!("Runs one Hugging Face Job on {flavor} in your account{cost}.")
    };
    let space_owner = owner.clone();
    let space_line = move || {
        let name = non_empty(form.text(Field::TargetSpace).get()).unwrap_or_else(|| "…".into());
        let suffix = if form.flag(Field::UniqueSuffix).get() {
            " (with a fresh suffix)"
        } else {
            ""
        };
        let space = format!("the private Space {space_owner}/{name}{suffix}");
        if picks_space_hardware {
            let hw = space_flavor();
            format!(
                "Creates {space} on {hw}{}.",
                hourly(price_in(space_hardware, &hw))
            )
        } else {
            let fallback = if form.flag(Field::AllowGpuFallback).get() {
                format!(
                    ", then the fixed GPU {FALLBACK_GPU}{}",
                    hourly(price_in(space_hardware, FALLBACK_GPU))
                )
            } else {
                String::new()
            };
            format!(
                "Creates {space}, asking for ZeroGPU ({ZERO_GPU}){} first{fallback}, then the Hub's default hardware.",
                hourly(price_in(space_hardware, ZERO_GPU))
            )
        }
    };
    let agent_line = move || {
        let model = agent_model().unwrap_or_else(|| "…".into());
        if let Some(label) = runs::demo::label(&model) {
            return format!(
                "Drives the Pi coding agent with {model} ({label}), served by the embedded hub at no cost."
            );
        }
        if own_endpoint() {
            return format!(
                "Drives the Pi coding agent with {model} on your endpoint, billed by it as it bills."
            );
        }
        match model_price() {
            ModelPrice::Published(price) => format!(
                "Drives the Pi coding agent with {model} through Inference Providers at ${} per million input tokens and ${} per million output tokens.",
                price.input_per_million, price.output_per_million
            ),
            ModelPrice::Unpublished => format!(
                "Drives the Pi coding agent with {model} through Inference Providers, billed per token by the provider."
            ),
            ModelPrice::Asking => format!(
                "Drives the Pi coding agent with {model} through Inference Providers (asking the router for its price…)."
            ),
        }
    };
    let worst_line = move || {
        let space_max = space_per_hour()
            .zip(timeout_minutes())
            .map(|(p, m)| p * f64::from(m) / 60.0);
        let tokens_bounded = !phase.uses_agent()
            || agent_model().is_some_and(|m| runs::demo::label(&m).is_some())
            || matches!(model_price(), ModelPrice::Published(p) if p.cost(1, 1) == 0.0);
        let budget = budget();
        match runs::cost::worst_case(job_max(), space_max, tokens_bounded, budget) {
            Some(most) if budget.is_some_and(|b| most >= b) => format!(
                "In all, the run stops itself once it has spent its budget of {}.",
                usd(most)
            ),
            Some(most) => format!("In all, {} while the run runs.", at_most(most)),
            None => {
                "The most it can cost in all cannot be computed: set a budget to cap it.".into()
            }
        }
    };
    view! {
        <section class="launch-summary" aria-labelledby="summary-title">
            <h2 id="summary-title">"What will happen"</h2>
            <p>{phase.summary()}</p>
            <ul>
                <li class="summary-job">{job_line}</li>
                {makes_space.then(|| view! { <li class="summary-space">{space_line}</li> })}
                {phase.uses_agent().then(|| view! { <li class="summary-agent">{agent_line}</li> })}
                <li>
                    {format!(
                        "Writes the run's record to your private bucket {owner}/space-factory-runs.",
                    )}
                </li>
            </ul>
            <p class="summary-worst">{worst_line}</p>
        </section>
    }
}

/// `at most $0.30`, or `under $0.01`.
fn at_most(amount: f64) -> String {
    let text = usd(amount);
    if text.starts_with("under") {
        text
    } else {
        format!("at most {text}")
    }
}

/// `, free`, ` at $0.40/h while it runs (pause it when done)`, or nothing when unlisted.
fn hourly(price: Option<f64>) -> String {
    match price {
        Some(p) if p > 0.0 => format!(" at {}/h while it runs (pause it when done)", usd(p)),
        Some(_) => ", free".into(),
        None => String::new(),
    }
}

fn non_empty(value: String) -> Option<String> {
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}
