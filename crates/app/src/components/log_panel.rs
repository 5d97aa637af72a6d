//! The Job's log lines that are not events.

use crate::components::tail_follower::TailFollower;
use leptos::html::Pre;
use leptos::prelude::*;

/// A scrolling, collapsible panel of the Job's plain log lines. `on_open`, when given, is
/// called each time the panel opens (a finished run loads its log then); while `pending`,
/// the count says the lines load on opening.
#[component]
pub fn LogPanel(
    #[prop(into)] lines: Signal<Vec<String>>,
    #[prop(default = None)] on_open: Option<Callback<()>>,
    #[prop(optional, into)] pending: Signal<bool>,
) -> impl IntoView {
    let count = move || match (pending.get(), lines.with(Vec::len)) {
        (true, _) => "loads when opened".to_owned(),
        (false, 1) => "1 line".to_owned(),
        (false, n) => format!("{n} lines"),
    };
    let tail = TailFollower::<Pre>::new(move || lines.track());
    view! {
        <details
            class="panel log-panel"
            on:toggle=move |_| {
                tail.jump_to_end();
                if let Some(on_open) = on_open {
                    on_open.run(());
                }
            }
        >
            <summary>
                <h2>"Job logs"</h2>
                <span class="muted log-count">{count}</span>
            </summary>
            <p class="field-hint">
                "Lines arrive live while the Job runs; the Job's page on the Hub keeps them all."
            </p>
            <pre
                class="logs"
                tabindex="0"
                aria-label="Job log lines"
                node_ref=tail.node()
                on:scroll=move |_| tail.on_scroll()
            >
                {move || lines.with(|l| l.join("\n"))}
            </pre>
        </details>
    }
}
