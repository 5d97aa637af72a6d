//! The signed-in user, fetched once per page load and shared by the header and the pages.

use crate::api::{who_am_i, ApiError, Me};
use leptos::prelude::*;

/// Who is signed in (`Ok(None)`: nobody), as a resource every component can await.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<Me>, ApiError>>);

/// Starts the `who_am_i` request for this page and puts it in context.
pub fn provide_current_user() {
    provide_context(CurrentUser(Resource::new(|| (), |_| who_am_i())));
}

/// The resource [`provide_current_user`] put in context.
pub fn use_current_user() -> CurrentUser {
    expect_context::<CurrentUser>()
}
