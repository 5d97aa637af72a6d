//! Launching a run: validate every field again on the server, make sure the user's private
//! bucket exists, and create the Job that runs `worker run` with the user's token (and a
//! custom model endpoint's own key) as encrypted secrets.

use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, LaunchRequest, Launched};
use hub::jobs::{JobSpec, RunSecrets};
use runs::job::EndpointKey;
use runs::recipe::RecipeRequest;
use runs::spec::SPEC_VERSION;
use runs::{job, CostTerms, FieldError, PhaseStatus, Recipe, RunId, RunSpec};

/// The longest Job a wizard may ask for, in minutes (the Hub's own limit is days; a run
/// needs far less).
pub const MAX_TIMEOUT_MINUTES: u32 = 24 * 60;

/// Launches `launch` as `user`.
pub async fn launch(
    services: &Services,
    user: &SignedIn,
    launch: LaunchRequest,
) -> Result<Launched, ApiError> {
    if !user.has_scope("jobs") {
        return Err(ApiError::MissingPermission(
            "Your Hugging Face sign-in did not grant the `jobs` scope, so the factory cannot \
             start a Job for you. Sign out, sign in again and allow Jobs."
                .into(),
        ));
    }
    let run_id = RunId::generate();
    let namespace = launch
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| user.username.clone());
    let bucket = services
        .bucket_for(&namespace)
        .map_err(|e| ApiError::Internal(format!("no bucket name for this namespace: {e}")))?;
    let (recipe, flavor, timeout_secs) = validate(
        services,
        launch.recipe,
        launch.job_flavor,
        launch.job_timeout_minutes,
        user.minutes_left(),
        launch.paid_hardware_confirmed,
        launch.agent_api_key.is_some(),
    )?;
    // The key goes only to the endpoint it was typed for.
    let endpoint_key = launch
        .agent_api_key
        .filter(|_| recipe.agent().is_some_and(|a| a.agent_base_url.is_some()));
    let spec = RunSpec {
        version: SPEC_VERSION,
        run_id,
        owner: namespace.clone(),
        bucket: bucket.clone(),
        recipe,
        cost: Some(CostTerms {
            job_flavor: flavor.clone(),
            budget_usd: launch.budget_usd.or(services.jobs.default_budget_usd),
        }),
    };
    spec.validate()
        .map_err(|errors| ApiError::Invalid(errors.0))?;

    check_under_way(services, user).await?;
    check_can_pay(services, user, &namespace).await?;
    let info = services
        .hub
        .ensure_bucket(&bucket, &user.token())
        .await
        .map_err(hub_error)?;
    if !info.private {
        return Err(ApiError::Internal(format!(
            "the bucket {bucket} is public; runs are recorded only in a private bucket"
        )));
    }

    let job_spec = job_spec(
        services,
        user,
        &spec,
        endpoint_key.as_ref(),
        flavor,
        timeout_secs,
    )?;
    let created = services
        .hub
        .create_job(&user.username, &job_spec, &user.token())
        .await
        .map_err(hub_error)?;
    tracing::info!(user = %user.username, run = %run_id, job = %created.id, phase = spec.phase().id(), "run launched");
    Ok(Launched {
        owner: namespace.clone(),
        run_id,
        page: runs::routes::run_page(&namespace, run_id),
    })
}

/// Refuses a launch the account cannot pay for (its Job would be refused with a 402), with
/// the same words the wizard shows, and one recording in a `namespace` that is neither the
/// user's nor one of their orgs'; asks the Hub now, not as of sign-in.
async fn check_can_pay(
    services: &Services,
    user: &SignedIn,
    namespace: &str,
) -> Result<(), ApiError> {
    let who = services
        .hub
        .whoami(&user.token())
        .await
        .map_err(hub_error)?;
    if !who.acts_for(namespace) {
        return Err(ApiError::Invalid(vec![FieldError {
            field: crate::components::namespace_select::NAMESPACE_FIELD.into(),
            message: format!(
                "`{namespace}` is neither your namespace nor one of your organizations"
            ),
        }]));
    }
    match crate::api::server::plan_of(&who).launch_blocker() {
        Some(why) => Err(ApiError::CannotPay(why)),
        None => Ok(()),
    }
}

/// Refuses a launch while the user already has [`JobSettings::max_under_way`] run Jobs that
/// have not ended.
///
/// [`JobSettings::max_under_way`]: crate::api::server::JobSettings::max_under_way
async fn check_under_way(services: &Services, user: &SignedIn) -> Result<(), ApiError> {
    let jobs = services
        .hub
        .list_jobs(
            &user.username,
            &[(job::LABEL_APP, job::LABEL_APP_VALUE)],
            &user.token(),
        )
        .await
        .map_err(hub_error)?;
    let under_way = jobs.iter().filter(|j| !j.status.is_terminal()).count();
    let max = services.jobs.max_under_way;
    if under_way >= max {
        return Err(ApiError::TooMany(format!(
            "You have {under_way} runs under way, the most this factory runs at once for one \
             user ({max}). Wait for one to finish, or cancel one from its page, then launch again."
        )));
    }
    Ok(())
}

/// Every check of the request at once: the spec's own, the phase's availability, the
/// flavor and the timeout, and that a custom model endpoint comes with its own key.
fn validate(
    services: &Services,
    asked: RecipeRequest,
    flavor: Option<String>,
    timeout_minutes: Option<u32>,
    sign_in_minutes_left: Option<u64>,
    paid_hardware_confirmed: bool,
    has_endpoint_key: bool,
) -> Result<(Recipe, String, u64), ApiError> {
    let phase = asked.phase;
    let (recipe, mut errors) = match asked.check() {
        Ok(recipe) => (Some(recipe), Vec::new()),
        Err(errors) => (None, errors.0),
    };
    let mut fail = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    if phase.status() != PhaseStatus::Available {
        fail("phase", format!("{} is not available yet", phase.title()));
    }
    let flavor = flavor
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| services.jobs.flavor.clone());
    if flavor.len() > 64
        || !flavor
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        fail(
            "job_flavor",
            format!("`{flavor}` is not a hardware flavor name (like cpu-basic or a10g-small)"),
        );
    }
    let timeout_secs = match timeout_minutes {
        None => services.jobs.timeout.as_secs(),
        Some(m) if (1..=MAX_TIMEOUT_MINUTES).contains(&m) => u64::from(m) * 60,
        Some(m) => {
            fail(
                "job_timeout_minutes",
                format!("{m} minutes is not between 1 and {MAX_TIMEOUT_MINUTES}"),
            );
            0
        }
    };
    // A dedicated GPU is a deliberate choice: one the factory offers, with its cost confirmed.
    let space_hardware = recipe
        .as_ref()
        .and_then(Recipe::space)
        .and_then(|space| space.space_hardware.clone())
        .unwrap_or_default();
    for (field, chosen) in [
        ("job_flavor", flavor.as_str()),
        ("space_hardware", space_hardware.as_str()),
    ] {
        if !runs::hardware::is_paid_gpu(chosen) {
            continue;
        }
        if !services.jobs.allowed_gpus.iter().any(|g| g == chosen) {
            fail(
                field,
                format!(
                    "{chosen} is not offered by this factory; its GPUs: {}",
                    services.jobs.allowed_gpus.join(", ")
                ),
            );
        } else if !paid_hardware_confirmed {
            fail(
                crate::components::wizard_fields::PAID_HARDWARE_FIELD,
                format!("{chosen} is a dedicated GPU that bills by the hour: confirm its cost to use it"),
            );
        }
    }
    // The user's token never goes to an endpoint someone typed: it needs a key of its own.
    let custom_endpoint = recipe
        .as_ref()
        .and_then(Recipe::agent)
        .is_some_and(|agent| agent.agent_base_url.is_some());
    if custom_endpoint && !has_endpoint_key {
        fail(
            crate::components::wizard_fields::AGENT_API_KEY_FIELD,
            job::ENDPOINT_KEY_NEEDED.to_owned(),
        );
    }
    // The Job carries the user's token: past its expiry every Hub call fails.
    if let Some(left) = sign_in_minutes_left {
        if left < 1 {
            return Err(ApiError::NotSignedIn);
        }
        if timeout_secs / 60 > left {
            fail(
                "job_timeout_minutes",
                format!(
                    "your Hugging Face sign-in lasts {left} more minutes and the run works with it: \
                     choose at most {left}, or sign out and in again for a fresh sign-in"
                ),
            );
        }
    }
    match recipe {
        Some(recipe) if errors.is_empty() => Ok((recipe, flavor, timeout_secs)),
        _ => Err(ApiError::Invalid(errors)),
    }
}

/// The run's Job ([`JobSpec::for_run`]) with what this factory adds: its Hub, the token's
/// expiry, where the bucket is mounted, the hardware and timeout; `endpoint_key` is the
/// custom model endpoint's own key, when the run has one.
fn job_spec(
    services: &Services,
    user: &SignedIn,
    spec: &RunSpec,
    endpoint_key: Option<&EndpointKey>,
    flavor: String,
    timeout_secs: u64,
) -> Result<JobSpec, ApiError> {
    let settings = &services.jobs;
    let spec_json = serde_json::to_string(spec)
        .map_err(|e| ApiError::Internal(format!("the run spec does not serialize: {e}")))?;
    let token = user.token();
    let mut job_spec = JobSpec::for_run(
        settings.image.clone(),
        spec_json,
        &spec.run_id.to_string(),
        spec.phase(),
        &spec.bucket,
        &settings.bucket_mount,
        RunSecrets {
            token: &token,
            endpoint_key,
        },
    );
    if let Some(endpoint) = &settings.hub_endpoint {
        job_spec.env.insert("HF_ENDPOINT".into(), endpoint.clone());
    }
    if let Some(at) = user.expires_at() {
        job_spec
            .env
            .insert(job::TOKEN_EXPIRES_ENV.into(), at.to_string());
    }
    if settings.bucket_mount != job::OUTPUT_MOUNT {
        job_spec
            .env
            .insert("SPACE_FACTORY_OUTPUT".into(), settings.bucket_mount.clone());
    }
    job_spec.flavor = flavor;
    job_spec.timeout_seconds = Some(timeout_secs);
    Ok(job_spec)
}
