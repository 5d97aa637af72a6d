//! The run's `report.md`, rendered.

use leptos::prelude::*;

/// Shows the report HTML the server rendered and sanitized (no script, no raw HTML).
#[component]
pub fn ReportView(html: Option<String>) -> impl IntoView {
    view! {
        <section class="panel report" aria-labelledby="report-title">
            <h2 id="report-title">"Report"</h2>
            {match html {
                Some(html) => {
                    view! { <article class="markdown" inner_html=html></article> }.into_any()
                }
                None => {
                    view! { <p class="muted">"The report is written when the run ends."</p> }
                        .into_any()
                }
            }}
        </section>
    }
}
