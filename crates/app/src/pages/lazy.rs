//! The pages as lazy routes. In the browser each page's code is a wasm chunk of its own
//! (split out of the bundle by scripts/build-site.sh), fetched with the page, so the first
//! load of any page carries the app's shell and that page only. The server renders them as
//! any route, and names a page's chunks in its `<head>` so the browser fetches them at once.

use leptos::prelude::*;
use leptos_router::{lazy_route, Lazy, LazyRoute};

/// A lazy route whose view is one page component; the page loads its own data.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        impl $route {
            /// The route's `view`.
            pub fn route() -> Lazy<$route> {
                Lazy::new()
            }
        }

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page! {
    /// `/`: [`super::home::HomePage`].
    Home => super::home::HomePage
}
lazy_page! {
    /// `/new/<phase id>`: [`super::wizard::WizardPage`].
    Wizard => super::wizard::WizardPage
}
lazy_page! {
    /// `/runs`: [`super::runs::RunsPage`].
    Runs => super::runs::RunsPage
}
lazy_page! {
    /// `/runs/<owner>/<run_id>`: [`super::run::RunPage`].
    Run => super::run::RunPage
}

/// The lazy route a path renders, by the name its view has in the split manifest (the
/// route's type in snake case, as `#[lazy_route]` names it), for [`PageChunksPreload`].
#[cfg(feature = "ssr")]
fn view_name(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [""] => Some("__home_view"),
        ["new", _] => Some("__wizard_view"),
        ["runs"] => Some("__runs_view"),
        ["runs", _, _] => Some("__run_view"),
        _ => None,
    }
}

/// Preloads the page's wasm chunks from the `<head>`, rendered synchronously in the
/// request's own render. Leptos 0.8.23 writes these links after the page is rendered, from
/// a task that looks the split manifest up in whatever context the thread it runs on has:
/// on a multi-threaded server it sometimes finds none, and the page then preloads the main
/// module alone and fetches its chunks only once it starts to hydrate. Where both write the
/// same link, the browser fetches it once. Rendered inside the `<Router>`.
#[component]
pub fn PageChunksPreload() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let path = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        let manifest = use_context::<leptos::WasmSplitManifest>();
        let links = view_name(&path).zip(manifest).map(|(view, manifest)| {
            manifest.0.with_value(|(pkg, chunks, _)| {
                chunks
                    .iter()
                    .filter(|(key, _)| {
                        key.strip_prefix(view)
                            .is_some_and(|rest| rest.starts_with('_'))
                    })
                    .flat_map(|(_, modules)| modules.iter())
                    .map(|module| format!("{pkg}/{module}.wasm"))
                    .collect::<Vec<_>>()
            })
        });
        let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
        for href in links.unwrap_or_default() {
            use leptos_meta::Link;
            let _ = view! {
                <Link
                    rel="preload"
                    href=href
                    as_="fetch"
                    type_="application/wasm"
                    crossorigin=nonce.clone()
                />
            }
            .to_html();
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::view_name;

    #[test]
    fn each_page_path_names_its_lazy_view() {
        assert_eq!(view_name("/"), Some("__home_view"));
        assert_eq!(view_name("/new/2.1"), Some("__wizard_view"));
        assert_eq!(view_name("/runs"), Some("__runs_view"));
        assert_eq!(
            view_name("/runs/alice/01BX5ZZKBKACTAV9WEVGEMMVRZ"),
            Some("__run_view")
        );
        assert_eq!(view_name("/nowhere/at/all/here"), None);
    }
}
