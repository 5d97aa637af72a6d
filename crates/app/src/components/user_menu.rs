//! The header's corner: the signed-in user and "Sign out", or "Sign in".

use crate::components::current_user::use_current_user;
use crate::components::sign_in::SignInButton;
use leptos::prelude::*;

/// Shows who is signed in (with a sign-out button) or the sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let user = use_current_user().0;
    view! {
        <div class="user-menu">
            <Transition fallback=|| view! { <span class="muted">"…"</span> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(me)) => view! {
                            <span class="who" data-username=me.username.clone()>
                                {me.avatar_url.clone().map(|src| {
                                    let broken = RwSignal::new(false);
                                    view! {
                                        <img class="avatar" src=src alt="" width="24" height="24"
                                            hidden=move || broken.get() on:error=move |_| broken.set(true) />
                                    }
                                })}
                                <span class="username">{me.username.clone()}</span>
                            </span>
                            <form method="post" action="/logout" class="sign-out">
                                <button type="submit" class="button">"Sign out"</button>
                            </form>
                        }.into_any(),
                        Ok(None) => view! { <SignInButton /> }.into_any(),
                        Err(err) => view! {
                            <span class="error-inline" role="status">{err.to_string()}</span>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
