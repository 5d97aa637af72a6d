//! What the pages show, as plain serde data shared by the server and the browser.
//!
//! None of these types can hold a token: the server builds them from the Hub's answers and
//! the bucket, and only these cross to the browser.

use runs::recipe::RecipeRequest;
use runs::{
    Event, GateStatus, InferenceProof, JobStage, Phase, Recipe, RunId, RunState, RunStatus,
};
use serde::{Deserialize, Serialize};

/// The signed-in user, as the header and the wizards need them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// The Hub username (the namespace runs and Spaces go to).
    pub username: String,
    /// The display name, when the Hub has one.
    pub name: Option<String>,
    /// The avatar image URL, when the Hub has one.
    pub avatar_url: Option<String>,
    /// The scopes the user granted at sign-in.
    pub scopes: Vec<String>,
    /// Whether the grant includes what launching a run needs (the `jobs` scope); when not,
    /// `missing_scopes` says what to grant.
    pub can_launch: bool,
    /// Scopes the factory asked for and the user did not grant.
    pub missing_scopes: Vec<String>,
    /// Minutes the sign-in has left, when the Hub said how long it lasts: a run's Job
    /// carries this token, so it cannot usefully run longer.
    #[serde(default)]
    pub sign_in_minutes_left: Option<u64>,
    /// What the account may spend on, as the Hub told at sign-in.
    #[serde(default)]
    pub plan: AccountPlan,
    /// The organizations the user belongs to (`whoami-v2` at sign-in): namespaces a run may
    /// record in besides the user's own.
    #[serde(default)]
    pub orgs: Vec<String>,
}

/// What an account may do that costs money, from `whoami-v2` (each `None` when the Hub did
/// not say): runs are Jobs billed to the user, and since 2026-07 a free account may host
/// Gradio Spaces only on ZeroGPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountPlan {
    /// Whether the account has PRO.
    pub is_pro: Option<bool>,
    /// Whether it can pay for Jobs and paid hardware.
    pub can_pay: Option<bool>,
}

/// The Space hardware a free account gets unless it asks for another: ZeroGPU, the only
/// free Gradio hardware it may use (two Spaces at once).
pub const FREE_SPACE_HARDWARE: &str = runs::hardware::ZERO_GPU;

/// Where the Hub lets an account add credits or a payment method.
pub const BILLING_URL: &str = "https://huggingface.co/settings/billing";

impl AccountPlan {
    /// Why this account cannot launch a run at all, in words with the way to fix it.
    pub fn launch_blocker(&self) -> Option<String> {
        (self.can_pay == Some(false)).then(|| {
            format!(
                "Runs are Hugging Face Jobs billed to your account, and it cannot pay for them \
                 yet: add credits or a payment method at {BILLING_URL}, then sign in again."
            )
        })
    }

    /// The Space hardware a recipe starts from for this account: ZeroGPU for a free one.
    pub fn default_space_hardware(&self) -> Option<&'static str> {
        (self.is_pro == Some(false)).then_some(FREE_SPACE_HARDWARE)
    }
}

/// A value the wizard suggests for a field, with the label it shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The value (a model id, …).
    pub id: String,
    /// What it is, when that is worth saying (a demo model, say).
    pub label: Option<String>,
}

/// What the wizards suggest and start from on this factory's Hub. On the embedded hub:
/// its demo agent and demo models, so every recipe runs out of the box; on the Hub: the
/// usual agent models.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Suggestions {
    /// Agent models, the first one the default.
    pub agent_models: Vec<Suggestion>,
    /// Models for the model recipes, the first one filled in (none: the field starts empty).
    pub models: Vec<Suggestion>,
    /// An article the reproduction recipe starts from, when the Hub has one to offer.
    pub article_url: Option<String>,
    /// The budget the wizard starts from (this factory's configured default), USD.
    #[serde(default)]
    pub default_budget_usd: Option<f64>,
}

/// What the wizard submits: the recipe and its options. The server fills in the run id,
/// owner and bucket, and validates everything again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchRequest {
    /// The recipe and its options as asked (on the wire `phase` and `params`); the server
    /// checks them field by field.
    #[serde(flatten)]
    pub recipe: RecipeRequest,
    /// Job hardware flavor; the server's default when absent.
    #[serde(default)]
    pub job_flavor: Option<String>,
    /// Job timeout in minutes; the server's default when absent.
    #[serde(default)]
    pub job_timeout_minutes: Option<u32>,
    /// The user confirmed the cost of the dedicated GPU they chose (Job or Space); without
    /// it the server refuses one.
    #[serde(default)]
    pub paid_hardware_confirmed: bool,
    /// The custom model endpoint's own API key (`agent_base_url`): the server refuses a
    /// base URL without one, and passes it to the Job as a secret of its own; never part of
    /// the recipe, so never recorded or shown back.
    #[serde(default)]
    pub agent_api_key: Option<runs::job::EndpointKey>,
    /// Where the run records: one of the user's orgs (its bucket, its members open the
    /// run's link), or the user's own namespace when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The most the run may spend, USD; the server's default when absent.
    #[serde(default)]
    pub budget_usd: Option<f64>,
}

/// A launched run: where its page is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launched {
    /// The namespace the run belongs to.
    pub owner: String,
    /// The run's id.
    pub run_id: RunId,
    /// The run page's path, `/runs/<owner>/<run_id>`.
    pub page: String,
}

/// One line of the runs list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The namespace the run belongs to.
    pub owner: String,
    /// The run's id (sortable by creation time).
    pub run_id: RunId,
    /// The recipe.
    pub phase: Phase,
    /// Where it stands: from `state.json` when written, else from the Job (`queued`).
    pub status: RunStatus,
    /// `owner/name` of the target Space, when the recipe makes one.
    pub target_space: Option<String>,
    /// RFC 3339 creation time (the Job's).
    pub created_at: Option<String>,
    /// Wall time so far or in total, in seconds, once the worker started.
    pub duration_secs: Option<u64>,
    /// The one-sentence outcome, once there is one.
    pub verdict: Option<String>,
    /// What the run has cost so far, as its worker estimates it.
    #[serde(default)]
    pub cost: Option<runs::RunSpend>,
}

/// The Job that carries a run, as the run page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    /// The Job id.
    pub id: String,
    /// The Hub's stage (`SCHEDULING`, `RUNNING`, `COMPLETED`, `ERROR`, `CANCELED`, …).
    pub stage: JobStage,
    /// The Hub's message about the stage, when it gives one.
    pub message: Option<String>,
    /// The hardware flavor it runs on.
    pub flavor: Option<String>,
    /// The Job's page on the Hub.
    pub url: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: Option<String>,
}

/// One file a run left in its bucket folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactEntry {
    /// Path relative to the run folder, e.g. `tests/test_result.json`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// Everything the run page shows at load time; the live stream updates it afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    /// The namespace the run belongs to.
    pub owner: String,
    /// The run's id.
    pub run_id: RunId,
    /// The recipe.
    pub phase: Phase,
    /// What was asked, as launched (from the Job's environment), without secrets.
    pub recipe: Option<Recipe>,
    /// The Job, when the viewer's token can still see it.
    pub job: Option<JobView>,
    /// `state.json`, once the worker wrote it.
    pub state: Option<RunState>,
    /// `events.jsonl` so far.
    pub events: Vec<Event>,
    /// `report.md` rendered to HTML and sanitized (no script, no raw HTML), once written.
    pub report_html: Option<String>,
    /// The files in the run folder (the first ones, when there are very many).
    pub artifacts: Vec<ArtifactEntry>,
    /// Whether the run folder holds more files than `artifacts` lists.
    pub artifacts_truncated: bool,
    /// Whether the run is recorded in a bucket that is not private: anyone may have written
    /// it, so the page says so.
    pub public_record: bool,
    /// The gate status of `inference_gate.json` (phases 5 and 8), e.g. `health_only`.
    pub gate: Option<GateStatus>,
    /// `tests/inference_proof.json`, the gate's evidence (phases 5 and 8), when it is one.
    pub proof: Option<InferenceProof>,
    /// Whether the viewer may cancel it (their own run, not yet over).
    pub can_cancel: bool,
    /// Whether its page is open to anyone; `None` when the viewer may not change that and
    /// it is not.
    #[serde(default)]
    pub publication: Option<Publication>,
}

/// Whether a run's page opens for anyone (its public snapshot), as the page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "is")]
pub enum Publication {
    /// Only who may read the run's bucket opens its link; the viewer (its owner) may
    /// publish it once it is over.
    Private {
        /// Whether it is over, so that it may be published now.
        can_publish: bool,
    },
    /// Anyone opens its link, signed in or not: the page is read from its snapshot in a
    /// public dataset repo.
    Public {
        /// The dataset repo's page on the Hub, where the snapshot is.
        snapshot_url: String,
        /// Whether the viewer (its owner) may unpublish it.
        can_unpublish: bool,
    },
}

/// How an artifact is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// Pretty-printed JSON.
    Json,
    /// Markdown rendered to sanitized HTML in `html`.
    Markdown,
    /// Source code, highlighted in `html`.
    Code,
    /// Plain text.
    Text,
    /// Not shown inline (binary or too large); `text` says why.
    Unshown,
}

/// One artifact's content, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path relative to the run folder.
    pub path: String,
    /// How to show it.
    pub kind: ArtifactKind,
    /// The text (pretty-printed for JSON).
    pub text: String,
    /// Sanitized HTML for `Markdown` and `Code`; never raw file content.
    pub html: Option<String>,
    /// Size in bytes.
    pub size: u64,
}

/// One hardware flavor with its price, for the wizards' pickers and cost summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardwareOption {
    /// The flavor name, e.g. `cpu-basic`, `zero-a10g`, `t4-small`.
    pub name: String,
    /// The Hub's label for it.
    pub pretty_name: Option<String>,
    /// US dollars per hour, when the Hub lists a price.
    pub usd_per_hour: Option<f64>,
    /// Whether it has a GPU.
    pub gpu: bool,
}

/// The answer of the live "is this Space name free?" check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceNameCheck {
    /// `owner/name` as it would be created.
    pub repo_id: String,
    /// Whether no Space of that name exists in the user's namespace.
    pub available: bool,
    /// A sentence for the form (why not, or that it is free).
    pub message: String,
}
