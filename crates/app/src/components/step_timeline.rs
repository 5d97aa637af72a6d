//! The run's steps as a small bar chart of their durations.

use crate::components::format::duration_ms;
use leptos::prelude::*;
use runs::{StepRecord, StepStatus};

/// Height of one bar row in the chart, in SVG units.
const ROW: f64 = 28.0;
/// Width of the chart's bar area, in SVG units.
const WIDTH: f64 = 600.0;

/// Each step in order: name, status and duration, drawn as bars scaled to the longest.
#[component]
pub fn StepTimeline(#[prop(into)] steps: Signal<Vec<StepRecord>>) -> impl IntoView {
    view! {
        <section class="panel step-timeline" aria-labelledby="steps-title">
            <h2 id="steps-title">"Steps"</h2>
            {move || {
                let steps = steps.get();
                if steps.is_empty() {
                    return view! { <p class="muted">"No step has started yet."</p> }.into_any();
                }
                let longest = steps.iter().filter_map(|s| s.duration_ms).max().unwrap_or(1).max(1);
                let height = ROW * steps.len() as f64;
                view! {
                    <svg class="timeline-chart" viewBox=format!("0 0 {WIDTH} {height}") role="img"
                        aria-label="Step durations" preserveAspectRatio="none" height=height>
                        {steps.iter().enumerate().map(|(i, step)| {
                            let width = step.duration_ms.map_or(4.0, |ms| (ms as f64 / longest as f64 * WIDTH).max(4.0));
                            view! {
                                <rect class=format!("bar step-{}", status_slug(step.status))
                                    x="0" y=i as f64 * ROW + 6.0 width=width height=ROW - 12.0 rx="3" />
                            }
                        }).collect_view()}
                    </svg>
                    <ol class="steps">
                        {steps.into_iter().map(|step| view! {
                            <li class=format!("step step-{}", status_slug(step.status)) data-step=step.name.clone()>
                                <span class="step-name">{step.name.clone()}</span>
                                <span class="step-status">{status_slug(step.status)}</span>
                                <span class="step-duration">
                                    {step.duration_ms.map(duration_ms).unwrap_or_else(|| "…".into())}
                                </span>
                                {step.message.map(|m| view! { <span class="step-message">{m}</span> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

fn status_slug(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Running => "running",
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "skipped",
    }
}
