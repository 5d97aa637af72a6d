//! The header's corner: the signed-in user and "Sign out", or "Sign in".

use crate::components::current_user::use_current_user;
use crate::components::sign_in::SignInButton;
use leptos::prelude::*;

/// Shows who is signed in (with a sign-out button) or the sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let user = use_current_user().0;
    // The avatar is loaded only once the page is live, so a failed image can be hidden.
    let live = RwSignal::new(false);
    Effect::new(move || live.set(true));
    view! {
        <div class="user-menu">
            <Transition fallback=|| {
                view! { <span class="muted">"…"</span> }
            }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(me)) => {
                            view! {
                                <span class="who" data-username=me.username.clone()>
                                    {me
                                        .avatar_url
                                        .clone()
                                        .map(|src| {
                                            let broken = RwSignal::new(false);
                                            view! {
                                                <Show when=move || live.get() && !broken.get()>
                                                    <img
                                                        class="avatar"
                                                        src=src.clone()
                                                        alt=""
                                                        width="24"
                                                        height="24"
                                                        on:error=move |_| broken.set(true)
                                                    />
                                                </Show>
                                            }
                                        })}
                                    <span class="username">{me.username.clone()}</span>
                                </span>
                                <form method="post" action="/logout" class="sign-out">
                                    <button type="submit" class="button">
                                        "Sign out"
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <SignInButton /> }.into_any(),
                        Err(err) => {
                            view! {
                                <span class="error-inline" role="status">
                                    {err.to_string()}
                                </span>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}
