//! Everything the run page shows about one run, kept live while it runs.

use crate::api::job_log;
use crate::api::RunView;
use crate::components::artifact_browser::ArtifactBrowser;
use crate::components::cancel_button::CancelButton;
use crate::components::copy_link::CopyLink;
use crate::components::event_list::EventList;
use crate::components::gate_badge::GateBadge;
use crate::components::hydration::hydrated_mark;
use crate::components::live_run::LiveRun;
use crate::components::log_panel::LogPanel;
use crate::components::proof_evidence::ProofEvidence;
use crate::components::publish_panel::PublishPanel;
use crate::components::report_view::ReportView;
use crate::components::run_cost::RunCost;
use crate::components::run_links::RunLinks;
use crate::components::run_stream::follow_run;
use crate::components::run_timeline::RunTimeline;
use crate::components::status_badge::StatusBadge;
use crate::components::step_timeline::StepTimeline;
use leptos::prelude::*;
use runs::routes;

/// The run's header, steps, events, logs, report and artifacts. While the run is open it
/// follows the live stream (unless `stream_ended` says the server already closed it), and
/// `reload` fetches the finished run's report and files once the stream ends.
#[component]
pub fn RunDetail(
    view: RunView,
    reload: Callback<()>,
    stream_ended: RwSignal<bool>,
) -> impl IntoView {
    let live = LiveRun::new(&view);
    let status = live.status();
    let owner = view.owner.clone();
    let run_id = view.run_id.to_string();
    let open = !status.get_untracked().is_terminal();
    if open && !stream_ended.get_untracked() {
        let on_end = Callback::new(move |_| {
            stream_ended.set(true);
            reload.run(());
        });
        follow_run(owner.clone(), run_id.clone(), live, on_end);
    }
    // Without the live stream (the run was over when the page opened) the log is fetched
    // once, when its panel is first opened.
    let log_pending = RwSignal::new(!open || stream_ended.get_untracked());
    let load_log = log_pending.get_untracked().then(|| {
        let (owner, run_id) = (owner.clone(), run_id.clone());
        let requested = RwSignal::new(false);
        Callback::new(move |_| {
            if requested.get_untracked() {
                return;
            }
            requested.set(true);
            let (owner, run_id) = (owner.clone(), run_id.clone());
            leptos::task::spawn_local(async move {
                let lines = job_log(owner, run_id).await.unwrap_or_default();
                for (n, line) in lines.into_iter().enumerate() {
                    live.push_log(n as u64, line);
                }
                log_pending.set(false);
            });
        })
    });
    let path = routes::run_page(&owner, &run_id);
    // The recipe's wizard, filled with this run's options.
    let again = routes::run_again_page(view.phase, &owner, &run_id);
    let target_space = view
        .recipe
        .as_ref()
        .and_then(|r| r.space())
        .map(|space| space.target_space.clone())
        .map(|name| {
            if name.contains('/') {
                name
            } else {
                format!("{owner}/{name}")
            }
        });
    let steps = Signal::derive(move || {
        live.state
            .with(|s| s.as_ref().map(|s| s.steps.clone()).unwrap_or_default())
    });
    let verdict = move || {
        live.state.with(|s| {
            s.as_ref()
                .and_then(|s| s.verdict.clone().or(s.error.clone()))
        })
    };
    let hydrated = hydrated_mark();
    let current = move || {
        live.state
            .with(|s| s.as_ref().and_then(|s| s.current_step.clone()))
    };
    view! {
        <header class="run-head" data-hydrated=hydrated>
            <div class="run-title">
                <h1>
                    <span class="phase-id">{format!("Phase {}", view.phase.id())}</span>
                    " "
                    {view.phase.title()}
                </h1>
                <p class="run-id muted">{format!("{owner} · {run_id}")}</p>
            </div>
            <div class="run-state" role="status" aria-live="polite">
                <StatusBadge status />
                {view.gate.map(|gate| view! { <GateBadge gate /> })}
                <Show when=move || live.connected.get()>
                    <span class="live-dot" title="Receiving live updates">
                        "live"
                    </span>
                </Show>
            </div>
        </header>
        {view
            .public_record
            .then(|| {
                view! {
                    <p class="notice warn public-record" role="note">
                        "A public record: this run is kept in a bucket that is not private, so anyone may have written or changed what this page shows. Trust it no more than its source."
                    </p>
                }
            })}
        <p class="verdict" data-status=move || crate::components::status_badge::slug(status.get())>
            {move || verdict().or_else(|| current().map(|s| format!("Now: {s}")))}
        </p>
        <RunCost state=live.state />
        {view.proof.clone().map(|proof| view! { <ProofEvidence proof /> })}
        <div class="run-actions">
            <CopyLink path />
            <RunLinks job=live.job state=live.state target_space />
            {view
                .can_cancel
                .then(|| {
                    let (owner, run_id) = (owner.clone(), run_id.clone());
                    view! {
                        <Show when=move || !status.get().is_terminal()>
                            <CancelButton
                                owner=owner.clone()
                                run_id=run_id.clone()
                                on_done=reload
                            />
                        </Show>
                    }
                })}
            <Show when=move || status.get().is_terminal()>
                <a class="button run-again" href=again.clone()>
                    "Run again"
                </a>
            </Show>
        </div>
        {view
            .publication
            .clone()
            .map(|publication| {
                view! { <PublishPanel publication owner=owner.clone() run_id=run_id.clone() /> }
                    .into_any()
            })}
        <RunTimeline steps events=live.events />
        <div class="run-grid">
            <StepTimeline steps />
            <EventList events=live.events />
        </div>
        <LogPanel lines=live.logs on_open=load_log pending=log_pending />
        <ReportView html=view.report_html.clone() />
        <ArtifactBrowser owner=owner.clone() run_id=run_id.clone() entries=view.artifacts.clone() />
        {view
            .artifacts_truncated
            .then(|| {
                view! {
                    <p class="muted artifacts-truncated">
                        {format!(
                            "Only the first {} files of this run are listed.",
                            view.artifacts.len(),
                        )}
                    </p>
                }
            })}
    }
}
