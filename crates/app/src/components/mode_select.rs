//! The implementation-mode picker of the article-reproduction wizard.

use crate::components::wizard_fields::control_id;
use leptos::prelude::*;
use runs::ImplementationMode;

/// The three modes, each with what it means.
const MODES: [(ImplementationMode, &str, &str); 3] = [
    (
        ImplementationMode::FullInferenceGated,
        "full-inference-gated",
        "Full inference, gated: success only when the live Space returns real model output",
    ),
    (
        ImplementationMode::FullInferenceAttempt,
        "full-inference-attempt",
        "Full inference, attempted: tries real inference, reports a health-only result honestly",
    ),
    (
        ImplementationMode::SafeScaffold,
        "safe-scaffold",
        "Safe scaffold: a working app skeleton without loading the model",
    ),
];

/// A `<select>` of [`ImplementationMode`]s bound to `value`.
#[component]
pub fn ModeSelect(value: RwSignal<ImplementationMode>) -> impl IntoView {
    let field = "implementation_mode";
    view! {
        <div class="field" data-field=field>
            <label for=control_id(field)>"Implementation mode"</label>
            <select
                id=control_id(field)
                name=field
                on:change=move |ev| {
                    let wire = event_target_value(&ev);
                    if let Some((mode, _, _)) = MODES.iter().find(|(_, w, _)| *w == wire) {
                        value.set(*mode);
                    }
                }
            >
                {MODES
                    .into_iter()
                    .map(|(mode, wire, text)| {
                        view! {
                            <option value=wire selected=move || value.get() == mode>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
