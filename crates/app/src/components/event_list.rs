//! The run's events as they arrive, with the agent's activity on its own tab.

use crate::components::live_run::is_agent_event;
use crate::components::tail_follower::TailFollower;
use leptos::html::Ol;
use leptos::prelude::*;
use runs::{Event, Level};

/// Events newest last; a toggle narrows them to what the coding agent did.
#[component]
pub fn EventList(#[prop(into)] events: Signal<Vec<Event>>) -> impl IntoView {
    let agent_only = RwSignal::new(false);
    let has_agent = move || events.with(|e| e.iter().any(is_agent_event));
    let tail = TailFollower::<Ol>::new(move || {
        events.track();
        agent_only.track();
    });
    view! {
        <section class="panel event-list" aria-labelledby="events-title">
            <div class="panel-head">
                <h2 id="events-title">"Events"</h2>
                <Show when=has_agent>
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=move || agent_only.get()
                            on:change=move |ev| agent_only.set(event_target_checked(&ev))
                        />
                        " Agent activity only"
                    </label>
                </Show>
            </div>
            <ol
                class="events"
                aria-live="polite"
                aria-relevant="additions"
                node_ref=tail.node()
                on:scroll=move |_| tail.on_scroll()
            >
                <For
                    each=move || {
                        let only = agent_only.get();
                        events.get().into_iter().filter(move |e| !only || is_agent_event(e))
                    }
                    key=|event| event.seq
                    children=|event| {
                        let level = level_slug(event.level);
                        let agent = is_agent_event(&event);
                        view! {
                            <li
                                class=format!("event level-{level}")
                                class:agent=agent
                                data-seq=event.seq
                            >
                                <time datetime=event.time.clone()>{clock(&event.time)}</time>
                                <span class="event-stage">{event.stage.clone()}</span>
                                <span class="event-message">{event.message.clone()}</span>
                            </li>
                        }
                    }
                />
            </ol>
            <Show when=move || events.with(Vec::is_empty)>
                <p class="muted">"Waiting for the worker's first event…"</p>
            </Show>
        </section>
    }
}

fn level_slug(level: Level) -> &'static str {
    match level {
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

/// `2026-11-25T08:00:05.123Z` → `08:00:05`.
fn clock(time: &str) -> String {
    time.get(11..19).unwrap_or(time).to_owned()
}
