//! How every failed request is shown: what went wrong and what to do next.

use crate::api::ApiError;
use crate::components::sign_in::SignInButton;
use leptos::prelude::*;

/// An error with its way out: sign in for [`ApiError::NotSignedIn`], a retry button for
/// anything that may pass on a second try. `next` is where sign-in returns to.
#[component]
pub fn ErrorPanel(
    error: ApiError,
    #[prop(into)] retry: Callback<()>,
    #[prop(optional, into)] next: Option<String>,
) -> impl IntoView {
    let (title, detail) = describe(&error);
    let sign_in = matches!(error, ApiError::NotSignedIn);
    let retryable = !matches!(error, ApiError::NotSignedIn | ApiError::NotFound);
    view! {
        <section class="error-panel" role="alert">
            <h2>{title}</h2>
            <p>{detail}</p>
            <div class="actions">
                {sign_in
                    .then(|| {
                        view! { <SignInButton next=next.clone().unwrap_or_else(|| "/".into()) /> }
                    })}
                {retryable
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button retry"
                                on:click=move |_| retry.run(())
                            >
                                "Try again"
                            </button>
                        }
                    })}
            </div>
        </section>
    }
}

/// A heading and a sentence for each kind of error.
fn describe(error: &ApiError) -> (&'static str, String) {
    match error {
        ApiError::NotSignedIn => (
            "Sign in to continue",
            "This page needs your Hugging Face account.".into(),
        ),
        ApiError::NotFound => (
            "Not found or no access",
            "Nothing here, or it belongs to someone who has not shared it with you.".into(),
        ),
        ApiError::MissingPermission(why) => ("Missing permission", why.clone()),
        ApiError::Invalid(fields) => (
            "Some fields need fixing",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ApiError::TooMany(why) => ("Not now", why.clone()),
        ApiError::CannotPay(why) => ("Payment needed", why.clone()),
        ApiError::Hub(_) => ("The Hub did not answer as expected", error.to_string()),
        ApiError::Internal(_) => ("Something went wrong", error.to_string()),
        ApiError::Transport(_) => ("Could not reach the server", error.to_string()),
    }
}
