//! A labelled checkbox of the wizard.

use crate::components::wizard_fields::control_id;
use leptos::prelude::*;

/// A checkbox bound to `value`, its label beside it and a hint under it.
#[component]
pub fn CheckField(
    field: &'static str,
    label: &'static str,
    value: RwSignal<bool>,
    hint: &'static str,
) -> impl IntoView {
    let hint_id = format!("field-{field}-hint");
    view! {
        <div class="field check" data-field=field>
            <input
                type="checkbox"
                id=control_id(field)
                name=field
                aria-describedby=hint_id.clone()
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=control_id(field)>{label}</label>
            <p class="field-hint" id=hint_id>
                {hint}
            </p>
        </div>
    }
}
