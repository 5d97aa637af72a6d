//! The landing page: what the factory does, sign-in, and the recipes to pick from.

use crate::components::current_user::use_current_user;
use crate::components::phase_picker::PhasePicker;
use crate::components::scope_notice::ScopeNotice;
use crate::components::sign_in::SignInButton;
use leptos::prelude::*;

/// The first page a visitor sees.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_current_user().0;
    view! {
        <section class="hero">
            <h1>"Turn a model into a working Space"</h1>
            <p class="lede">
                "Pick a recipe, point it at a Hugging Face model or an article about one, and the factory "
                "builds a Gradio app, deploys it as a private Space in your namespace, and only calls it done "
                "after it has called the live Space itself."
            </p>
            <Transition fallback=|| {
                view! { <SignInButton /> }
            }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(me)) => {
                            view! {
                                <p class="signed-in">
                                    "Signed in as "<strong>{me.username.clone()}</strong>". "
                                    <a href="/runs">"See your runs"</a>" or pick a recipe below."
                                </p>
                                <ScopeNotice me />
                            }
                                .into_any()
                        }
                        _ => view! { <SignInButton /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <PhasePicker />
    }
}
