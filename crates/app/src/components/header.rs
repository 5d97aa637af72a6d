//! The bar at the top of every page.

use leptos::prelude::*;

/// The factory's name, linking home.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <img class="brand-mark" src="/favicon.svg" alt="" width="22" height="22" />
                " Space Factory"
            </a>
        </header>
    }
}
