//! The bar at the top of every page.

use crate::components::user_menu::UserMenu;
use leptos::prelude::*;

/// The factory's name linking home, the main navigation and who is signed in.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <img class="brand-mark" src="/favicon.svg" alt="" width="22" height="22" />
                " Space Factory"
            </a>
            <nav class="site-nav" aria-label="Main">
                <a href="/runs">"My runs"</a>
            </nav>
            <UserMenu />
        </header>
    }
}
