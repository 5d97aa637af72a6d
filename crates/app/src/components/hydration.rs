//! The `data-hydrated` mark on a page's interactive part, so browser tests can tell the
//! server's HTML from a page the wasm has taken over.

use leptos::prelude::*;

/// The `data-hydrated` value: `"false"` as rendered on the server, `"true"` once hydrated.
pub fn hydrated_mark() -> Signal<&'static str> {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    Signal::derive(move || if hydrated.get() { "true" } else { "false" })
}

/// Whether the page runs in the browser yet: `false` while the server renders and during
/// hydration, then `true`. Browser-only resources are read behind it, so the server never
/// reads one under a page's Transition.
pub fn in_browser() -> Signal<bool> {
    let mounted = RwSignal::new(false);
    Effect::new(move || mounted.set(true));
    mounted.into()
}
