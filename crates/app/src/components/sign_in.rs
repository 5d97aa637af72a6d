//! The "Sign in with Hugging Face" button.

use leptos::prelude::*;

/// Starts the OAuth login; a plain link so it works before (and without) wasm.
#[component]
pub fn SignInButton() -> impl IntoView {
    view! {
        <a class="button primary sign-in" href="/login" rel="external">
            "Sign in with Hugging Face"
        </a>
    }
}
