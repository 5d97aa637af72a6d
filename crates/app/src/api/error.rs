//! The one error type every server function returns, so pages can tell "sign in" from
//! "not found" from "fix these fields" without parsing strings.

use runs::FieldError;
use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What went wrong with a request, as the browser is allowed to see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// No session: the page offers "Sign in with Hugging Face".
    #[error("sign in to continue")]
    NotSignedIn,
    /// The signed-in user's grant cannot do this (e.g. the `jobs` scope is missing).
    #[error("{0}")]
    MissingPermission(String),
    /// The thing does not exist or the viewer may not see it; the two are never told apart.
    #[error("not found or no access")]
    NotFound,
    /// The form has problems; each names its field.
    #[error("some fields need fixing")]
    Invalid(Vec<FieldError>),
    /// The account cannot pay for what was asked (a Job, paid hardware); the message says
    /// where to fix that. Never the Hub's raw 402.
    #[error("{0}")]
    CannotPay(String),
    /// A limit is reached (runs under way, live streams); the message says what to do.
    #[error("{0}")]
    TooMany(String),
    /// The Hub refused or failed; the message is safe to show (no token, no secrets).
    #[error("the Hub answered: {0}")]
    Hub(String),
    /// Anything else, described for people; safe to show.
    #[error("{0}")]
    Internal(String),
    /// The request did not reach the server function or its answer did not decode.
    #[error("request failed: {0}")]
    Transport(String),
}

impl ApiError {
    /// The HTTP status a server function answers with this error: the caller's mistakes
    /// are 4xx (a refused form is 422 with its field errors), the Hub's failures 502, and
    /// only our own failures 500.
    pub fn http_status(&self) -> u16 {
        match self {
            ApiError::NotSignedIn => 401,
            ApiError::MissingPermission(_) => 403,
            ApiError::NotFound => 404,
            ApiError::Invalid(_) => 422,
            ApiError::TooMany(_) => 429,
            ApiError::CannotPay(_) => 402,
            ApiError::Transport(_) => 400,
            ApiError::Hub(_) => 502,
            ApiError::Internal(_) => 500,
        }
    }
}

impl FromServerFnError for ApiError {
    // The same JSON server_fn's codec writes, read from text like every answer
    // (`super::json_text`): a byte reader of its own would be a second copy in the wasm.
    type Encoder = super::json_text::JsonTextEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}
