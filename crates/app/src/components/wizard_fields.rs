//! The wizard's form state and its checks: which fields a recipe asks for, how they become
//! a [`LaunchRequest`], and the errors to show beside each field.
//!
//! The browser checks with the same rules the server and the worker apply
//! ([`runs::RunSpec::validate`]), plus the parsing a form needs (ids, JSON, numbers); the
//! server's own [`FieldError`]s are shown the same way.

use crate::api::{LaunchRequest, Suggestions};
use leptos::prelude::*;
use runs::job::{EndpointKey, ENDPOINT_KEY_NEEDED};
use runs::recipe::{Field, FieldKind};
use runs::{FieldError, ImplementationMode, Phase, Recipe};

/// The longest Job timeout the wizard offers, in minutes (one day).
pub const MAX_TIMEOUT_MINUTES: u32 = 24 * 60;

/// Models the Pi agent is known to drive well; any Inference Providers chat model may be typed.
pub const AGENT_MODELS: [&str; 4] = [
    "Qwen/Qwen3-Coder-Next",
    "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "moonshotai/Kimi-K2-Instruct",
    "openai/gpt-oss-120b",
];

/// The form field of the cost confirmation a dedicated GPU needs (shown only then).
pub const PAID_HARDWARE_FIELD: &str = "paid_hardware_confirmed";

/// The form field of a custom model endpoint's own API key (shown only once a base URL is
/// typed; [`LaunchRequest::agent_api_key`]).
pub const AGENT_API_KEY_FIELD: &str = "agent_api_key";

/// Every input of every wizard: one value per recipe [`Field`] (each recipe shows the ones
/// [`fields_for`] names), plus a custom endpoint's key and the Job's hardware, timeout and
/// cost confirmation.
#[derive(Clone, Copy)]
pub struct WizardFields {
    /// The text of each text, id or JSON field, by [`Field::index`].
    texts: [RwSignal<String>; Field::ALL.len()],
    /// The state of each checkbox field, by [`Field::index`].
    flags: [RwSignal<bool>; Field::ALL.len()],
    /// How far an agent phase may go (the one field of its kind).
    pub implementation_mode: RwSignal<ImplementationMode>,
    /// The custom model endpoint's key, as typed (never filled from an earlier run).
    pub agent_api_key: RwSignal<String>,
    pub job_flavor: RwSignal<String>,
    pub job_timeout_minutes: RwSignal<String>,
    pub paid_hardware_confirmed: RwSignal<bool>,
    /// Where the run records: empty for the user's own namespace, else one of their orgs.
    pub namespace: RwSignal<String>,
    /// The run's budget in USD, as typed ([`BUDGET_FIELD`]); empty: the server's default.
    pub budget_usd: RwSignal<String>,
}

/// The form field of the run's budget.
pub const BUDGET_FIELD: &str = "budget_usd";

impl WizardFields {
    /// An empty form with the defaults the recipes start from.
    pub fn new() -> Self {
        let form = WizardFields {
            texts: std::array::from_fn(|_| RwSignal::new(String::new())),
            flags: std::array::from_fn(|_| RwSignal::new(false)),
            implementation_mode: RwSignal::new(ImplementationMode::default()),
            agent_api_key: RwSignal::new(String::new()),
            job_flavor: RwSignal::new(String::new()),
            job_timeout_minutes: RwSignal::new("30".to_owned()),
            paid_hardware_confirmed: RwSignal::new(false),
            namespace: RwSignal::new(String::new()),
            budget_usd: RwSignal::new(String::new()),
        };
        form.text(Field::AgentModel).set(AGENT_MODELS[0].to_owned());
        form
    }

    /// The text input of `field` (a text, id or JSON field).
    pub fn text(&self, field: Field) -> RwSignal<String> {
        self.texts[field.index()]
    }

    /// The checkbox of `field` (a flag).
    pub fn flag(&self, field: Field) -> RwSignal<bool> {
        self.flags[field.index()]
    }

    /// Starts the form from the Hub's suggestions: the first agent model, the first model,
    /// the suggested article (each only when there is one).
    pub fn suggest(&self, suggestions: &Suggestions) {
        if let Some(first) = suggestions.agent_models.first() {
            self.text(Field::AgentModel).set(first.id.clone());
        }
        if let Some(first) = suggestions.models.first() {
            self.text(Field::ModelId).set(first.id.clone());
        }
        if let Some(url) = &suggestions.article_url {
            self.text(Field::ArticleUrl).set(url.clone());
        }
        if let Some(budget) = suggestions.default_budget_usd {
            self.budget_usd.set(budget.to_string());
        }
    }

    /// Whether the form asks for a custom model endpoint's key: `phase` takes a base URL and
    /// one is typed.
    pub fn asks_endpoint_key(&self, phase: Phase) -> bool {
        phase.takes(Field::AgentBaseUrl) && !self.text(Field::AgentBaseUrl).get().trim().is_empty()
    }

    /// Fills the form with an earlier run's recipe ("Run again"); the Job's timeout is not
    /// in what a run records, so it keeps the form's default, and an endpoint's key is
    /// never recorded, so it stays empty.
    pub fn fill(&self, recipe: &Recipe, job_flavor: Option<&str>) {
        for (key, value) in recipe.params() {
            let Some(field) = recipe
                .phase()
                .fields()
                .iter()
                .map(|f| f.field)
                .find(|f| f.name() == key)
            else {
                continue;
            };
            match field.kind() {
                FieldKind::Flag => self.flag(field).set(value.as_bool().unwrap_or_default()),
                FieldKind::Mode => {
                    if let Ok(mode) = serde_json::from_value(value) {
                        self.implementation_mode.set(mode);
                    }
                }
                FieldKind::Text | FieldKind::Repo | FieldKind::Json => {
                    self.text(field).set(match value {
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    })
                }
            }
        }
        if let Some(flavor) = job_flavor {
            self.job_flavor.set(flavor.to_owned());
        }
    }

    /// The request this form describes for `phase`, or every problem with it: the recipe's
    /// options are read from the fields it takes ([`Phase::fields`]) and checked by
    /// [`Recipe::from_params`], as the server and the worker check them.
    pub fn request(&self, phase: Phase) -> Result<LaunchRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut params = serde_json::Map::new();
        for field in phase.fields().iter().map(|f| f.field) {
            let value = match field.kind() {
                FieldKind::Flag => self
                    .flag(field)
                    .get()
                    .then_some(serde_json::Value::Bool(true)),
                FieldKind::Mode => serde_json::to_value(self.implementation_mode.get()).ok(),
                FieldKind::Json => Some(self.text(field).get().trim().to_owned())
                    .filter(|raw| !raw.is_empty())
                    .and_then(|raw| {
                        serde_json::from_str(&raw)
                            .map_err(|err| {
                                errors.push(error(field.name(), format!("not valid JSON: {err}")))
                            })
                            .ok()
                    }),
                FieldKind::Text | FieldKind::Repo => {
                    let value = self.text(field).get().trim().to_owned();
                    (!value.is_empty()).then_some(serde_json::Value::String(value))
                }
            };
            if let Some(value) = value {
                params.insert(field.name().to_owned(), value);
            }
        }
        let recipe = Recipe::from_params(phase, serde_json::Value::Object(params))
            .map_err(|refused| errors.extend(refused.0))
            .ok();
        let timeout = match self.job_timeout_minutes.get().trim() {
            "" => None,
            raw => match raw.parse::<u32>() {
                Ok(minutes) if (1..=MAX_TIMEOUT_MINUTES).contains(&minutes) => Some(minutes),
                _ => {
                    errors.push(error(
                        "job_timeout_minutes",
                        format!("a whole number of minutes from 1 to {MAX_TIMEOUT_MINUTES}"),
                    ));
                    None
                }
            },
        };
        let agent_api_key = if self.asks_endpoint_key(phase) {
            let key = EndpointKey::new(&self.agent_api_key.get());
            if key.is_none() {
                errors.push(error(AGENT_API_KEY_FIELD, ENDPOINT_KEY_NEEDED.into()));
            }
            key
        } else {
            None
        };
        let budget_usd = match self.budget_usd.get().trim().trim_start_matches('$') {
            "" => None,
            raw => match raw.parse::<f64>() {
                Ok(budget) if budget.is_finite() && budget > 0.0 => Some(budget),
                _ => {
                    errors.push(error(
                        BUDGET_FIELD,
                        "a budget is a positive amount of US dollars, like 2 or 0.50".into(),
                    ));
                    None
                }
            },
        };
        let job_flavor = Some(self.job_flavor.get().trim().to_owned()).filter(|f| !f.is_empty());
        let space_hardware = recipe
            .as_ref()
            .and_then(Recipe::space)
            .and_then(|space| space.space_hardware.clone());
        let paid = job_flavor
            .iter()
            .chain(space_hardware.iter())
            .any(|f| runs::hardware::is_paid_gpu(f));
        if paid && !self.paid_hardware_confirmed.get() {
            errors.push(error(
                PAID_HARDWARE_FIELD,
                "a dedicated GPU bills by the hour: confirm its cost, or choose CPU or ZeroGPU"
                    .into(),
            ));
        }
        // A field that failed to parse is reported once, by its parse error; errors come in
        // the form's order.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert(e.field.clone()));
        let order = fields_for(phase);
        errors.sort_by_key(|e| {
            order
                .iter()
                .position(|f| *f == e.field)
                .unwrap_or(order.len())
        });
        match recipe {
            Some(recipe) if errors.is_empty() => Ok(LaunchRequest {
                recipe: recipe.into(),
                job_flavor,
                job_timeout_minutes: timeout,
                paid_hardware_confirmed: self.paid_hardware_confirmed.get(),
                agent_api_key,
                namespace: Some(self.namespace.get()).filter(|ns| !ns.is_empty()),
                budget_usd,
            }),
            _ => Err(errors),
        }
    }
}

impl Default for WizardFields {
    fn default() -> Self {
        Self::new()
    }
}

/// The fields a recipe's form shows, in order: the recipe's own options
/// ([`Phase::fields`]), a custom endpoint's key right after its base URL, then the Job's
/// hardware and timeout, which every recipe has.
pub fn fields_for(phase: Phase) -> Vec<&'static str> {
    let mut fields = Vec::new();
    for field in phase.fields().iter().map(|f| f.field) {
        fields.push(field.name());
        if field == Field::AgentBaseUrl {
            fields.push(AGENT_API_KEY_FIELD);
        }
    }
    fields.extend(["job_flavor", "job_timeout_minutes", BUDGET_FIELD]);
    fields
}

fn error(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message,
    }
}

/// The errors the form shows: the browser's own (from the first press of launch on, so the
/// layout does not shift under the pointer while the form is being filled) and the
/// server's last answer. Shared with the fields through context.
#[derive(Clone, Copy)]
pub struct FormErrors {
    /// The browser's checks of the current values.
    pub local: Memo<Vec<FieldError>>,
    /// The server's [`crate::api::ApiError::Invalid`] fields from the last launch.
    pub server: RwSignal<Vec<FieldError>>,
    /// Whether launch was pressed (then every error shows).
    pub submitted: RwSignal<bool>,
}

impl FormErrors {
    /// The message to show beside `field`, if any.
    pub fn for_field(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            let server = self.server.with(|errors| find(errors, field));
            let show_local = self.submitted.get();
            server.or_else(|| {
                show_local
                    .then(|| self.local.with(|errors| find(errors, field)))
                    .flatten()
            })
        })
    }
}

fn find(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// The DOM id of a field's control, for labels, focus and `aria-describedby`.
pub fn control_id(field: &str) -> String {
    format!("field-{field}")
}

/// The DOM id of a field's error message.
pub fn error_id(field: &str) -> String {
    format!("field-{field}-error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::prelude::Owner;

    fn with_form(test: impl FnOnce(WizardFields)) {
        let owner = Owner::new();
        owner.with(|| test(WizardFields::new()));
    }

    fn fields(result: Result<LaunchRequest, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_runs_options_filled_into_a_fresh_form_launch_the_same_run() {
        let runs: [(Phase, serde_json::Value); 3] = [
            (
                Phase::ArticleReproduction,
                serde_json::json!({
                    "article_url": "https://example.org/post",
                    "target_space": "repro",
                    "unique_suffix": true,
                    "agent_model": "openai/gpt-oss-120b",
                    "implementation_mode": "full-inference-attempt",
                    "allow_gpu_fallback": true,
                }),
            ),
            (
                Phase::ValidateExisting,
                serde_json::json!({
                    "validate_space": "bob/echo",
                    "api_name": "/shout",
                    "inputs": ["hi"],
                }),
            ),
            (
                Phase::ModelCardApp,
                serde_json::json!({
                    "model_id": "openai-community/gpt2",
                    "target_space": "gpt2-app",
                    "space_hardware": "t4-small",
                }),
            ),
        ];
        for (phase, params) in runs {
            let recipe = Recipe::from_params(phase, params).unwrap();
            with_form(|form| {
                form.fill(&recipe, Some("cpu-upgrade"));
                // A dedicated GPU is confirmed again on every launch, a run again too.
                let gpu = recipe
                    .space()
                    .and_then(|space| space.space_hardware.as_deref())
                    .is_some_and(runs::hardware::is_paid_gpu);
                if gpu {
                    assert_eq!(fields(form.request(phase)), [PAID_HARDWARE_FIELD]);
                    form.paid_hardware_confirmed.set(true);
                }
                let request = form.request(phase).unwrap();
                assert_eq!(request.paid_hardware_confirmed, gpu);
                assert_eq!(request.recipe, recipe.into(), "{phase:?}");
                assert_eq!(request.job_flavor.as_deref(), Some("cpu-upgrade"));
            });
        }
    }

    #[test]
    fn a_template_space_needs_a_valid_name() {
        with_form(|form| {
            assert_eq!(fields(form.request(Phase::TemplateSpace)), ["target_space"]);
            form.text(Field::TargetSpace).set("bad name!".into());
            assert_eq!(fields(form.request(Phase::TemplateSpace)), ["target_space"]);
            form.text(Field::TargetSpace).set("hello-space".into());
            let request = form.request(Phase::TemplateSpace).unwrap();
            let recipe = request.recipe.check().unwrap();
            assert_eq!(recipe.space().unwrap().target_space, "hello-space");
            assert_eq!(request.job_timeout_minutes, Some(30));
            // The agent model is not a template Space's option, so it is not sent.
            assert_eq!(recipe.agent(), None);
            assert!(!recipe.params().contains_key("agent_model"));
        });
    }

    #[test]
    fn the_budget_starts_from_the_servers_default_and_a_bad_one_is_refused() {
        with_form(|form| {
            form.suggest(&Suggestions {
                default_budget_usd: Some(2.5),
                ..Suggestions::default()
            });
            assert_eq!(form.budget_usd.get(), "2.5");
            assert_eq!(
                form.request(Phase::BucketRoundTrip).unwrap().budget_usd,
                Some(2.5)
            );
            form.budget_usd.set("$0.50".into());
            assert_eq!(
                form.request(Phase::BucketRoundTrip).unwrap().budget_usd,
                Some(0.5)
            );
            for bad in ["0", "-1", "lots", "NaN"] {
                form.budget_usd.set(bad.into());
                assert_eq!(
                    fields(form.request(Phase::BucketRoundTrip)),
                    [BUDGET_FIELD],
                    "{bad}"
                );
            }
            form.budget_usd.set(" ".into());
            assert_eq!(
                form.request(Phase::BucketRoundTrip).unwrap().budget_usd,
                None
            );
        });
    }

    #[test]
    fn parse_errors_name_their_field_once() {
        with_form(|form| {
            form.text(Field::ValidateSpace).set("no-slash".into());
            form.text(Field::Inputs).set("[1,".into());
            form.job_timeout_minutes.set("0".into());
            assert_eq!(
                fields(form.request(Phase::ValidateExisting)),
                ["validate_space", "inputs", "job_timeout_minutes"]
            );
        });
    }

    #[test]
    fn a_base_url_needs_its_own_key_which_run_again_never_fills() {
        let recipe = Recipe::from_params(
            Phase::PiSmokeTest,
            serde_json::json!({
                "target_space": "s",
                "agent_model": "m/x",
                "agent_base_url": "https://models.example/v1",
            }),
        )
        .unwrap();
        with_form(|form| {
            form.fill(&recipe, None);
            assert!(form.asks_endpoint_key(Phase::PiSmokeTest));
            assert_eq!(form.agent_api_key.get(), "");
            let errors = form.request(Phase::PiSmokeTest).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, AGENT_API_KEY_FIELD);
            assert_eq!(errors[0].message, ENDPOINT_KEY_NEEDED);
            form.agent_api_key.set("  sk-endpoint  ".into());
            let request = form.request(Phase::PiSmokeTest).unwrap();
            assert_eq!(
                request.agent_api_key.as_ref().map(EndpointKey::expose),
                Some("sk-endpoint")
            );
            assert!(!serde_json::to_string(&request.recipe)
                .unwrap()
                .contains("sk-endpoint"));
            // Without a base URL no key is asked for, and one typed earlier is not sent.
            form.text(Field::AgentBaseUrl).set(" ".into());
            assert!(!form.asks_endpoint_key(Phase::PiSmokeTest));
            assert_eq!(
                form.request(Phase::PiSmokeTest).unwrap().agent_api_key,
                None
            );
        });
        assert_eq!(
            fields_for(Phase::PiSmokeTest)
                .iter()
                .skip_while(|f| **f != Field::AgentBaseUrl.name())
                .nth(1),
            Some(&AGENT_API_KEY_FIELD)
        );
    }

    #[test]
    fn article_reproduction_checks_the_url_and_keeps_its_options() {
        with_form(|form| {
            form.text(Field::ArticleUrl)
                .set("ftp://example.com/a".into());
            form.text(Field::TargetSpace).set("repro".into());
            assert_eq!(
                fields(form.request(Phase::ArticleReproduction)),
                ["article_url"]
            );
            form.text(Field::ArticleUrl)
                .set("https://example.com/a".into());
            form.flag(Field::AllowGpuFallback).set(true);
            form.implementation_mode
                .set(ImplementationMode::SafeScaffold);
            let request = form.request(Phase::ArticleReproduction).unwrap();
            let Ok(Recipe::ArticleReproduction(options)) = request.recipe.check() else {
                panic!("not a reproduction");
            };
            assert!(options.allow_gpu_fallback);
            assert_eq!(
                options.implementation_mode,
                ImplementationMode::SafeScaffold
            );
            assert_eq!(options.agent.agent_model, AGENT_MODELS[0]);
        });
    }
}
