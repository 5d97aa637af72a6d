//! The run page's share link with a copy button.

use leptos::prelude::*;

/// The page's address in a read-only field and a button that copies it to the clipboard.
#[component]
pub fn CopyLink(path: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let url = RwSignal::new(path.clone());
    Effect::new(move || {
        if let Some(origin) = origin() {
            url.set(format!("{origin}{}", path.clone()));
        }
    });
    view! {
        <div class="copy-link">
            <label for="share-link" class="visually-hidden">
                "Link to this run"
            </label>
            <input
                id="share-link"
                class="share-url"
                type="text"
                readonly
                prop:value=move || url.get()
                on:focus=move |ev| select_all(&ev)
            />
            <button
                type="button"
                class="button copy"
                on:click=move |_| {
                    copy(&url.get_untracked());
                    copied.set(true);
                }
            >
                {move || if copied.get() { "Copied" } else { "Copy link" }}
            </button>
        </div>
    }
}

/// The page's origin (`http://host:port`), in the browser.
fn origin() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

fn copy(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

fn select_all(ev: &leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}
