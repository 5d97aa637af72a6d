//! Creating the run's target Space: private, in the owner's namespace, never over an
//! existing one (unless a unique suffix was asked for, which picks a fresh name).

use super::HubAccess;
use crate::engine::clock::now_rfc3339;
use crate::engine::step::{because, StepError};
use crate::engine::step::{fail, step_async};
use crate::engine::{Recorder, StepFailure};
use hub::repos::{CreateRepo, KeyValue, RepoType, RepoUrl};
use hub::{HubError, RepoId};
use runs::Level;
use serde::Serialize;

/// The step this module records.
pub const STEP: &str = "create_space";

/// The artifact describing the Space the run made.
pub const TARGET_SPACE_JSON: &str = "target_space.json";

/// Create-time settings of the Space (hardware and secrets go in the create payload:
/// setting them afterwards can be refused under OAuth).
#[derive(Debug, Clone, Default)]
pub struct SpaceSettings {
    /// Hardware flavor, e.g. `cpu-basic` or `zero-a10g`.
    pub hardware: Option<String>,
    /// What to ask for instead, in order, when the Hub refuses the create for its hardware
    /// (402, 403: no PRO, no payment method, no ZeroGPU slot left); `None` is the Space's
    /// default hardware. Empty: a refusal fails the step.
    pub hardware_fallbacks: Vec<Option<String>>,
    /// Sleep time in seconds.
    pub sleep_time_seconds: Option<i64>,
    /// Space secrets (values are never recorded).
    pub secrets: Vec<KeyValue>,
    /// Space variables.
    pub variables: Vec<KeyValue>,
}

/// The Space the run created, as `target_space.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSpace {
    /// `owner/name` as created.
    pub id: RepoId,
    /// The name the user asked for (differs from `id`'s when a suffix was added).
    pub requested_name: String,
    /// Whether a unique suffix was added because the name was taken.
    pub suffix_added: bool,
    /// The Space's Hub page.
    pub url: String,
    /// Always true: target Spaces are private.
    pub private: bool,
    /// The SDK (`gradio`).
    pub sdk: String,
    /// The hardware asked for at creation, if any.
    pub hardware: Option<String>,
    /// Hardware asked for first and refused by the Hub, in order, with its answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hardware_refused: Vec<HardwareRefusal>,
    /// When it was created.
    pub created_at: String,
    /// The live app URL, once the Space runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    /// The last runtime stage seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<hub::spaces::SpaceStage>,
}

/// A create the Hub refused for the hardware it asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardwareRefusal {
    /// The flavor asked for (`None`: the default hardware).
    pub hardware: Option<String>,
    /// The Hub's answer (redacted).
    pub detail: String,
}

impl TargetSpace {
    /// Writes `target_space.json` (whole) and names the Space in the state's links.
    pub fn save(&self, rec: &mut Recorder) -> Result<(), StepFailure> {
        let value = serde_json::to_value(self).expect("target serializes");
        rec.json_artifact(TARGET_SPACE_JSON, &value)?;
        rec.set_target_space(&self.id.to_string(), self.app_url.as_deref())
            .map_err(|e| fail(STEP, format!("could not record: {e}")))
    }
}

/// Creates the private Gradio Space `owner/name` (step `create_space`).
///
/// An existing name is refused, unless `unique_suffix` is set: then `name-<suffix>` (a
/// short suffix from the run id, or a random one if that is taken too) is created instead.
pub async fn create_target(
    rec: &mut Recorder,
    access: &HubAccess,
    owner: &str,
    name: &str,
    unique_suffix: bool,
    settings: &SpaceSettings,
) -> Result<TargetSpace, StepFailure> {
    step_async(rec, STEP, async |rec: &mut Recorder| {
        let requested = RepoId::new(owner, name).map_err(because)?;
        let id = choose_name(
            access,
            &requested,
            unique_suffix,
            &rec.state().run_id.to_string(),
        )
        .await?;
        let choices: Vec<Option<String>> = std::iter::once(settings.hardware.clone())
            .chain(settings.hardware_fallbacks.iter().cloned())
            .collect();
        let mut refused = Vec::new();
        let mut created = None;
        for hardware in &choices {
            let mut spec = CreateRepo::gradio_space(id.clone());
            spec.hardware = hardware.clone();
            spec.sleep_time_seconds = settings.sleep_time_seconds;
            spec.secrets = settings.secrets.clone();
            spec.variables = settings.variables.clone();
            match create(rec, access, &spec).await? {
                Created::Made(url) => {
                    created = Some((url, hardware.clone()));
                    break;
                }
                Created::Refused(e) if refused.len() + 1 < choices.len() => {
                    let detail = rec.redactor().redact(&e.to_string());
                    rec.event(
                        Level::Warn,
                        &format!(
                            "the Hub refused {id} on {}: {detail}; trying the next hardware",
                            hardware.as_deref().unwrap_or("its default hardware")
                        ),
                        serde_json::json!({"space": id.to_string(), "hardware": hardware}),
                    )
                    .map_err(because)?;
                    refused.push(HardwareRefusal {
                        hardware: hardware.clone(),
                        detail,
                    });
                }
                Created::Refused(e) => {
                    return Err(because(format!("could not create the Space {id}: {e}")))
                }
            }
        }
        let Some((created, hardware)) = created else {
            return Err(because(format!("could not create the Space {id}")));
        };
        rec.meter()
            .space_started(&id.to_string(), hardware.as_deref());
        let target = TargetSpace {
            suffix_added: id != requested,
            id,
            requested_name: name.to_owned(),
            url: created.url,
            private: true,
            sdk: "gradio".into(),
            hardware,
            hardware_refused: refused,
            created_at: now_rfc3339(),
            app_url: None,
            stage: None,
        };
        target.save(rec)?;
        let message = if target.suffix_added {
            format!("created the private Space {} ({name} was taken)", target.id)
        } else {
            format!("created the private Space {}", target.id)
        };
        Ok((target, message))
    })
    .await
}

/// What one create came to: the Space, or a refusal for its hardware (402/403).
enum Created {
    Made(RepoUrl),
    Refused(HubError),
}

/// One `repos/create` of `spec`; any answer but made or refused-for-hardware fails the step.
async fn create(
    rec: &mut Recorder,
    access: &HubAccess,
    spec: &CreateRepo,
) -> Result<Created, StepError> {
    let id = &spec.id;
    match access.hub.create_repo(spec, &access.token).await {
        Ok(created) => Ok(Created::Made(created)),
        // The name was free a moment ago: if the Space exists now, this create made it
        // and only its answer was lost on the way back.
        Err(e) if e.is_transient() && exists(access, id).await? => {
            rec.event(
                Level::Warn,
                &format!("the answer to creating {id} was lost ({e}); the Space exists, so it was created"),
                serde_json::json!({"space": id.to_string()}),
            )
            .map_err(because)?;
            Ok(Created::Made(RepoUrl {
                url: access.hub.repo_page_url(RepoType::Space, id),
            }))
        }
        Err(HubError::Conflict { .. }) => Err(because(format!(
            "the Space {id} already exists; choose another name or ask for a unique suffix"
        ))),
        Err(e @ (HubError::PaymentRequired { .. } | HubError::Forbidden { .. })) => {
            Ok(Created::Refused(e))
        }
        Err(e) => Err(because(format!("could not create the Space {id}: {e}"))),
    }
}

/// The id to create: `requested` when free; with `unique_suffix`, a suffixed free name.
/// Also used when someone else (the agent of phase 4) creates the Space: the worker picks
/// the name first, so the Space is new and the run's own.
pub async fn choose_name(
    access: &HubAccess,
    requested: &RepoId,
    unique_suffix: bool,
    run_id: &str,
) -> Result<RepoId, StepError> {
    if !exists(access, requested).await? {
        return Ok(requested.clone());
    }
    if !unique_suffix {
        return Err(because(format!(
                "the Space {requested} already exists and target Spaces are never overwritten; choose another name or ask for a unique suffix"
            ),
        ));
    }
    let candidates = [suffix_from_run_id(run_id), random_suffix(), random_suffix()];
    for suffix in candidates {
        let id = with_suffix(requested, &suffix)?;
        if !exists(access, &id).await? {
            return Ok(id);
        }
    }
    Err(because(format!(
        "no free name found for {requested} with a suffix"
    )))
}

async fn exists(access: &HubAccess, id: &RepoId) -> Result<bool, StepError> {
    access
        .hub
        .repo_exists(RepoType::Space, id, Some(&access.token))
        .await
        .map_err(|e| because(format!("could not check whether {id} exists: {e}")))
}

/// `name-suffix`, shortening `name` so the result stays within the Hub's length limit.
fn with_suffix(requested: &RepoId, suffix: &str) -> Result<RepoId, StepError> {
    let room = runs::repo_id::MAX_PART_LEN - suffix.len() - 1;
    let base: String = requested.name().chars().take(room).collect();
    let base = base.trim_end_matches(['-', '.', '_']);
    RepoId::new(requested.owner(), &format!("{base}-{suffix}")).map_err(because)
}

/// Six characters of the run id's random part: unique per run, stable within it.
fn suffix_from_run_id(run_id: &str) -> String {
    run_id
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_ascii_lowercase()
}

fn random_suffix() -> String {
    use std::hash::{BuildHasher, RandomState};
    let n = RandomState::new().hash_one(std::time::SystemTime::now());
    format!("{:06x}", n & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_short_and_names_stay_valid() {
        assert_eq!(suffix_from_run_id("01JDQ7ZK3G8X5V2N4M6P8R0T2W"), "8r0t2w");
        let long = RepoId::new("alice", &"a".repeat(96)).unwrap();
        let id = with_suffix(&long, "8r0t2w").unwrap();
        assert_eq!(id.name().len(), 96);
        assert!(id.name().ends_with("-8r0t2w"));
        let dashed = RepoId::new("alice", &format!("{}-b", "a".repeat(88))).unwrap();
        assert!(with_suffix(&dashed, "8r0t2w").is_ok());
        assert_eq!(random_suffix().len(), 6);
    }
}
