//! A hardware picker with the Hub's prices.

use crate::api::HardwareOption;
use crate::components::field_error::FieldError;
use crate::components::format::usd;
use crate::components::wizard_fields::{control_id, error_id, FormErrors};
use leptos::prelude::*;

/// A `<select>` of hardware flavors bound to `value`; the empty choice is `default_label`
/// (the server's default). Prices come from the `hardware()` server function.
#[component]
pub fn FlavorSelect(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<HardwareOption>>,
    default_label: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let error = expect_context::<FormErrors>().for_field(field);
    let hint_id = format!("field-{field}-hint");
    let described = format!("{hint_id} {}", error_id(field));
    view! {
        <div class="field" data-field=field>
            <label for=control_id(field)>{label}</label>
            <select
                id=control_id(field)
                name=field
                aria-describedby=described
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{default_label}</option>
                <For
                    each=move || options.get()
                    key=|option| option.name.clone()
                    children=move |option| {
                        let name = option.name.clone();
                        let selected = {
                            let name = name.clone();
                            move || value.with(|v| *v == name)
                        };
                        view! {
                            <option value=name selected=selected>
                                {option_label(&option)}
                            </option>
                        }
                    }
                />
            </select>
            <p class="field-hint" id=hint_id>
                {hint}
            </p>
            <FieldError field error />
        </div>
    }
}

/// `t4-small — NVIDIA T4 · $0.40/h`.
fn option_label(option: &HardwareOption) -> String {
    let pretty = option
        .pretty_name
        .as_deref()
        .map(|p| format!(" — {p}"))
        .unwrap_or_default();
    let price = option
        .usd_per_hour
        .map(|p| format!(" · {}/h", usd(p)))
        .unwrap_or_default();
    format!("{}{pretty}{price}", option.name)
}
