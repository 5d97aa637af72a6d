//! The "Sign in with Hugging Face" button.

use leptos::prelude::*;

/// Starts the OAuth login; a plain link so it works before (and without) wasm. `next` is
/// the local path to come back to after signing in.
#[component]
pub fn SignInButton(#[prop(optional, into)] next: Option<String>) -> impl IntoView {
    let href = match next {
        Some(next) => format!("/login?next={}", encode_path(&next)),
        None => "/login".to_owned(),
    };
    view! {
        <a class="button primary sign-in" href=href rel="external">
            "Sign in with Hugging Face"
        </a>
    }
}

/// Percent-encodes what a local path needs in a query value.
fn encode_path(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn paths_keep_slashes_and_escape_the_rest() {
        assert_eq!(encode_path("/new/2.1"), "/new/2.1");
        assert_eq!(encode_path("/runs?a=b&c"), "/runs%3Fa%3Db%26c");
    }
}
