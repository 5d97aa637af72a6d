//! Phase 2.1: generates the template Gradio app, deploys it as a private Space in the
//! owner's namespace, waits for it to run, and calls its API for a known answer.

use super::step;
use crate::config::WorkerConfig;
use crate::engine::step::because;
use crate::engine::{Recorder, StepFailure};
use crate::generate::{self, template_app};
use crate::space::{self, Deployment, LiveCheck, SpaceSettings};
use runs::recipe::SpaceOptions;
use runs::RunSpec;

/// Runs phase 2.1 to its verdict.
pub async fn run(
    spec: &RunSpec,
    options: &SpaceOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let name = options.target_space.clone();
    let access = space::check_access(rec, config, &spec.owner).await?;

    let mut files = template_app::files(&name);
    step(rec, "generate", |rec| {
        let mut message = format!(
            "generated {}",
            files
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(dir) = &config.app_override {
            let changed = generate::apply_override(&mut files, dir).map_err(because)?;
            message.push_str(&format!(
                "; replaced {} from {}",
                changed.join(", "),
                generate::APP_OVERRIDE_ENV
            ));
        }
        space::save_generated(rec, &files)?;
        Ok(message)
    })?;

    let check = LiveCheck::expect_text(
        template_app::API_NAME,
        vec![template_app::SAMPLE_INPUT.into()],
        &template_app::expected_output(template_app::SAMPLE_INPUT),
    );
    let mut deployment = Deployment::new(&spec.owner, &name, &files, check, config.wait.clone());
    deployment.unique_suffix = options.unique_suffix;
    deployment.settings = SpaceSettings {
        hardware: options.space_hardware.clone(),
        ..SpaceSettings::default()
    };
    deployment.commit_summary = "Add the template app (Space Factory phase 2.1)".into();
    let deployed = space::deploy_and_validate(rec, &access, &deployment).await?;

    Ok(format!(
        "The private Space {} runs and {} answered {:?} as expected in {} ms.",
        deployed.target.id,
        template_app::API_NAME,
        template_app::expected_output(template_app::SAMPLE_INPUT),
        deployed.validation.result.latency_ms.unwrap_or_default()
    ))
}
