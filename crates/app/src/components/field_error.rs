//! The message under a form field.

use crate::components::wizard_fields::error_id;
use leptos::prelude::*;

/// Shows `error` (when there is one) under field `field`, announced to screen readers.
#[component]
pub fn FieldError(field: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=error_id(field) aria-live="polite">
            {move || error.get()}
        </p>
    }
}
