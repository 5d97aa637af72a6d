//! The wizard's choice of where a run records: the user's own namespace or one of their
//! organizations (whose members then open the run's link).

use crate::components::field_error::FieldError;
use crate::components::wizard_fields::{control_id, error_id, FormErrors};
use leptos::prelude::*;

/// The form field's name (and the server's name for its errors).
pub const NAMESPACE_FIELD: &str = "namespace";

/// A `<select>` of the user's namespace (the empty choice) and their `orgs`, bound to
/// `value`; nothing when the user belongs to no organization.
#[component]
pub fn NamespaceSelect(owner: String, orgs: Vec<String>, value: RwSignal<String>) -> AnyView {
    let field = NAMESPACE_FIELD;
    let error = expect_context::<FormErrors>().for_field(field);
    let hint_id = format!("field-{field}-hint");
    let described = format!("{hint_id} {}", error_id(field));
    if orgs.is_empty() {
        return ().into_any();
    }
    {
        view! {
            <div class="field" data-field=field>
                <label for=control_id(field)>"Record the run in"</label>
                <select
                    id=control_id(field)
                    name=field
                    aria-describedby=described
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || value.get()
                    on:change=move |ev| value.set(event_target_value(&ev))
                >
                    <option value="">{format!("{owner} (your own)")}</option>
                    {orgs
                        .into_iter()
                        .map(|org| {
                            let selected = {
                                let org = org.clone();
                                move || value.with(|v| *v == org)
                            };
                            view! {
                                <option value=org.clone() selected=selected>
                                    {format!("{org} (organization)")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="field-hint" id=hint_id>
                    "An organization's runs are kept in its own private bucket, and its members can open their links. The Job still runs, and is billed, as you."
                </p>
                <FieldError field error />
            </div>
        }
    }
    .into_any()
}
