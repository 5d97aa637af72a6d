//! The page for a URL the app does not know.

use leptos::prelude::*;

/// Says plainly that nothing lives here, with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address."</p>
            <a href="/">"Back to the factory"</a>
        </section>
    }
}
