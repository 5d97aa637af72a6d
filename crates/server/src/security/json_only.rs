//! Server functions take JSON only ([`app::api`]): a request to one with any other
//! body type is refused with 415 before it is decoded. Another site's page can send a plain
//! form anywhere, but JSON only after a CORS preflight that is never granted, so this holds
//! even for a request that got past the [`super::origin_guard`].

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Where the server functions are served.
pub const SERVER_FN_PREFIX: &str = "/api/fn/";

/// Whether a request to `path` with this `content-type` may reach a server function.
pub fn accepts(path: &str, content_type: Option<&str>) -> bool {
    if !path.starts_with(SERVER_FN_PREFIX) {
        return true;
    }
    content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The middleware.
pub async fn guard(request: Request, next: Next) -> Response {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if accepts(request.uri().path(), content_type) {
        next.run(request).await
    } else {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Server functions take JSON (Content-Type: application/json). Nothing was done.",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_reaches_a_server_function_and_other_routes_are_left_alone() {
        assert!(accepts("/api/fn/launch_run", Some("application/json")));
        assert!(accepts(
            "/api/fn/launch_run",
            Some("Application/JSON; charset=utf-8")
        ));
        for other in [
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("text/plain"),
            None,
        ] {
            assert!(!accepts("/api/fn/launch_run", other), "{other:?}");
        }
        assert!(accepts(
            "/logout",
            Some("application/x-www-form-urlencoded")
        ));
    }
}
