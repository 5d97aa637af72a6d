//! The target Space name, checked live against the user's namespace.

use crate::api::check_space_name;
use crate::components::text_field::TextField;
use leptos::prelude::*;
use runs::recipe::Field;
use runs::repo_id::check_part;
use std::time::Duration;

/// How long typing must pause before the name is checked with the Hub.
const CHECK_DELAY: Duration = Duration::from_millis(400);

/// The name input, and under it whether `owner/name` is free (asked through
/// `check_space_name` once typing pauses and the name itself is well formed).
#[component]
pub fn SpaceNameField(value: RwSignal<String>, unique_suffix: RwSignal<bool>) -> impl IntoView {
    let settled = RwSignal::new(String::new());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move || {
        let name = value.get().trim().to_owned();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(set_timeout_with_handle(move || settled.set(name), CHECK_DELAY).ok());
    });
    let check = LocalResource::new(move || {
        let name = settled.get();
        async move {
            if name.is_empty() || check_part(&name, &name, "Space name").is_err() {
                return None;
            }
            Some(check_space_name(name).await)
        }
    });
    let status = move || {
        if unique_suffix.get() {
            return Some((
                "info",
                "A fresh suffix will be added, so the name cannot collide.".to_owned(),
            ));
        }
        if value.with(|v| v.trim() != settled.get()) {
            return None;
        }
        // Nothing to check yet. This also keeps the check (a browser-only resource) unread
        // while the server renders: read under the page's Transition there, it re-ran the
        // page's Suspend while the form it had made was still being rendered, and that
        // form's signals were disposed under it (a panic on the server).
        if settled.with(String::is_empty) {
            return None;
        }
        match check.get().flatten()? {
            Ok(answer) if answer.available => Some(("ok", answer.message)),
            Ok(answer) => Some(("taken", answer.message)),
            Err(err) => Some(("unknown", format!("Could not check the name: {err}"))),
        }
    };
    view! {
        <TextField
            field=Field::TargetSpace.name()
            label="Target Space name"
            value
            placeholder="my-gradio-app"
            hint="Created private in your namespace; an existing Space is never overwritten."
        >
            <p
                class="name-check"
                role="status"
                aria-live="polite"
                data-check=move || status().map(|(kind, _)| kind).unwrap_or("none")
            >
                {move || status().map(|(_, text)| text)}
            </p>
        </TextField>
    }
}
