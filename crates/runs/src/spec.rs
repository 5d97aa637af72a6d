//! `RunSpec`: what one run is asked to do, checked the same way in the browser, the
//! server and the worker.
//!
//! The wizard builds it, the server validates it again and hands it to the Job as JSON in
//! [`RUN_SPEC_ENV`], and the worker validates it once more before doing anything: bad
//! input gets a clear error at every edge.

use crate::repo_id::check_part;
use crate::{Phase, RepoId, RunId};
use serde::{Deserialize, Serialize};

/// The Job environment variable that carries the spec as JSON.
pub const RUN_SPEC_ENV: &str = "SPACE_FACTORY_RUN_SPEC";

/// The version of the spec format this code writes and reads.
pub const SPEC_VERSION: u32 = 1;

/// How far an agent phase may go when building an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImplementationMode {
    /// Real inference, but success only once the live API returned real model output.
    #[default]
    FullInferenceGated,
    /// Try real inference; a health-only app is still reported as a partial result.
    FullInferenceAttempt,
    /// A working scaffold without model inference.
    SafeScaffold,
}

/// One run's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Format version; see [`SPEC_VERSION`].
    pub version: u32,
    /// The run's id, allocated by the server.
    pub run_id: RunId,
    /// The recipe.
    pub phase: Phase,
    /// The signed-in user's namespace: target Spaces are created there.
    pub owner: String,
    /// The bucket the run records into, `owner/name`.
    pub bucket: RepoId,
    /// The recipe's options.
    #[serde(default)]
    pub params: RunParams,
}

/// The options a wizard can set; which are required depends on the phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// The model to build for (phases 5, 6; optional context for 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<RepoId>,
    /// The name of the Space to create in the owner's namespace (phases 2.1, 3, 4, 5, 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_space: Option<String>,
    /// Add a unique suffix to the Space name instead of refusing an existing one.
    #[serde(default)]
    pub unique_suffix: bool,
    /// Space hardware flavor to request at creation (e.g. `cpu-basic`, `zero-a10g`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_hardware: Option<String>,
    /// The article to reproduce (phase 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_url: Option<String>,
    /// The article's text, pasted instead of (or besides) a URL (phase 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_text: Option<String>,
    /// The model Pi drives through Inference Providers (agent phases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_model: Option<String>,
    /// An OpenAI-compatible base URL (ending in `/v1`) serving `agent_model`, instead of
    /// Inference Providers (agent phases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_base_url: Option<String>,
    /// How far phase 8 may go.
    #[serde(default)]
    pub implementation_mode: ImplementationMode,
    /// Allow a fixed GPU when ZeroGPU does not fit (phase 8).
    #[serde(default)]
    pub allow_gpu_fallback: bool,
    /// The Space to validate (validate phase), unless `validate_url` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_space: Option<RepoId>,
    /// A direct URL of the app to validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_url: Option<String>,
    /// The endpoint to call (`/predict`); found from the app's API when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    /// Inputs for the call, a JSON array; example inputs are used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<serde_json::Value>,
}

/// A field the user must fix, named as the wizard names its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, e.g. `target_space`.
    pub field: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

/// Every problem with a spec at once, so a form can mark all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("invalid run spec: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct SpecErrors(pub Vec<FieldError>);

impl RunSpec {
    /// Parses and validates a spec from JSON, as the worker receives it.
    pub fn from_json(json: &str) -> Result<RunSpec, SpecErrors> {
        let spec: RunSpec = serde_json::from_str(json).map_err(|err| {
            SpecErrors(vec![FieldError {
                field: "spec".into(),
                message: format!("not a valid run spec: {err}"),
            }])
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<(), SpecErrors> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.into(),
                message,
            })
        };
        if self.version != SPEC_VERSION {
            fail(
                "version",
                format!(
                    "version {} is not supported (expected {SPEC_VERSION})",
                    self.version
                ),
            );
        }
        if let Err(err) = check_part(&self.owner, &self.owner, "owner") {
            fail("owner", err.to_string());
        }
        if self.bucket.owner() != self.owner {
            fail(
                "bucket",
                format!("the bucket must be in `{}`'s namespace", self.owner),
            );
        }
        let p = &self.params;
        let needs_space = matches!(
            self.phase,
            Phase::TemplateSpace
                | Phase::PiSmokeTest
                | Phase::PiRecipe
                | Phase::ModelCardApp
                | Phase::ArticleReproduction
        );
        match (&p.target_space, needs_space) {
            (None, true) => fail("target_space", "a Space name is required".into()),
            (Some(name), _) => {
                if let Err(err) = check_part(name, name, "Space name") {
                    fail("target_space", err.to_string());
                }
            }
            (None, false) => {}
        }
        if matches!(self.phase, Phase::ModelCardApp | Phase::RuntimeRecommender)
            && p.model_id.is_none()
        {
            fail("model_id", "a model id is required".into());
        }
        if self.phase == Phase::ArticleReproduction {
            let has_text = p
                .article_text
                .as_deref()
                .is_some_and(|t| !t.trim().is_empty());
            match &p.article_url {
                None if !has_text => fail(
                    "article_url",
                    "an article URL or the article's text is required".into(),
                ),
                Some(url) if !is_http_url(url) => {
                    fail("article_url", "must be an http(s) URL".into())
                }
                _ => {}
            }
            if p.article_text
                .as_ref()
                .is_some_and(|t| t.len() > MAX_ARTICLE_TEXT)
            {
                fail(
                    "article_text",
                    format!(
                        "the pasted text is over {} KiB: give a longer article by its URL",
                        MAX_ARTICLE_TEXT / 1024
                    ),
                );
            }
        }
        if let Some(url) = &p.agent_base_url {
            if !is_http_url(url) {
                fail("agent_base_url", "must be an http(s) URL".into());
            }
        }
        if self.phase.uses_agent() && p.agent_model.as_deref().is_none_or(str::is_empty) {
            fail("agent_model", "choose the model the agent drives".into());
        }
        if self.phase == Phase::ValidateExisting {
            match (&p.validate_space, &p.validate_url) {
                (None, None) => fail("validate_space", "give a Space or a URL to validate".into()),
                (Some(_), Some(_)) => {
                    fail("validate_url", "give a Space or a URL, not both".into())
                }
                (None, Some(url)) if !is_http_url(url) => {
                    fail("validate_url", "must be an http(s) URL".into())
                }
                _ => {}
            }
        }
        if let Some(api) = &p.api_name {
            if !api.starts_with('/') || api.len() < 2 || api.contains(char::is_whitespace) {
                fail("api_name", "an endpoint name looks like `/predict`".into());
            }
        }
        if let Some(inputs) = &p.inputs {
            if !inputs.is_array() {
                fail(
                    "inputs",
                    "inputs are a JSON array, one value per parameter".into(),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors(errors))
        }
    }
}

/// The most pasted article text a run takes (bytes). The spec travels in the Job's
/// environment, where one variable over 128 KiB breaks `execve`; longer articles go by URL.
pub const MAX_ARTICLE_TEXT: usize = 64 * 1024;

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(phase: Phase, params: RunParams) -> RunSpec {
        RunSpec {
            version: SPEC_VERSION,
            run_id: "01JDQ7ZK3G8X5V2N4M6P8R0T2W".parse().unwrap(),
            phase,
            owner: "alice".into(),
            bucket: "alice/space-factory-runs".parse().unwrap(),
            params,
        }
    }

    fn fields(result: Result<(), SpecErrors>) -> Vec<String> {
        result.unwrap_err().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_template_spec_passes_and_round_trips_through_json() {
        let s = spec(
            Phase::TemplateSpace,
            RunParams {
                target_space: Some("hello-space".into()),
                ..RunParams::default()
            },
        );
        s.validate().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(RunSpec::from_json(&json).unwrap(), s);
    }

    #[test]
    fn each_phase_names_its_missing_fields() {
        assert_eq!(
            fields(spec(Phase::TemplateSpace, RunParams::default()).validate()),
            ["target_space"]
        );
        assert_eq!(
            fields(spec(Phase::RuntimeRecommender, RunParams::default()).validate()),
            ["model_id"]
        );
        assert_eq!(
            fields(spec(Phase::ArticleReproduction, RunParams::default()).validate()),
            ["target_space", "article_url", "agent_model"]
        );
        assert_eq!(
            fields(spec(Phase::ValidateExisting, RunParams::default()).validate()),
            ["validate_space"]
        );
        spec(Phase::BucketRoundTrip, RunParams::default())
            .validate()
            .unwrap();
    }

    #[test]
    fn bad_values_are_refused_with_every_problem_listed() {
        let s = spec(
            Phase::ValidateExisting,
            RunParams {
                target_space: Some("bad name".into()),
                validate_url: Some("ftp://x".into()),
                api_name: Some("predict".into()),
                inputs: Some(serde_json::json!({"a": 1})),
                ..RunParams::default()
            },
        );
        assert_eq!(
            fields(s.validate()),
            ["target_space", "validate_url", "api_name", "inputs"]
        );
    }

    #[test]
    fn an_article_can_be_pasted_instead_of_linked() {
        let s = spec(
            Phase::ArticleReproduction,
            RunParams {
                target_space: Some("repro".into()),
                article_text: Some("We fine-tune a small model…".into()),
                agent_model: Some("Qwen/Qwen3-Coder-Next".into()),
                agent_base_url: Some("ftp://nope".into()),
                ..RunParams::default()
            },
        );
        assert_eq!(fields(s.validate()), ["agent_base_url"]);
    }

    #[test]
    fn a_pasted_article_over_the_limit_is_refused_and_one_at_it_is_taken() {
        let with_text = |text: String| {
            spec(
                Phase::ArticleReproduction,
                RunParams {
                    target_space: Some("repro".into()),
                    article_text: Some(text),
                    agent_model: Some("Qwen/Qwen3-Coder-Next".into()),
                    ..RunParams::default()
                },
            )
        };
        assert!(with_text("a".repeat(MAX_ARTICLE_TEXT)).validate().is_ok());
        let refused = with_text("a".repeat(MAX_ARTICLE_TEXT + 1)).validate();
        let message = refused.as_ref().unwrap_err().0[0].message.clone();
        assert_eq!(fields(refused), ["article_text"]);
        assert!(message.contains("by its URL"), "{message}");
    }

    #[test]
    fn the_bucket_must_be_the_owners() {
        let mut s = spec(Phase::BucketRoundTrip, RunParams::default());
        s.bucket = "mallory/runs".parse().unwrap();
        assert_eq!(fields(s.validate()), ["bucket"]);
    }

    #[test]
    fn from_json_explains_malformed_and_unknown_input() {
        let err = RunSpec::from_json("{not json").unwrap_err();
        assert_eq!(err.0[0].field, "spec");
        let err = RunSpec::from_json(
            r#"{"version":1,"run_id":"01JDQ7ZK3G8X5V2N4M6P8R0T2W","phase":"1","owner":"alice",
                "bucket":"alice/b","params":{},"surprise":true}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("surprise"), "{err}");
        let err = RunSpec::from_json(
            r#"{"version":1,"run_id":"nope","phase":"1","owner":"alice","bucket":"alice/b"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("run id"), "{err}");
    }
}
