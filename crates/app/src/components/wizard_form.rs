//! One recipe's wizard: its options, the checks, the summary and the launch button.

use crate::api::{launch_run, space_hardware as space_hardware_list};
use crate::api::{
    ApiError, HardwareOption, LaunchRequest, Launched, Me, Suggestions, FREE_SPACE_HARDWARE,
};
use crate::components::check_field::CheckField;
use crate::components::cost_confirmation::{cost_sentence, CostConfirmation};
use crate::components::error_panel::ErrorPanel;
use crate::components::flavor_select::FlavorSelect;
use crate::components::hydration::hydrated_mark;
use crate::components::launch_summary::LaunchSummary;
use crate::components::mode_select::ModeSelect;
use crate::components::model_label::{ModelLabel, SuggestionList};
use crate::components::namespace_select::NamespaceSelect;
use crate::components::space_name_field::SpaceNameField;
use crate::components::text_field::TextField;
use crate::components::wizard_fields::{
    control_id, FormErrors, WizardFields, AGENT_API_KEY_FIELD, BUDGET_FIELD,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use runs::recipe::Field;
use runs::{Phase, PhaseStatus, Recipe};
use serde::{Deserialize, Serialize};

/// An earlier run to launch again: where it is, and its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunAgain {
    /// `owner/run_id`, for the notice's link.
    pub run: String,
    /// Its recipe and options as launched.
    pub recipe: Recipe,
    /// The Job hardware it ran on.
    pub job_flavor: Option<String>,
}

/// The form for `phase`, launching as `me`; on success the browser goes to the run page.
/// `again` fills it with an earlier run's options and Job hardware; otherwise it starts
/// from this Hub's `suggestions`.
#[component]
pub fn WizardForm(
    phase: Phase,
    me: Me,
    #[prop(into)] hardware: Signal<Vec<HardwareOption>>,
    #[prop(default = None)] again: Option<RunAgain>,
    #[prop(optional)] suggestions: Suggestions,
) -> impl IntoView {
    let form = WizardFields::new();
    match &again {
        Some(again) => form.fill(&again.recipe, again.job_flavor.as_deref()),
        None => form.suggest(&suggestions),
    }
    if let (Some(_), Some(budget)) = (&again, suggestions.default_budget_usd) {
        form.budget_usd.set(budget.to_string());
    }
    let Suggestions {
        agent_models,
        models,
        ..
    } = suggestions;
    let (model_labels, agent_model_labels) = (models.clone(), agent_models.clone());
    let owner = me.username.clone();
    let local = Memo::new(move |_| form.request(phase).err().unwrap_or_default());
    let errors = FormErrors {
        local,
        server: RwSignal::new(Vec::new()),
        submitted: RwSignal::new(false),
    };
    provide_context(errors);

    let launch = Action::new(|request: &LaunchRequest| launch_run(request.clone()));
    let failure = RwSignal::new(None::<ApiError>);
    let navigate = use_navigate();
    Effect::new(move || match launch.value().get() {
        Some(Ok(Launched { page, .. })) => navigate(&page, Default::default()),
        Some(Err(ApiError::Invalid(fields))) => {
            errors.server.set(fields);
            failure.set(None);
            focus_first_error(&errors);
        }
        Some(Err(err)) => failure.set(Some(err)),
        None => {}
    });

    let plan = me.plan;
    let cannot_pay = plan.launch_blocker();
    let runnable =
        phase.status() == PhaseStatus::Available && me.can_launch && cannot_pay.is_none();
    let sign_in_left = me.sign_in_minutes_left;
    if again.is_none() {
        if let Some(free) = plan.default_space_hardware() {
            form.text(Field::SpaceHardware).set(free.to_owned());
        }
    }
    let has_space_hardware = phase.takes(Field::SpaceHardware);
    let cost = Signal::derive(move || {
        let timeout = form.job_timeout_minutes.get().trim().parse::<u32>().ok();
        let space = if has_space_hardware {
            form.text(Field::SpaceHardware).get()
        } else {
            String::new()
        };
        hardware.with(|options| cost_sentence(&form.job_flavor.get(), timeout, &space, options))
    });
    // A Space is priced by the Hub's Space list (CPU basic is free for a Space, not for a
    // Job); it may run on ZeroGPU, which the Jobs' list does not name.
    let in_browser = crate::components::hydration::in_browser();
    let space_prices = LocalResource::new(space_hardware_list);
    let space_hardware = Signal::derive(move || {
        let listed = in_browser
            .get()
            .then(|| space_prices.get())
            .flatten()
            .and_then(Result::ok)
            .unwrap_or_default();
        with_zero_gpu(if listed.is_empty() {
            hardware.get()
        } else {
            listed
        })
    });
    let cpu_label = if plan.is_pro == Some(false) {
        "cpu-basic (needs PRO: choose ZeroGPU)"
    } else {
        "cpu-basic (free with PRO)"
    };
    let submit = move || {
        errors.submitted.set(true);
        errors.server.set(Vec::new());
        match form.request(phase) {
            Ok(request) => {
                failure.set(None);
                launch.dispatch(request);
            }
            Err(_) => focus_first_error(&errors),
        }
    };
    let submit_retry = submit;
    let hydrated = hydrated_mark();

    view! {
        <form
            class="wizard-form"
            novalidate
            data-phase=phase.id()
            data-hydrated=hydrated
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            {phase
                .takes(Field::ModelId)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::ModelId.name()
                            label="Model id"
                            value=form.text(Field::ModelId)
                            list="models"
                            placeholder="owner/model"
                            hint="A model on the Hub, e.g. Qwen/Qwen3-0.6B."
                        >
                            <ModelLabel value=form.text(Field::ModelId) suggestions=model_labels />
                        </TextField>
                        <SuggestionList id="models" suggestions=models />
                    }
                })}
            {phase
                .takes(Field::ArticleUrl)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::ArticleUrl.name()
                            label="Article URL"
                            value=form.text(Field::ArticleUrl)
                            kind="url"
                            placeholder="https://…"
                            hint="The article (or blog post) whose code the Space reproduces."
                        />
                    }
                })}
            {phase
                .takes(Field::ArticleText)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::ArticleText.name()
                            label="…or the article's text"
                            value=form.text(Field::ArticleText)
                            multiline=true
                            hint="Paste the article when it has no public URL."
                        />
                    }
                })}
            {phase
                .takes(Field::TargetSpace)
                .then(|| {
                    view! {
                        <SpaceNameField
                            value=form.text(Field::TargetSpace)
                            unique_suffix=form.flag(Field::UniqueSuffix)
                        />
                        <CheckField
                            field=Field::UniqueSuffix.name()
                            label="Add a fresh suffix to the name"
                            value=form.flag(Field::UniqueSuffix)
                            hint="Use this to run the recipe again without choosing a new name."
                        />
                    }
                })}
            {phase
                .takes(Field::AgentModel)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::AgentModel.name()
                            label="Pi model"
                            value=form.text(Field::AgentModel)
                            list="agent-models"
                            hint="The chat model the Pi agent drives, through Inference Providers."
                        >
                            <ModelLabel
                                value=form.text(Field::AgentModel)
                                suggestions=agent_model_labels
                            />
                        </TextField>
                        <SuggestionList id="agent-models" suggestions=agent_models />
                    }
                })}
            {phase
                .takes(Field::AgentBaseUrl)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::AgentBaseUrl.name()
                            label="Model endpoint (optional)"
                            value=form.text(Field::AgentBaseUrl)
                            kind="url"
                            placeholder="https://…/v1"
                            hint="An OpenAI-compatible URL serving the Pi model, instead of Inference Providers."
                        />
                        {move || {
                            form.asks_endpoint_key(phase)
                                .then(|| {
                                    view! {
                                        <TextField
                                            field=AGENT_API_KEY_FIELD
                                            label="Endpoint API key"
                                            value=form.agent_api_key
                                            kind="password"
                                            hint="The key that endpoint expects. Your Hugging Face token is never sent to other hosts; this key goes to the run's Job as a secret and is not kept with the run."
                                        />
                                    }
                                })
                        }}
                    }
                        .into_any()
                })}
            {phase
                .takes(Field::ImplementationMode)
                .then(|| view! { <ModeSelect value=form.implementation_mode /> })}
            {phase
                .takes(Field::AllowGpuFallback)
                .then(|| {
                    view! {
                        <CheckField
                            field=Field::AllowGpuFallback.name()
                            label="Allow a fixed GPU when ZeroGPU fails"
                            value=form.flag(Field::AllowGpuFallback)
                            hint="ZeroGPU is tried first; a fixed GPU costs per hour while the Space runs."
                        />
                    }
                })}
            {phase
                .takes(Field::SpaceHardware)
                .then(|| {
                    view! {
                        <FlavorSelect
                            field=Field::SpaceHardware.name()
                            label="Space hardware"
                            value=form.text(Field::SpaceHardware)
                            options=space_hardware
                            default_label=cpu_label
                            hint="Asked for when the Space is created. ZeroGPU is free (two Spaces per free account); a refusal is reported, not retried."
                        />
                    }
                })}
            {phase
                .takes(Field::ValidateSpace)
                .then(|| {
                    view! {
                        <TextField
                            field=Field::ValidateSpace.name()
                            label="Space to validate"
                            value=form.text(Field::ValidateSpace)
                            placeholder="owner/space"
                            hint="A Space on the Hub; or give a URL below instead."
                        />
                        <TextField
                            field=Field::ValidateUrl.name()
                            label="…or its URL"
                            value=form.text(Field::ValidateUrl)
                            kind="url"
                            placeholder="https://owner-space.hf.space"
                            hint="An app's address; leave empty when you gave a Space."
                        />
                        <TextField
                            field=Field::ApiName.name()
                            label="Endpoint (optional)"
                            value=form.text(Field::ApiName)
                            placeholder="/predict"
                            hint="Found automatically when left empty."
                        />
                        <TextField
                            field=Field::Inputs.name()
                            label="Inputs (optional, JSON array)"
                            value=form.text(Field::Inputs)
                            multiline=true
                            placeholder="[\"Hello\"]"
                            hint="One value per parameter of the endpoint."
                        />
                    }
                })}
            <fieldset class="job-options">
                <legend>"Job"</legend>
                <FlavorSelect
                    field="job_flavor"
                    label="Job hardware"
                    value=form.job_flavor
                    options=hardware
                    default_label="Server default"
                    hint="The machine the worker runs on, with the Hub's price."
                />
                <TextField
                    field="job_timeout_minutes"
                    label="Timeout (minutes)"
                    value=form.job_timeout_minutes
                    kind="number"
                    hint=TIMEOUT_HINT
                >
                    {sign_in_left
                        .map(|left| {
                            view! {
                                <p class="field-note sign-in-left">
                                    {format!(
                                        "Your sign-in lasts {left} more minutes, and the run works with it: it cannot run longer.",
                                    )}
                                </p>
                            }
                        })}
                </TextField>
                <TextField
                    field=BUDGET_FIELD
                    label="Budget (USD)"
                    value=form.budget_usd
                    hint="The run stops itself once its estimated spend (Job, Space and model tokens) reaches this."
                />
            </fieldset>
            <NamespaceSelect owner=owner.clone() orgs=me.orgs.clone() value=form.namespace />
            <CostConfirmation sentence=cost value=form.paid_hardware_confirmed />
            <LaunchSummary phase owner=owner.clone() form hardware space_hardware />
            {move || {
                failure
                    .get()
                    .map(|error| {
                        let retry = submit_retry;
                        view! { <ErrorPanel error retry=move |_| retry() /> }
                    })
            }}
            {cannot_pay
                .clone()
                .map(|why| {
                    view! {
                        <p class="notice warn cannot-pay" role="alert">
                            {why}
                            " "
                            <a href=crate::api::BILLING_URL rel="external noopener" target="_blank">
                                "Billing settings"
                            </a>
                        </p>
                    }
                })}
            <div class="actions">
                <button
                    type="submit"
                    class="button primary launch"
                    disabled=move || !runnable || launch.pending().get()
                >
                    {move || if launch.pending().get() { "Launching…" } else { "Launch run" }}
                </button>
                {(!runnable)
                    .then(|| {
                        view! {
                            <span class="muted">
                                {if cannot_pay.is_some() {
                                    "Your account cannot pay for runs yet."
                                } else if me.can_launch {
                                    "This recipe is not available yet."
                                } else {
                                    "Your sign-in cannot launch runs."
                                }}
                            </span>
                        }
                    })}
            </div>
        </form>
    }
}

/// The hardware list with ZeroGPU in it (first), for a Space's picker.
fn with_zero_gpu(mut options: Vec<HardwareOption>) -> Vec<HardwareOption> {
    if !options.iter().any(|o| o.name == FREE_SPACE_HARDWARE) {
        options.insert(
            0,
            HardwareOption {
                name: FREE_SPACE_HARDWARE.to_owned(),
                pretty_name: Some("ZeroGPU".to_owned()),
                usd_per_hour: Some(0.0),
                gpu: true,
            },
        );
    }
    options
}

/// Kept in step with [`MAX_TIMEOUT_MINUTES`] by the test below.
const TIMEOUT_HINT: &str = "The Job is stopped after this long: 1 to 1440 minutes.";

/// Moves keyboard focus to the first field with a message, so the user lands on it.
fn focus_first_error(errors: &FormErrors) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let first = errors
            .server
            .get_untracked()
            .into_iter()
            .chain(errors.local.get_untracked())
            .next();
        if let Some(field) = first {
            if let Some(element) = document()
                .get_element_by_id(&control_id(&field.field))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = element.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (errors, control_id);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_timeout_hint_names_the_limit() {
        assert!(super::TIMEOUT_HINT
            .contains(&crate::components::wizard_fields::MAX_TIMEOUT_MINUTES.to_string()));
    }
}
