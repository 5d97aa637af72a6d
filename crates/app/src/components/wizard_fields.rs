//! The wizard's form state and its checks: which fields a recipe asks for, how they become
//! a [`LaunchRequest`], and the errors to show beside each field.
//!
//! The browser checks with the same rules the server and the worker apply
//! ([`runs::RunSpec::validate`]), plus the parsing a form needs (ids, JSON, numbers); the
//! server's own [`FieldError`]s are shown the same way.

use crate::api::{LaunchRequest, Suggestions};
use leptos::prelude::*;
use runs::spec::SPEC_VERSION;
use runs::{FieldError, ImplementationMode, Phase, RepoId, RunParams, RunSpec};

/// The longest Job timeout the wizard offers, in minutes (one day).
pub const MAX_TIMEOUT_MINUTES: u32 = 24 * 60;

/// The bucket name the server uses for runs (`<user>/space-factory-runs`).
const BUCKET_NAME: &str = "space-factory-runs";

/// A run id that only stands in while the browser checks a spec; the server makes the real one.
const PLACEHOLDER_RUN_ID: &str = "00000000000000000000000000";

/// Models the Pi agent is known to drive well; any Inference Providers chat model may be typed.
pub const AGENT_MODELS: [&str; 4] = [
    "Qwen/Qwen3-Coder-Next",
    "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "moonshotai/Kimi-K2-Instruct",
    "openai/gpt-oss-120b",
];

/// The form field of the cost confirmation a dedicated GPU needs (shown only then).
pub const PAID_HARDWARE_FIELD: &str = "paid_hardware_confirmed";

/// Every input of every wizard; each recipe shows the ones [`fields_for`] names.
#[derive(Clone, Copy)]
pub struct WizardFields {
    pub target_space: RwSignal<String>,
    pub unique_suffix: RwSignal<bool>,
    pub model_id: RwSignal<String>,
    pub article_url: RwSignal<String>,
    pub article_text: RwSignal<String>,
    pub agent_model: RwSignal<String>,
    pub agent_base_url: RwSignal<String>,
    pub implementation_mode: RwSignal<ImplementationMode>,
    pub allow_gpu_fallback: RwSignal<bool>,
    pub space_hardware: RwSignal<String>,
    pub validate_space: RwSignal<String>,
    pub validate_url: RwSignal<String>,
    pub api_name: RwSignal<String>,
    pub inputs: RwSignal<String>,
    pub job_flavor: RwSignal<String>,
    pub job_timeout_minutes: RwSignal<String>,
    pub paid_hardware_confirmed: RwSignal<bool>,
}

impl WizardFields {
    /// An empty form with the defaults the recipes start from.
    pub fn new() -> Self {
        WizardFields {
            target_space: RwSignal::new(String::new()),
            unique_suffix: RwSignal::new(false),
            model_id: RwSignal::new(String::new()),
            article_url: RwSignal::new(String::new()),
            article_text: RwSignal::new(String::new()),
            agent_model: RwSignal::new(AGENT_MODELS[0].to_owned()),
            agent_base_url: RwSignal::new(String::new()),
            implementation_mode: RwSignal::new(ImplementationMode::default()),
            allow_gpu_fallback: RwSignal::new(false),
            space_hardware: RwSignal::new(String::new()),
            validate_space: RwSignal::new(String::new()),
            validate_url: RwSignal::new(String::new()),
            api_name: RwSignal::new(String::new()),
            inputs: RwSignal::new(String::new()),
            job_flavor: RwSignal::new(String::new()),
            job_timeout_minutes: RwSignal::new("30".to_owned()),
            paid_hardware_confirmed: RwSignal::new(false),
        }
    }

    /// Starts the form from the Hub's suggestions: the first agent model, the first model,
    /// the suggested article (each only when there is one).
    pub fn suggest(&self, suggestions: &Suggestions) {
        if let Some(first) = suggestions.agent_models.first() {
            self.agent_model.set(first.id.clone());
        }
        if let Some(first) = suggestions.models.first() {
            self.model_id.set(first.id.clone());
        }
        if let Some(url) = &suggestions.article_url {
            self.article_url.set(url.clone());
        }
    }

    /// Fills the form with an earlier run's options ("Run again"); the Job's timeout is not
    /// in what a run records, so it keeps the form's default.
    pub fn fill(&self, params: &RunParams, job_flavor: Option<&str>) {
        let text = |signal: RwSignal<String>, value: Option<String>| {
            if let Some(value) = value {
                signal.set(value);
            }
        };
        text(self.target_space, params.target_space.clone());
        self.unique_suffix.set(params.unique_suffix);
        text(
            self.model_id,
            params.model_id.as_ref().map(ToString::to_string),
        );
        text(self.article_url, params.article_url.clone());
        text(self.article_text, params.article_text.clone());
        text(self.agent_model, params.agent_model.clone());
        text(self.agent_base_url, params.agent_base_url.clone());
        self.implementation_mode.set(params.implementation_mode);
        self.allow_gpu_fallback.set(params.allow_gpu_fallback);
        text(self.space_hardware, params.space_hardware.clone());
        text(
            self.validate_space,
            params.validate_space.as_ref().map(ToString::to_string),
        );
        text(self.validate_url, params.validate_url.clone());
        text(self.api_name, params.api_name.clone());
        text(self.inputs, params.inputs.as_ref().map(ToString::to_string));
        text(self.job_flavor, job_flavor.map(str::to_owned));
    }

    /// The request this form describes for `phase`, or every problem with it. `owner` is
    /// the signed-in user (runs and Spaces go to their namespace).
    pub fn request(&self, phase: Phase, owner: &str) -> Result<LaunchRequest, Vec<FieldError>> {
        let shown = fields_for(phase);
        let has = |name: &str| shown.contains(&name);
        let text = |name: &str, signal: RwSignal<String>| {
            let value = signal.get().trim().to_owned();
            (has(name) && !value.is_empty()).then_some(value)
        };
        let mut errors = Vec::new();
        let mut repo = |name: &'static str, signal: RwSignal<String>| {
            text(name, signal).and_then(|value| match value.parse::<RepoId>() {
                Ok(id) => Some(id),
                Err(err) => {
                    errors.push(error(name, err.to_string()));
                    None
                }
            })
        };
        let model_id = repo("model_id", self.model_id);
        let validate_space = repo("validate_space", self.validate_space);
        let inputs = text("inputs", self.inputs).and_then(|raw| {
            serde_json::from_str::<serde_json::Value>(&raw)
                .map_err(|err| errors.push(error("inputs", format!("not valid JSON: {err}"))))
                .ok()
        });
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
        let params = RunParams {
            model_id,
            target_space: text("target_space", self.target_space),
            unique_suffix: has("unique_suffix") && self.unique_suffix.get(),
            space_hardware: text("space_hardware", self.space_hardware),
            article_url: text("article_url", self.article_url),
            article_text: text("article_text", self.article_text),
            agent_model: text("agent_model", self.agent_model),
            agent_base_url: text("agent_base_url", self.agent_base_url),
            implementation_mode: if has("implementation_mode") {
                self.implementation_mode.get()
            } else {
                ImplementationMode::default()
            },
            allow_gpu_fallback: has("allow_gpu_fallback") && self.allow_gpu_fallback.get(),
            validate_space,
            validate_url: text("validate_url", self.validate_url),
            api_name: text("api_name", self.api_name),
            inputs,
        };
        errors.extend(spec_errors(phase, owner, &params));
        let job_flavor = text("job_flavor", self.job_flavor);
        let paid = job_flavor
            .iter()
            .chain(params.space_hardware.iter())
            .any(|f| runs::hardware::is_paid_gpu(f));
        if paid && !self.paid_hardware_confirmed.get() {
            errors.push(error(
                PAID_HARDWARE_FIELD,
                "a dedicated GPU bills by the hour: confirm its cost, or choose CPU or ZeroGPU"
                    .into(),
            ));
        }
        // A field that failed to parse is reported once, by its parse error.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert(e.field.clone()));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(LaunchRequest {
            phase,
            params,
            job_flavor,
            job_timeout_minutes: timeout,
            paid_hardware_confirmed: self.paid_hardware_confirmed.get(),
        })
    }
}

impl Default for WizardFields {
    fn default() -> Self {
        Self::new()
    }
}

/// The fields a recipe asks for, in the order the form shows them.
pub fn fields_for(phase: Phase) -> &'static [&'static str] {
    const SPACE: [&str; 3] = ["target_space", "unique_suffix", "space_hardware"];
    match phase {
        Phase::BucketRoundTrip => &["job_flavor", "job_timeout_minutes"],
        Phase::TemplateSpace => &[
            SPACE[0],
            SPACE[1],
            SPACE[2],
            "job_flavor",
            "job_timeout_minutes",
        ],
        Phase::PiSmokeTest | Phase::PiRecipe => &[
            SPACE[0],
            SPACE[1],
            "agent_model",
            "agent_base_url",
            SPACE[2],
            "job_flavor",
            "job_timeout_minutes",
        ],
        Phase::ModelCardApp => &[
            "model_id",
            SPACE[0],
            SPACE[1],
            SPACE[2],
            "job_flavor",
            "job_timeout_minutes",
        ],
        Phase::RuntimeRecommender => &["model_id", "job_flavor", "job_timeout_minutes"],
        Phase::ArticleReproduction => &[
            "article_url",
            "article_text",
            SPACE[0],
            SPACE[1],
            "agent_model",
            "agent_base_url",
            "implementation_mode",
            "allow_gpu_fallback",
            SPACE[2],
            "job_flavor",
            "job_timeout_minutes",
        ],
        Phase::ValidateExisting => &[
            "validate_space",
            "validate_url",
            "api_name",
            "inputs",
            "job_flavor",
            "job_timeout_minutes",
        ],
    }
}

/// The [`RunSpec`] rules applied to the form's params (the run id, owner and bucket are
/// the server's to fill, so their checks are left out).
fn spec_errors(phase: Phase, owner: &str, params: &RunParams) -> Vec<FieldError> {
    let (Ok(run_id), Ok(bucket)) = (PLACEHOLDER_RUN_ID.parse(), RepoId::new(owner, BUCKET_NAME))
    else {
        return Vec::new();
    };
    let spec = RunSpec {
        version: SPEC_VERSION,
        run_id,
        phase,
        owner: owner.to_owned(),
        bucket,
        params: params.clone(),
    };
    match spec.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .0
            .into_iter()
            .filter(|e| !matches!(e.field.as_str(), "version" | "owner" | "bucket" | "run_id"))
            .collect(),
    }
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
                    "space_hardware": "t4-small",
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
                serde_json::json!({"model_id": "openai-community/gpt2", "target_space": "gpt2-app"}),
            ),
        ];
        for (phase, params) in runs {
            let params: RunParams = serde_json::from_value(params).unwrap();
            with_form(|form| {
                form.fill(&params, Some("cpu-upgrade"));
                // A dedicated GPU is confirmed again on every launch, a run again too.
                let gpu = params
                    .space_hardware
                    .as_deref()
                    .is_some_and(runs::hardware::is_paid_gpu);
                if gpu {
                    assert_eq!(fields(form.request(phase, "alice")), [PAID_HARDWARE_FIELD]);
                    form.paid_hardware_confirmed.set(true);
                }
                let request = form.request(phase, "alice").unwrap();
                assert_eq!(request.paid_hardware_confirmed, gpu);
                assert_eq!(request.params, params, "{phase:?}");
                assert_eq!(request.job_flavor.as_deref(), Some("cpu-upgrade"));
            });
        }
    }

    #[test]
    fn a_template_space_needs_a_valid_name() {
        with_form(|form| {
            assert_eq!(
                fields(form.request(Phase::TemplateSpace, "alice")),
                ["target_space"]
            );
            form.target_space.set("bad name!".into());
            assert_eq!(
                fields(form.request(Phase::TemplateSpace, "alice")),
                ["target_space"]
            );
            form.target_space.set("hello-space".into());
            let request = form.request(Phase::TemplateSpace, "alice").unwrap();
            assert_eq!(request.params.target_space.as_deref(), Some("hello-space"));
            assert_eq!(request.job_timeout_minutes, Some(30));
            // The agent model is not a template Space's option, so it is not sent.
            assert_eq!(request.params.agent_model, None);
        });
    }

    #[test]
    fn parse_errors_name_their_field_once() {
        with_form(|form| {
            form.validate_space.set("no-slash".into());
            form.inputs.set("[1,".into());
            form.job_timeout_minutes.set("0".into());
            assert_eq!(
                fields(form.request(Phase::ValidateExisting, "alice")),
                ["validate_space", "inputs", "job_timeout_minutes"]
            );
        });
    }

    #[test]
    fn article_reproduction_checks_the_url_and_keeps_its_options() {
        with_form(|form| {
            form.article_url.set("ftp://example.com/a".into());
            form.target_space.set("repro".into());
            assert_eq!(
                fields(form.request(Phase::ArticleReproduction, "alice")),
                ["article_url"]
            );
            form.article_url.set("https://example.com/a".into());
            form.allow_gpu_fallback.set(true);
            form.implementation_mode
                .set(ImplementationMode::SafeScaffold);
            let request = form.request(Phase::ArticleReproduction, "alice").unwrap();
            assert!(request.params.allow_gpu_fallback);
            assert_eq!(
                request.params.implementation_mode,
                ImplementationMode::SafeScaffold
            );
            assert_eq!(request.params.agent_model.as_deref(), Some(AGENT_MODELS[0]));
        });
    }
}
