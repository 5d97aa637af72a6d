//! `RunSpec`: what one run is asked to do (its [`Recipe`]) and where it records, checked
//! the same way in the browser, the server and the worker.
//!
//! The wizard builds it, the server validates it again and hands it to the Job as JSON in
//! [`RUN_SPEC_ENV`], and the worker validates it once more before doing anything: bad
//! input gets a clear error at every edge.

use crate::repo_id::check_part;
use crate::{CostTerms, Phase, Recipe, RepoId, RunId};
use serde::{Deserialize, Serialize};

/// The Job environment variable that carries the spec as JSON.
pub const RUN_SPEC_ENV: &str = "SPACE_FACTORY_RUN_SPEC";

/// The version of the spec format this code writes and reads.
pub const SPEC_VERSION: u32 = 1;

/// One run's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireSpec", into = "WireSpec")]
pub struct RunSpec {
    /// Format version; see [`SPEC_VERSION`].
    pub version: u32,
    /// The run's id, allocated by the server.
    pub run_id: RunId,
    /// The signed-in user's namespace: target Spaces are created there.
    pub owner: String,
    /// The bucket the run records into, `owner/name`.
    pub bucket: RepoId,
    /// The recipe and its options.
    pub recipe: Recipe,
    /// The Job's hardware and the run's budget, for the worker's meter; absent in specs
    /// written before runs were metered.
    pub cost: Option<CostTerms>,
}

/// A spec as it travels: the recipe adjacently tagged (`phase`, `params`), nothing else.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSpec {
    version: u32,
    run_id: RunId,
    phase: Phase,
    owner: String,
    bucket: RepoId,
    #[serde(default)]
    params: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cost: Option<CostTerms>,
}

impl TryFrom<WireSpec> for RunSpec {
    type Error = SpecErrors;

    fn try_from(wire: WireSpec) -> Result<RunSpec, SpecErrors> {
        Ok(RunSpec {
            version: wire.version,
            run_id: wire.run_id,
            owner: wire.owner,
            bucket: wire.bucket,
            recipe: Recipe::from_params(wire.phase, wire.params)?,
            cost: wire.cost,
        })
    }
}

impl From<RunSpec> for WireSpec {
    fn from(spec: RunSpec) -> WireSpec {
        WireSpec {
            version: spec.version,
            run_id: spec.run_id,
            phase: spec.recipe.phase(),
            owner: spec.owner,
            bucket: spec.bucket,
            params: serde_json::Value::Object(spec.recipe.params()),
            cost: spec.cost,
        }
    }
}

/// A field the user must fix, named as the wizard names its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, e.g. `target_space`.
    pub field: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Every problem with a spec at once, so a form can mark all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("invalid run spec: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct SpecErrors(pub Vec<FieldError>);

impl RunSpec {
    /// The recipe's phase.
    pub fn phase(&self) -> Phase {
        self.recipe.phase()
    }

    /// Parses and validates a spec from JSON, as the worker receives it: malformed JSON is
    /// one error on `spec`; a recipe's options are refused field by field.
    pub fn from_json(json: &str) -> Result<RunSpec, SpecErrors> {
        let wire: WireSpec = serde_json::from_str(json).map_err(|err| {
            SpecErrors(vec![FieldError::new(
                "spec",
                format!("not a valid run spec: {err}"),
            )])
        })?;
        let spec = RunSpec::try_from(wire)?;
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
        if let Some(problem) = self.cost.as_ref().and_then(CostTerms::problem) {
            fail("budget_usd", problem);
        }
        if let Err(recipe) = self.recipe.validate() {
            errors.extend(recipe.0);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors(errors))
        }
    }
}

/// Whether `url` is an absolute http(s) URL with a host.
pub(crate) fn is_http_url(url: &str) -> bool {
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
    use crate::recipe::MAX_ARTICLE_TEXT;
    use serde_json::json;

    /// A spec of `phase` with `params`, as the worker would receive it.
    fn spec(phase: &str, params: serde_json::Value) -> Result<RunSpec, SpecErrors> {
        RunSpec::from_json(
            &json!({
                "version": SPEC_VERSION,
                "run_id": "01JDQ7ZK3G8X5V2N4M6P8R0T2W",
                "phase": phase,
                "owner": "alice",
                "bucket": "alice/space-factory-runs",
                "params": params,
            })
            .to_string(),
        )
    }

    fn fields(result: Result<RunSpec, SpecErrors>) -> Vec<String> {
        result.unwrap_err().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_template_spec_passes_and_round_trips_through_json() {
        let s = spec("2.1", json!({"target_space": "hello-space"})).unwrap();
        s.validate().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(RunSpec::from_json(&json).unwrap(), s);
        assert!(json.contains(r#""phase":"2.1","#), "{json}");
        assert!(
            json.contains(r#""params":{"target_space":"hello-space"}"#),
            "{json}"
        );
    }

    #[test]
    fn each_phase_names_its_missing_fields() {
        assert_eq!(fields(spec("2.1", json!({}))), ["target_space"]);
        assert_eq!(fields(spec("6", json!({}))), ["model_id"]);
        assert_eq!(
            fields(spec("8", json!({}))),
            ["article_url", "target_space", "agent_model"]
        );
        assert_eq!(fields(spec("validate", json!({}))), ["validate_space"]);
        spec("1", json!({})).unwrap();
    }

    #[test]
    fn bad_values_are_refused_with_every_problem_listed() {
        let s = spec(
            "validate",
            json!({
                "target_space": "bad name",
                "validate_url": "ftp://x",
                "api_name": "predict",
                "inputs": {"a": 1},
            }),
        );
        assert_eq!(
            fields(s),
            ["target_space", "validate_url", "api_name", "inputs"]
        );
    }

    #[test]
    fn an_option_of_another_recipe_is_refused_by_name() {
        let refused = spec(
            "2.1",
            json!({"target_space": "ok", "article_url": "https://x.org"}),
        );
        let error = &refused.as_ref().unwrap_err().0[0];
        assert_eq!(error.field, "article_url");
        assert!(error.message.contains("takes no option"), "{error:?}");
    }

    #[test]
    fn an_article_can_be_pasted_instead_of_linked() {
        let s = spec(
            "8",
            json!({
                "target_space": "repro",
                "article_text": "We fine-tune a small model…",
                "agent_model": "Qwen/Qwen3-Coder-Next",
                "agent_base_url": "ftp://nope",
            }),
        );
        assert_eq!(fields(s), ["agent_base_url"]);
    }

    #[test]
    fn a_pasted_article_over_the_limit_is_refused_and_one_at_it_is_taken() {
        let with_text = |text: String| {
            spec(
                "8",
                json!({
                    "target_space": "repro",
                    "article_text": text,
                    "agent_model": "Qwen/Qwen3-Coder-Next",
                }),
            )
        };
        assert!(with_text("a".repeat(MAX_ARTICLE_TEXT)).is_ok());
        let refused = with_text("a".repeat(MAX_ARTICLE_TEXT + 1));
        let message = refused.as_ref().unwrap_err().0[0].message.clone();
        assert_eq!(fields(refused), ["article_text"]);
        assert!(message.contains("by its URL"), "{message}");
    }

    #[test]
    fn cost_terms_travel_with_the_spec_and_a_bad_budget_is_refused() {
        let mut s = spec("1", json!({})).unwrap();
        assert_eq!(s.cost, None);
        s.cost = Some(CostTerms {
            job_flavor: "cpu-basic".into(),
            budget_usd: Some(0.25),
        });
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains(r#""cost":{"job_flavor":"cpu-basic","budget_usd":0.25}"#),
            "{json}"
        );
        assert_eq!(RunSpec::from_json(&json).unwrap(), s);
        s.cost.as_mut().unwrap().budget_usd = Some(-1.0);
        assert_eq!(fields(s.validate().map(|()| s.clone())), ["budget_usd"]);
    }

    #[test]
    fn the_bucket_must_be_the_owners() {
        let mut s = spec("1", json!({})).unwrap();
        s.bucket = "mallory/runs".parse().unwrap();
        assert_eq!(fields(s.validate().map(|()| s.clone())), ["bucket"]);
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
