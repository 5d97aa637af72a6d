//! The Space Factory browser app.
//!
//! Leptos components rendered on the server (feature `ssr`) and hydrated in the browser
//! (feature `hydrate`, compiled to wasm by cargo-leptos). Server functions live in [`api`],
//! one domain per module, each declared with its server-only body; the bodies call the `hub`
//! crate with the session's token, which never reaches the browser.

// The server and the browser render the views the same way only when both are built with
// Leptos's erased components (the hydration markers differ): .cargo/config.toml sets it for
// every build, and a RUSTFLAGS in the environment replaces that list.
#[cfg(not(erase_components))]
compile_error!(
    "app must be built with `--cfg erase_components` (.cargo/config.toml sets it; a \
     RUSTFLAGS in the environment replaces that, so add it there)"
);

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode, StaticSegment};

/// The name the site build (scripts/build-site.sh) gives its wasm, JS and CSS files
/// (`/pkg/<name>.js`, `_bg.wasm`, `.css`).
pub const OUTPUT_NAME: &str = "space-factory";

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app's root: head metadata and the routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::current_user::provide_current_user();
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title text="Space Factory" />
        <Router>
            <pages::lazy::PageChunksPreload />
            <components::header::Header />
            <main>
                // Every page is rendered whole before it is sent (its data read first), so the
                // browser hydrates the very HTML the data made, with that data at hand: a page
                // streamed out of order could be hydrated while a fallback was still being
                // swapped for its content, and die on the mismatch. It also lets the run page
                // answer 404 for "not found or no access".
                <Routes fallback=pages::not_found::NotFound>
                    <Route
                        path=StaticSegment("")
                        view=pages::lazy::Home::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/new/:phase")
                        view=pages::lazy::Wizard::route()
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/runs") view=pages::lazy::Runs::route() ssr=SsrMode::Async />
                    <Route
                        path=path!("/runs/:owner/:run_id")
                        view=pages::lazy::Run::route()
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The wasm entry point: attaches the app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: the page's chunk is loaded before its part of the page is hydrated.
    leptos::mount::hydrate_lazy(App);
}
