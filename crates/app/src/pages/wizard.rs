//! `/new/<phase id>`: the wizard of one recipe.

use crate::api::{get_run, hardware, wizard_suggestions};
use crate::api::{ApiError, HardwareOption};
use crate::components::current_user::use_current_user;
use crate::components::error_panel::ErrorPanel;
use crate::components::phase_notice::PhaseNotice;
use crate::components::scope_notice::ScopeNotice;
use crate::components::wizard_form::{RunAgain, WizardForm};
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use runs::{routes, Phase};
use std::future::IntoFuture;

/// The recipe named in the URL, its options and the launch; asks to sign in first.
#[component]
pub fn WizardPage() -> impl IntoView {
    let params = use_params_map();
    let phase = move || params.with(|p| p.get("phase").and_then(|id| Phase::from_id(&id)));
    move || match phase() {
        None => view! { <NotFound /> }.into_any(),
        Some(phase) => view! { <Wizard phase /> }.into_any(),
    }
}

/// The wizard page of a known recipe.
#[component]
fn Wizard(phase: Phase) -> impl IntoView {
    let user = use_current_user().0;
    let hardware_list = Resource::new(|| (), |_| hardware());
    let suggested = Resource::new(|| (), |_| wizard_suggestions());
    // `?again=owner/run_id`: start from an earlier run of this recipe (when the viewer may
    // see it; otherwise the form starts empty).
    let query = use_query_map();
    let again = Resource::new(
        move || query.with(|q| q.get(routes::AGAIN_QUERY)),
        move |again| async move {
            let (owner, run_id) = again.as_deref()?.split_once('/')?;
            let view = get_run(owner.to_owned(), run_id.to_owned()).await.ok()?;
            (view.phase == phase).then_some(())?;
            Some(RunAgain {
                run: format!("{owner}/{run_id}"),
                recipe: view.recipe?,
                job_flavor: view.job.and_then(|job| job.flavor),
            })
        },
    );
    let next = routes::new_run_page(phase);
    view! {
        <Title text=format!("{} — Space Factory", phase.title()) />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href="/">"Recipes"</a>
            " / "
            {phase.title()}
        </nav>
        <h1 class="wizard-title">
            <span class="phase-id">{format!("Phase {}", phase.id())}</span>
            " "
            {phase.title()}
        </h1>
        <p class="lede">{phase.summary()}</p>
        <PhaseNotice phase />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    let (user_now, hw, again, suggested) = futures_util::join!(
                        user.into_future(),
                        hardware_list.into_future(),
                        again.into_future(),
                        suggested.into_future()
                    );
                    let suggestions = suggested.unwrap_or_default();
                    match user_now {
                        Ok(Some(me)) => {
                            let options: Vec<HardwareOption> = hw.clone().unwrap_or_default();
                            // Both read at once: a resource first read only after another resolved
                            // is not tracked by the Transition from the start, and the page could
                            // then hydrate against HTML that has not streamed in yet.
                            // Without suggestions the form starts empty, as on any Hub.
                            view! {
                                <ScopeNotice me=me.clone() />
                                {hw
                                    .err()
                                    .map(|error| {
                                        view! {
                                            <ErrorPanel error retry=move |_| hardware_list.refetch() />
                                        }
                                    })}
                                {again
                                    .as_ref()
                                    .map(|again| {
                                        view! {
                                            <p class="notice info run-again-notice">
                                                "Options copied from run "
                                                <a href=again
                                                    .run
                                                    .split_once('/')
                                                    .map(|(owner, run_id)| routes::run_page(
                                                        owner,
                                                        run_id,
                                                    ))>{again.run.clone()}</a>
                                                ". If its Space name is taken now, choose another or add a fresh suffix."
                                            </p>
                                        }
                                    })}
                                <WizardForm
                                    phase
                                    me
                                    hardware=Signal::stored(options)
                                    again
                                    suggestions
                                />
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! { <ErrorPanel error=ApiError::NotSignedIn retry=|_| {} next /> }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <ErrorPanel error retry=move |_| user.refetch() next /> }
                                .into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}
