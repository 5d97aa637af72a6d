//! What a launch will do and what it may cost, shown before the launch button.

use crate::api::HardwareOption;
use crate::components::format::usd;
use crate::components::wizard_fields::WizardFields;
use leptos::prelude::*;
use runs::recipe::Field;
use runs::Phase;

/// The flavor the server uses when the form leaves the Job's flavor empty.
const DEFAULT_JOB_FLAVOR: &str = "cpu-basic";
/// The hardware a new Space gets when the form leaves it empty.
const DEFAULT_SPACE_HARDWARE: &str = "cpu-basic";

/// A plain list of the run's effects (Job, Space, agent) with the worst-case Job cost and
/// the Space's hourly price, recomputed as the form changes.
#[component]
pub fn LaunchSummary(
    phase: Phase,
    owner: String,
    form: WizardFields,
    #[prop(into)] hardware: Signal<Vec<HardwareOption>>,
) -> impl IntoView {
    let makes_space = phase.takes(Field::TargetSpace);
    let price = move |name: &str| {
        hardware.with(|list| {
            list.iter()
                .find(|h| h.name == name)
                .and_then(|h| h.usd_per_hour)
        })
    };
    let job_line = move || {
        let flavor = non_empty(form.job_flavor.get()).unwrap_or_else(|| DEFAULT_JOB_FLAVOR.into());
        let minutes = form.job_timeout_minutes.get().trim().parse::<u32>().ok();
        let cost = match (price(&flavor), minutes) {
            (Some(p), Some(m)) => format!(
                ", at most {} if it runs the full {m} min",
                usd(p * f64::from(m) / 60.0)
            ),
            (Some(p), None) => format!(" at {}/h", usd(p)),
            (None, _) => ", price not listed".into(),
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
        let hw = non_empty(form.text(Field::SpaceHardware).get())
            .unwrap_or_else(|| DEFAULT_SPACE_HARDWARE.into());
        let cost = match price(&hw) {
            Some(p) if p > 0.0 => {
                format!("; it costs {}/h while running — pause it when done", usd(p))
            }
            Some(_) => "; free hardware".into(),
            None => String::new(),
        };
        format!("Creates the private Space {space_owner}/{name}{suffix} on {hw}{cost}.")
    };
    let agent_line = move || {
        let model = non_empty(form.text(Field::AgentModel).get()).unwrap_or_else(|| "…".into());
        match runs::demo::label(&model) {
            Some(label) => format!("Drives the Pi coding agent with {model} ({label}), served by the embedded hub at no cost."),
            None => format!("Drives the Pi coding agent with {model} through Inference Providers, billed to your account per token."),
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
        </section>
    }
}

fn non_empty(value: String) -> Option<String> {
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}
