//! The run's steps as a small bar chart of their durations.

use crate::components::format::duration_ms;
use crate::components::timeline_layout::Outcome;
use leptos::prelude::*;
use runs::StepRecord;

/// Each step in order with its status and duration, and a bar scaled to the longest step.
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
                view! {
                    <ol class="steps">
                        {steps
                            .into_iter()
                            .map(|step| {
                                let share = step
                                    .duration_ms
                                    .map_or(0.0, |ms| ms as f64 / longest as f64 * 100.0);
                                let slug = Outcome::of(step.status).slug();
                                view! {
                                    <li
                                        class=format!("step step-{slug}")
                                        data-step=step.name.clone()
                                    >
                                        <span class="step-name">{step.name.clone()}</span>
                                        <span class="step-status">{slug}</span>
                                        <span class="step-duration">
                                            {step
                                                .duration_ms
                                                .map(duration_ms)
                                                .unwrap_or_else(|| "…".into())}
                                        </span>
                                        <span class="bar-track" aria-hidden="true">
                                            <span
                                                class="bar"
                                                style=format!("width: max({share:.1}%, 3px)")
                                            ></span>
                                        </span>
                                        {step
                                            .message
                                            .map(|m| view! { <span class="step-message">{m}</span> })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}
