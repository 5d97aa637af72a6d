//! The message for a sign-in whose grant cannot launch runs.

use crate::api::Me;
use leptos::prelude::*;

/// Tells a user whose grant lacks the `jobs` scope (or another needed one) what is missing
/// and how to grant it; renders nothing when the grant is complete.
#[component]
pub fn ScopeNotice(me: Me) -> impl IntoView {
    (!me.can_launch).then(|| {
        let missing = if me.missing_scopes.is_empty() {
            "jobs".to_owned()
        } else {
            me.missing_scopes.join(", ")
        };
        view! {
            <section class="notice warn scope-notice" role="status">
                <h2>"Your sign-in cannot launch runs"</h2>
                <p>
                    "Runs execute as Hugging Face Jobs in your account, and the permission you granted lacks: "
                    <strong class="missing-scopes">{missing}</strong>
                    ". You can still look at runs shared with you."
                </p>
                <form method="post" action="/logout" class="inline">
                    <button type="submit" class="button">
                        "Sign out and sign in again granting them"
                    </button>
                </form>
            </section>
        }
    })
}
