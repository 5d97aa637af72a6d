//! A labelled text input of the wizard.

use crate::components::field_error::FieldError;
use crate::components::wizard_fields::{control_id, error_id, FormErrors};
use leptos::prelude::*;

/// A text input bound to `value`, with its label, hint and error.
#[component]
pub fn TextField(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let error = expect_context::<FormErrors>().for_field(field);
    let hint_id = format!("field-{field}-hint");
    let described = format!("{hint_id} {}", error_id(field));
    let invalid = move || error.with(Option::is_some).to_string();
    let control = if multiline {
        view! {
            <textarea
                id=control_id(field)
                name=field
                rows="3"
                placeholder=placeholder
                aria-describedby=described
                aria-invalid=invalid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=control_id(field)
                name=field
                type=kind
                list=list
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                aria-describedby=described
                aria-invalid=invalid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
        .into_any()
    };
    view! {
        <div class="field" data-field=field>
            <label for=control_id(field)>{label}</label>
            {control}
            <p class="field-hint" id=hint_id>
                {hint}
            </p>
            {children.map(|c| c())}
            <FieldError field error />
        </div>
    }
}
