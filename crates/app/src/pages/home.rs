//! The landing page: what the factory does, sign-in, and the recipes to pick from.

use crate::components::phase_picker::PhasePicker;
use crate::components::sign_in::SignInButton;
use leptos::prelude::*;

/// The first page a visitor sees.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Turn a model into a working Space"</h1>
            <p class="lede">
                "Pick a recipe, point it at a Hugging Face model or an article about one, and the factory "
                "builds a Gradio app, deploys it as a private Space in your namespace, and only calls it done "
                "after it has called the live Space itself."
            </p>
            <SignInButton />
        </section>
        <PhasePicker />
    }
}
