//! The "Sign in with Hugging Face" button.

use leptos::prelude::*;

/// Starts the OAuth login; a plain link so it works before (and without) wasm. `next` is
/// the local path to come back to after signing in. Inside a frame (the Hub shows a Space
/// in an iframe) it opens in a new tab, as the Hub asks of Spaces: some browsers keep a
/// framed page's cookies from being set.
#[component]
pub fn SignInButton(#[prop(optional, into)] next: Option<String>) -> impl IntoView {
    let href = match next {
        Some(next) => format!("/login?next={}", encode_path(&next)),
        None => "/login".to_owned(),
    };
    let link = NodeRef::<leptos::html::A>::new();
    Effect::new(move || {
        if let Some(link) = link.get() {
            open_in_new_tab_when_framed(&link);
        }
    });
    view! {
        <a class="button primary sign-in" href=href rel="external" node_ref=link>
            "Sign in with Hugging Face"
        </a>
    }
}

/// Sets `target="_blank"` on the link when the page is not the top window.
#[cfg(feature = "hydrate")]
fn open_in_new_tab_when_framed(link: &web_sys::HtmlAnchorElement) {
    let framed =
        web_sys::window().is_some_and(|w| w.top().ok().flatten().is_some_and(|top| top != w));
    if framed {
        let _ = link.set_attribute("target", "_blank");
        let _ = link.set_attribute("rel", "external noopener");
    }
}

#[cfg(not(feature = "hydrate"))]
fn open_in_new_tab_when_framed<T>(_link: &T) {}

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
