//! The table of the runs list.

use crate::api::RunSummary;
use crate::components::format::duration;
use crate::components::status_badge::StatusBadge;
use leptos::prelude::*;

/// One row per run: status, recipe, target Space, duration, cost, start time, linking the
/// run page.
#[component]
pub fn RunsTable(runs: Vec<RunSummary>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="empty">"No runs yet. "<a href="/">"Pick a recipe"</a>" to start one."</p> }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="runs-table">
                <caption class="visually-hidden">"Your runs, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Run"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Recipe"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Duration"</th>
                        <th scope="col">"Cost"</th>
                        <th scope="col">"Started"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|run| {
                            let href = runs::routes::run_page(&run.owner, run.run_id);
                            let status = run.status;
                            view! {
                                <tr data-run-id=run.run_id.to_string()>
                                    <td>
                                        <a href=href class="run-link">
                                            {run.run_id.to_string()}
                                        </a>
                                    </td>
                                    <td>
                                        <StatusBadge status=Signal::stored(status) />
                                    </td>
                                    <td class="run-what">
                                        {format!("{} · {}", run.phase.id(), run.phase.title())}
                                        {run
                                            .verdict
                                            .map(|verdict| {
                                                view! { <span class="run-verdict">{verdict}</span> }
                                            })}
                                    </td>
                                    <td class="run-target">
                                        {run.target_space.unwrap_or_else(|| "—".into())}
                                    </td>
                                    <td>
                                        {run
                                            .duration_secs
                                            .map(duration)
                                            .unwrap_or_else(|| "—".into())}
                                    </td>
                                    <td class="run-cost-cell">
                                        {run
                                            .cost
                                            .as_ref()
                                            .map(runs::RunSpend::total_text)
                                            .unwrap_or_else(|| "—".into())}
                                    </td>
                                    <td class="run-started">
                                        {run
                                            .created_at
                                            .map(short_time)
                                            .unwrap_or_else(|| "—".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// `2026-11-25T08:00:00.123Z` → `2026-11-25 08:00`.
fn short_time(rfc3339: String) -> String {
    rfc3339
        .get(..16)
        .map(|s| s.replace('T', " "))
        .unwrap_or(rfc3339)
}
