//! What a chosen model is, said under its field: the embedded hub's demo agent and demo
//! models are labelled as such, so nobody takes a scripted agent or random weights for a
//! real model.

use crate::api::Suggestion;
use leptos::prelude::*;

/// The label of the model id in `value`, from the suggestions or the demo's own names.
#[component]
pub fn ModelLabel(value: RwSignal<String>, suggestions: Vec<Suggestion>) -> impl IntoView {
    move || {
        let id = value.get();
        let id = id.trim();
        suggestions
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.label.clone())
            .or_else(|| runs::demo::label(id).map(str::to_owned))
            .map(|label| view! { <p class="field-note model-label">{label}</p> })
    }
}

/// A `<datalist>` of the suggested ids, each with its label.
#[component]
pub fn SuggestionList(id: &'static str, suggestions: Vec<Suggestion>) -> impl IntoView {
    view! {
        <datalist id=id>
            {suggestions
                .into_iter()
                .map(|s| view! { <option value=s.id>{s.label}</option> })
                .collect_view()}
        </datalist>
    }
}
