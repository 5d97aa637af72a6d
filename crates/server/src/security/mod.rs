//! Defences against other sites: whose requests may change state ([`origin_guard`]), what
//! a server function accepts ([`json_only`]),
//! where a sign-in may return to ([`return_path`]), what a provider's error answer may
//! show ([`oauth_error`]) and the headers every answer carries ([`headers`]). (Which links from a
//! run's records may reach a page is the app's [`app::api::server::hub_links`].)
//!
//! In a Space the session cookie is `SameSite=None` (the Hub shows the app in an iframe on
//! huggingface.co), so the browser attaches it to requests that any page makes; these
//! checks are what keeps such a page from acting as the signed-in user.

pub mod headers;
pub mod json_only;
pub mod oauth_error;
pub mod origin_guard;
pub mod return_path;
