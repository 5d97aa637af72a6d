//! The `data-hydrated` mark on a page's interactive part, so browser tests can tell the
//! server's HTML from a page the wasm has taken over.

use leptos::prelude::*;

/// The `data-hydrated` value: `"false"` as rendered on the server, `"true"` once hydrated.
pub fn hydrated_mark() -> Signal<&'static str> {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    Signal::derive(move || if hydrated.get() { "true" } else { "false" })
}
