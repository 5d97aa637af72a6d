//! The Job's log lines that are not events.

use leptos::prelude::*;

/// A scrolling, collapsible panel of the Job's plain log lines.
#[component]
pub fn LogPanel(#[prop(into)] lines: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <details class="panel log-panel">
            <summary>
                <h2>"Job logs"</h2>
                <span class="muted">{move || format!("{} lines", lines.with(Vec::len))}</span>
            </summary>
            <p class="field-hint">"Lines arrive live while the Job runs; the Job's page on the Hub keeps them all."</p>
            <pre class="logs" tabindex="0" aria-label="Job log lines">
                {move || lines.with(|l| l.join("\n"))}
            </pre>
        </details>
    }
}
