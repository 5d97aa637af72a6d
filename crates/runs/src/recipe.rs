//! [`Recipe`]: a recipe with its own options, one type per recipe.
//!
//! What a recipe takes is said once, here: the fields it asks for ([`Phase::fields`]), which
//! of them it cannot do without, and the options type its phase receives. The wizard builds
//! its form from [`Phase::fields`] and its request with [`Recipe::from_params`]; the server
//! and the worker read the same wire format with the same function, so a rule is never
//! written twice and a phase never re-checks its options at run time.
//!
//! On the wire a recipe is adjacently tagged, as it always was: `"phase": "2.1"` and
//! `"params": {"target_space": "hello", …}`. A key the recipe does not take is refused.

use crate::repo_id::check_part;
use crate::spec::{is_http_url, FieldError, SpecErrors};
use crate::{Phase, RepoId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The most pasted article text a run takes (bytes). The spec travels in the Job's
/// environment, where one variable over 128 KiB breaks `execve`; longer articles go by URL.
pub const MAX_ARTICLE_TEXT: usize = 64 * 1024;

/// One option a recipe can take. Its [`name`](Field::name) is the key in `params` and the
/// wizard's field name, so errors name the input to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The Space to create in the owner's namespace.
    TargetSpace,
    /// Add a unique suffix to the Space name instead of refusing an existing one.
    UniqueSuffix,
    /// Space hardware to request at creation.
    SpaceHardware,
    /// The model to build for.
    ModelId,
    /// The article to reproduce, by URL.
    ArticleUrl,
    /// The article's text, pasted.
    ArticleText,
    /// The model Pi drives.
    AgentModel,
    /// An OpenAI-compatible base URL serving the agent model.
    AgentBaseUrl,
    /// How far an agent phase may go.
    ImplementationMode,
    /// Allow a fixed GPU when ZeroGPU does not fit.
    AllowGpuFallback,
    /// The Space to validate.
    ValidateSpace,
    /// A direct URL of the app to validate.
    ValidateUrl,
    /// The endpoint to call.
    ApiName,
    /// Inputs for the call, a JSON array.
    Inputs,
}

/// What kind of value a [`Field`] holds, so a form knows its input and a bad value is
/// refused by its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A checkbox.
    Flag,
    /// A repository id, `owner/name`.
    Repo,
    /// A JSON value.
    Json,
    /// An [`ImplementationMode`].
    Mode,
}

impl Field {
    /// Every field, in declaration order ([`Field::index`] is the position here).
    pub const ALL: [Field; 14] = [
        Field::TargetSpace,
        Field::UniqueSuffix,
        Field::SpaceHardware,
        Field::ModelId,
        Field::ArticleUrl,
        Field::ArticleText,
        Field::AgentModel,
        Field::AgentBaseUrl,
        Field::ImplementationMode,
        Field::AllowGpuFallback,
        Field::ValidateSpace,
        Field::ValidateUrl,
        Field::ApiName,
        Field::Inputs,
    ];

    /// Its position in [`Field::ALL`], so a form can keep one value per field in an array.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The key in `params` and the form field's name.
    pub fn name(self) -> &'static str {
        match self {
            Field::TargetSpace => "target_space",
            Field::UniqueSuffix => "unique_suffix",
            Field::SpaceHardware => "space_hardware",
            Field::ModelId => "model_id",
            Field::ArticleUrl => "article_url",
            Field::ArticleText => "article_text",
            Field::AgentModel => "agent_model",
            Field::AgentBaseUrl => "agent_base_url",
            Field::ImplementationMode => "implementation_mode",
            Field::AllowGpuFallback => "allow_gpu_fallback",
            Field::ValidateSpace => "validate_space",
            Field::ValidateUrl => "validate_url",
            Field::ApiName => "api_name",
            Field::Inputs => "inputs",
        }
    }

    /// What it holds.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::UniqueSuffix | Field::AllowGpuFallback => FieldKind::Flag,
            Field::ModelId | Field::ValidateSpace => FieldKind::Repo,
            Field::Inputs => FieldKind::Json,
            Field::ImplementationMode => FieldKind::Mode,
            _ => FieldKind::Text,
        }
    }

    /// What to say when a recipe that cannot do without it lacks it.
    fn missing(self) -> &'static str {
        match self {
            Field::TargetSpace => "a Space name is required",
            Field::ModelId => "a model id is required",
            Field::AgentModel => "choose the model the agent drives",
            _ => "this field is required",
        }
    }
}

/// One field of a recipe, and whether the recipe can do without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipeField {
    /// The field.
    pub field: Field,
    /// The recipe cannot run without it.
    pub required: bool,
}

const fn required(field: Field) -> RecipeField {
    RecipeField {
        field,
        required: true,
    }
}

const fn optional(field: Field) -> RecipeField {
    RecipeField {
        field,
        required: false,
    }
}

impl Phase {
    /// The fields this recipe takes, in the order the wizard shows them.
    pub fn fields(self) -> &'static [RecipeField] {
        use Field as F;
        const SPACE: RecipeField = required(F::TargetSpace);
        const SUFFIX: RecipeField = optional(F::UniqueSuffix);
        const HARDWARE: RecipeField = optional(F::SpaceHardware);
        const AGENT: RecipeField = required(F::AgentModel);
        const AGENT_URL: RecipeField = optional(F::AgentBaseUrl);
        const TEMPLATE: &[RecipeField] = &[SPACE, SUFFIX, HARDWARE];
        const PI: &[RecipeField] = &[SPACE, SUFFIX, AGENT, AGENT_URL, HARDWARE];
        const MODEL_APP: &[RecipeField] = &[required(F::ModelId), SPACE, SUFFIX, HARDWARE];
        const RECOMMEND: &[RecipeField] = &[required(F::ModelId)];
        const ARTICLE: &[RecipeField] = &[
            optional(F::ArticleUrl),
            optional(F::ArticleText),
            SPACE,
            SUFFIX,
            AGENT,
            AGENT_URL,
            optional(F::ImplementationMode),
            optional(F::AllowGpuFallback),
        ];
        const VALIDATE: &[RecipeField] = &[
            optional(F::ValidateSpace),
            optional(F::ValidateUrl),
            optional(F::ApiName),
            optional(F::Inputs),
        ];
        match self {
            Phase::BucketRoundTrip => &[],
            Phase::TemplateSpace => TEMPLATE,
            Phase::PiSmokeTest | Phase::PiRecipe => PI,
            Phase::ModelCardApp => MODEL_APP,
            Phase::RuntimeRecommender => RECOMMEND,
            Phase::ArticleReproduction => ARTICLE,
            Phase::ValidateExisting => VALIDATE,
        }
    }

    /// Whether this recipe takes `field`.
    pub fn takes(self, field: Field) -> bool {
        self.fields().iter().any(|f| f.field == field)
    }
}

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

fn is_false(flag: &bool) -> bool {
    !flag
}

/// The Space a recipe creates in the owner's namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceOptions {
    /// Its name.
    pub target_space: String,
    /// Add a unique suffix to the name instead of refusing an existing Space.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique_suffix: bool,
    /// Hardware to request at creation (e.g. `cpu-basic`, `zero-a10g`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_hardware: Option<String>,
}

/// The model the Pi agent drives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentOptions {
    /// The model, by its Inference Providers id (or the custom endpoint's name for it).
    pub agent_model: String,
    /// An OpenAI-compatible base URL (ending in `/v1`) serving it, instead of Inference
    /// Providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_base_url: Option<String>,
}

/// Which endpoint to call and with what; found from the app's API when absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallOptions {
    /// The endpoint (`/predict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    /// The inputs, a JSON array, one value per parameter; example inputs when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<Value>>,
}

/// Recipes 3 and 4: a Space built by the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSpaceOptions {
    /// The Space to create.
    #[serde(flatten)]
    pub space: SpaceOptions,
    /// The agent's model.
    #[serde(flatten)]
    pub agent: AgentOptions,
}

/// Recipe 5: an app for a model, from its card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAppOptions {
    /// The model.
    pub model_id: RepoId,
    /// The Space to create.
    #[serde(flatten)]
    pub space: SpaceOptions,
}

/// Recipe 6: hardware advice for a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOptions {
    /// The model.
    pub model_id: RepoId,
}

/// Where recipe 8's article comes from: a URL, its pasted text, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleSource {
    /// The article's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_url: Option<String>,
    /// Its text, pasted instead of (or besides) a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_text: Option<String>,
}

/// Recipe 8: an article reproduced as a Space by the agent, gated on real inference. It
/// takes no Space hardware: the worker asks for ZeroGPU first, then (when allowed) a fixed
/// GPU, then the default, so `space.space_hardware` is always `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleOptions {
    /// The article.
    #[serde(flatten)]
    pub article: ArticleSource,
    /// The Space to create.
    #[serde(flatten)]
    pub space: SpaceOptions,
    /// The agent's model.
    #[serde(flatten)]
    pub agent: AgentOptions,
    /// How far the agent may go.
    #[serde(default)]
    pub implementation_mode: ImplementationMode,
    /// Allow a fixed GPU when ZeroGPU does not fit.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_gpu_fallback: bool,
}

/// The app the validate recipe checks: a Space or a direct URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidateTarget {
    /// A Space, `owner/name`.
    Space(RepoId),
    /// An app's base URL.
    Url(String),
}

/// The validate recipe: an existing app, called and judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateOptions {
    /// The Space to validate (or [`validate_url`](Self::validate_url)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_space: Option<RepoId>,
    /// A direct URL of the app to validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_url: Option<String>,
    /// The endpoint and inputs.
    #[serde(flatten)]
    pub call: CallOptions,
}

impl ValidateOptions {
    /// The app to check; `None` only for options [`Recipe::validate`] refuses.
    pub fn target(&self) -> Option<ValidateTarget> {
        match (&self.validate_space, &self.validate_url) {
            (Some(space), None) => Some(ValidateTarget::Space(space.clone())),
            (None, Some(url)) => Some(ValidateTarget::Url(url.clone())),
            _ => None,
        }
    }
}

/// A recipe with its options: what one run is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipe {
    /// 1: write state, events and report into the bucket and read them back.
    BucketRoundTrip,
    /// 2.1: a template Gradio app, deployed privately and called.
    TemplateSpace(SpaceOptions),
    /// 3: Pi makes one safe edit to the generated app.
    PiSmokeTest(AgentSpaceOptions),
    /// 4: Pi follows the Spaces agent recipe with the `hf` CLI.
    PiRecipe(AgentSpaceOptions),
    /// 5: an app generated from a model's card.
    ModelCardApp(ModelAppOptions),
    /// 6: hardware advice for a model.
    RuntimeRecommender(ModelOptions),
    /// 8: Pi adapts an article's code into a Space.
    ArticleReproduction(ArticleOptions),
    /// validate: an existing app, called and judged.
    ValidateExisting(ValidateOptions),
}

/// A recipe as asked, before it is checked: how a recipe travels (its phase and its options
/// as an object). What a client sends is one, so the server can answer a bad one field by
/// field ([`RecipeRequest::check`]) instead of refusing it unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeRequest {
    /// The recipe asked for.
    pub phase: Phase,
    /// Its options, a JSON object.
    #[serde(default)]
    pub params: Value,
}

impl RecipeRequest {
    /// The recipe, or every problem with it ([`Recipe::from_params`]).
    pub fn check(self) -> Result<Recipe, SpecErrors> {
        Recipe::from_params(self.phase, self.params)
    }
}

impl From<Recipe> for RecipeRequest {
    fn from(recipe: Recipe) -> RecipeRequest {
        RecipeRequest {
            phase: recipe.phase(),
            params: Value::Object(recipe.params()),
        }
    }
}

impl Serialize for Recipe {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecipeRequest::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Recipe {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Recipe, D::Error> {
        RecipeRequest::deserialize(deserializer)?
            .check()
            .map_err(serde::de::Error::custom)
    }
}

impl Recipe {
    /// Its phase.
    pub fn phase(&self) -> Phase {
        match self {
            Recipe::BucketRoundTrip => Phase::BucketRoundTrip,
            Recipe::TemplateSpace(_) => Phase::TemplateSpace,
            Recipe::PiSmokeTest(_) => Phase::PiSmokeTest,
            Recipe::PiRecipe(_) => Phase::PiRecipe,
            Recipe::ModelCardApp(_) => Phase::ModelCardApp,
            Recipe::RuntimeRecommender(_) => Phase::RuntimeRecommender,
            Recipe::ArticleReproduction(_) => Phase::ArticleReproduction,
            Recipe::ValidateExisting(_) => Phase::ValidateExisting,
        }
    }

    /// Its options as the wire's `params` object (what a form is filled from).
    pub fn params(&self) -> Map<String, Value> {
        let value = match self {
            Recipe::BucketRoundTrip => Ok(Value::Object(Map::new())),
            Recipe::TemplateSpace(o) => serde_json::to_value(o),
            Recipe::PiSmokeTest(o) | Recipe::PiRecipe(o) => serde_json::to_value(o),
            Recipe::ModelCardApp(o) => serde_json::to_value(o),
            Recipe::RuntimeRecommender(o) => serde_json::to_value(o),
            Recipe::ArticleReproduction(o) => serde_json::to_value(o),
            Recipe::ValidateExisting(o) => serde_json::to_value(o),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// The Space it creates, for the recipes that create one.
    pub fn space(&self) -> Option<&SpaceOptions> {
        match self {
            Recipe::TemplateSpace(space) => Some(space),
            Recipe::PiSmokeTest(o) | Recipe::PiRecipe(o) => Some(&o.space),
            Recipe::ModelCardApp(o) => Some(&o.space),
            Recipe::ArticleReproduction(o) => Some(&o.space),
            Recipe::BucketRoundTrip
            | Recipe::RuntimeRecommender(_)
            | Recipe::ValidateExisting(_) => None,
        }
    }

    /// The agent's model, for the recipes Pi works in.
    pub fn agent(&self) -> Option<&AgentOptions> {
        match self {
            Recipe::PiSmokeTest(o) | Recipe::PiRecipe(o) => Some(&o.agent),
            Recipe::ArticleReproduction(o) => Some(&o.agent),
            _ => None,
        }
    }

    /// The recipe `phase` with the options in `params` (a JSON object; `null` for none), or
    /// every problem with them by field, in the form's order: a key the recipe does not
    /// take, a field it cannot do without, a value of the wrong kind, and every rule of
    /// [`Recipe::validate`].
    pub fn from_params(phase: Phase, params: Value) -> Result<Recipe, SpecErrors> {
        let map = match params {
            Value::Null => Map::new(),
            Value::Object(map) => map,
            _ => {
                return Err(SpecErrors(vec![FieldError::new(
                    "params",
                    "the options are a JSON object",
                )]))
            }
        };
        // Blank values are absent, as a form leaves them.
        let mut map: Map<String, Value> = map
            .into_iter()
            .filter(|(_, v)| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
            .collect();
        let mut errors = presence_errors(phase, &map);
        for spec in phase.fields() {
            let name = spec.field.name();
            if let Some(message) = map.get(name).and_then(|v| wrong_kind(spec.field, v)) {
                errors.push(FieldError::new(name, message));
            }
        }
        // What is wrong is left out, so the rest can still be checked.
        map.retain(|key, _| !errors.iter().any(|e| e.field == *key));
        let missing = phase
            .fields()
            .iter()
            .any(|f| f.required && !map.contains_key(f.field.name()));
        if !missing {
            // Presence was checked above on these very keys: only the values remain.
            match Recipe::from_checked(phase, Value::Object(map)) {
                Ok(recipe) => {
                    errors.extend(content_errors(&recipe));
                    if errors.is_empty() {
                        return Ok(recipe);
                    }
                }
                Err(err) => errors.push(FieldError::new("params", err.to_string())),
            }
        }
        Err(in_form_order(phase, errors))
    }

    /// Builds the options of `phase` from a checked object.
    fn from_checked(phase: Phase, object: Value) -> Result<Recipe, serde_json::Error> {
        Ok(match phase {
            Phase::BucketRoundTrip => Recipe::BucketRoundTrip,
            Phase::TemplateSpace => Recipe::TemplateSpace(serde_json::from_value(object)?),
            Phase::PiSmokeTest => Recipe::PiSmokeTest(serde_json::from_value(object)?),
            Phase::PiRecipe => Recipe::PiRecipe(serde_json::from_value(object)?),
            Phase::ModelCardApp => Recipe::ModelCardApp(serde_json::from_value(object)?),
            Phase::RuntimeRecommender => {
                Recipe::RuntimeRecommender(serde_json::from_value(object)?)
            }
            Phase::ArticleReproduction => {
                Recipe::ArticleReproduction(serde_json::from_value(object)?)
            }
            Phase::ValidateExisting => Recipe::ValidateExisting(serde_json::from_value(object)?),
        })
    }

    /// Checks what the types cannot say: which of two fields is given, names, URLs, sizes.
    pub fn validate(&self) -> Result<(), SpecErrors> {
        let mut errors = presence_errors(self.phase(), &self.params());
        errors.extend(content_errors(self));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(in_form_order(self.phase(), errors))
        }
    }
}

/// What is missing or not the recipe's in `params`: keys it does not take, fields it cannot
/// do without, and the two recipes that need one of two fields.
fn presence_errors(phase: Phase, params: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for key in params.keys() {
        if !phase.fields().iter().any(|f| f.field.name() == key) {
            errors.push(FieldError::new(
                key,
                format!("recipe {} takes no option `{key}`", phase.id()),
            ));
        }
    }
    let has = |field: Field| params.contains_key(field.name());
    for spec in phase.fields() {
        if spec.required && !has(spec.field) {
            errors.push(FieldError::new(spec.field.name(), spec.field.missing()));
        }
    }
    match phase {
        Phase::ArticleReproduction if !has(Field::ArticleUrl) && !has(Field::ArticleText) => errors
            .push(FieldError::new(
                Field::ArticleUrl.name(),
                "an article URL or the article's text is required",
            )),
        Phase::ValidateExisting => match (has(Field::ValidateSpace), has(Field::ValidateUrl)) {
            (false, false) => errors.push(FieldError::new(
                Field::ValidateSpace.name(),
                "give a Space or a URL to validate",
            )),
            (true, true) => errors.push(FieldError::new(
                Field::ValidateUrl.name(),
                "give a Space or a URL, not both",
            )),
            _ => {}
        },
        _ => {}
    }
    errors
}

/// What is wrong with the values themselves: names, URLs, sizes, endpoint names.
fn content_errors(recipe: &Recipe) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail =
        |field: Field, message: String| errors.push(FieldError::new(field.name(), message));
    if let Some(space) = recipe.space() {
        if let Err(err) = check_part(&space.target_space, &space.target_space, "Space name") {
            fail(Field::TargetSpace, err.to_string());
        }
    }
    if let Some(agent) = recipe.agent() {
        if agent.agent_model.trim().is_empty() {
            fail(Field::AgentModel, Field::AgentModel.missing().into());
        }
        if agent
            .agent_base_url
            .as_deref()
            .is_some_and(|u| !is_http_url(u))
        {
            fail(Field::AgentBaseUrl, "must be an http(s) URL".into());
        }
    }
    match recipe {
        Recipe::ArticleReproduction(o) => {
            if o.article
                .article_url
                .as_deref()
                .is_some_and(|u| !is_http_url(u))
            {
                fail(Field::ArticleUrl, "must be an http(s) URL".into());
            }
            if o.article
                .article_text
                .as_ref()
                .is_some_and(|t| t.len() > MAX_ARTICLE_TEXT)
            {
                fail(
                    Field::ArticleText,
                    format!(
                        "the pasted text is over {} KiB: give a longer article by its URL",
                        MAX_ARTICLE_TEXT / 1024
                    ),
                );
            }
        }
        Recipe::ValidateExisting(o) => {
            if o.validate_space.is_none()
                && o.validate_url.as_deref().is_some_and(|u| !is_http_url(u))
            {
                fail(Field::ValidateUrl, "must be an http(s) URL".into());
            }
            if let Some(api) = o.call.api_name.as_deref() {
                if !api.starts_with('/') || api.len() < 2 || api.contains(char::is_whitespace) {
                    fail(
                        Field::ApiName,
                        "an endpoint name looks like `/predict`".into(),
                    );
                }
            }
        }
        _ => {}
    }
    errors
}

/// `errors` in the order the form shows the fields (keys the recipe does not take first,
/// whole-object problems last), one per field.
fn in_form_order(phase: Phase, mut errors: Vec<FieldError>) -> SpecErrors {
    let rank = |field: &str| match phase.fields().iter().position(|f| f.field.name() == field) {
        Some(at) => at + 1,
        None if field == "params" => usize::MAX,
        None => 0,
    };
    errors.sort_by_key(|e| rank(&e.field));
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert(e.field.clone()));
    SpecErrors(errors)
}

/// Why `value` cannot be `field`'s, if it cannot.
fn wrong_kind(field: Field, value: &Value) -> Option<String> {
    match field.kind() {
        FieldKind::Text => (!value.is_string()).then(|| "must be text".to_owned()),
        FieldKind::Flag => (!value.is_boolean()).then(|| "must be true or false".to_owned()),
        FieldKind::Repo => match value.as_str().map(str::parse::<RepoId>) {
            Some(Ok(_)) => None,
            Some(Err(err)) => Some(err.to_string()),
            None => Some("must be an id like `owner/name`".to_owned()),
        },
        FieldKind::Json => (field == Field::Inputs && !value.is_array())
            .then(|| "inputs are a JSON array, one value per parameter".to_owned()),
        FieldKind::Mode => serde_json::from_value::<ImplementationMode>(value.clone())
            .err()
            .map(|_| {
                "must be full-inference-gated, full-inference-attempt or safe-scaffold".into()
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_sits_at_its_index_and_has_its_own_name() {
        for (at, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field.index(), at, "{field:?}");
        }
        let names: std::collections::HashSet<_> = Field::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Field::ALL.len());
    }

    #[test]
    fn each_recipe_round_trips_through_its_wire_form() {
        let asked = [
            (Phase::BucketRoundTrip, json!({})),
            (
                Phase::TemplateSpace,
                json!({"target_space": "hello", "space_hardware": "zero-a10g"}),
            ),
            (
                Phase::PiSmokeTest,
                json!({"target_space": "s", "agent_model": "m/x"}),
            ),
            (
                Phase::PiRecipe,
                json!({"target_space": "s", "unique_suffix": true, "agent_model": "m/x", "agent_base_url": "http://127.0.0.1:8080/v1"}),
            ),
            (
                Phase::ModelCardApp,
                json!({"model_id": "a/b", "target_space": "s"}),
            ),
            (Phase::RuntimeRecommender, json!({"model_id": "a/b"})),
            (
                Phase::ArticleReproduction,
                json!({"article_text": "t", "target_space": "s", "agent_model": "m/x", "implementation_mode": "safe-scaffold", "allow_gpu_fallback": true}),
            ),
            (
                Phase::ValidateExisting,
                json!({"validate_url": "https://x.hf.space", "api_name": "/predict", "inputs": ["hi"]}),
            ),
        ];
        for (phase, params) in asked {
            let recipe = Recipe::from_params(phase, params.clone()).unwrap();
            assert_eq!(recipe.phase(), phase);
            let wire = serde_json::to_value(&recipe).unwrap();
            assert_eq!(wire, json!({"phase": phase, "params": params}), "{phase:?}");
            assert_eq!(serde_json::from_value::<Recipe>(wire).unwrap(), recipe);
            for key in recipe.params().keys() {
                assert!(
                    phase.fields().iter().any(|f| f.field.name() == key),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn a_reproduction_takes_no_space_hardware_since_its_worker_chooses_zero_gpu_first() {
        assert!(!Phase::ArticleReproduction.takes(Field::SpaceHardware));
        let refused = Recipe::from_params(
            Phase::ArticleReproduction,
            json!({"article_text": "t", "target_space": "s", "agent_model": "m/x", "space_hardware": "cpu-basic"}),
        )
        .unwrap_err();
        assert_eq!(refused.0[0].field, "space_hardware");
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_by_its_field() {
        let refused = Recipe::from_params(
            Phase::ModelCardApp,
            json!({"model_id": "no-slash", "target_space": "s", "unique_suffix": "yes"}),
        )
        .unwrap_err();
        let fields: Vec<_> = refused.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["model_id", "unique_suffix"]);
    }
}
