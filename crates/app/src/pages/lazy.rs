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
