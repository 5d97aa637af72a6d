//! The bar at the top of every page.

use leptos::prelude::*;

/// The factory's name, linking home.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"🏭"</span>
                " Space Factory"
            </a>
        </header>
    }
}
