//! The confirmation a dedicated GPU takes: shown only once one is chosen (for the Job or
//! the Space), saying what it may cost at most, so a GPU is never picked by accident.

use crate::api::HardwareOption;
use crate::components::field_error::FieldError;
use crate::components::format::usd;
use crate::components::wizard_fields::{control_id, error_id, FormErrors, PAID_HARDWARE_FIELD};
use leptos::prelude::*;

/// What the chosen GPUs cost: the Job's most (its hourly price times its timeout) and the
/// Space's hourly price; `None` when no dedicated GPU is chosen.
pub fn cost_sentence(
    job_flavor: &str,
    timeout_minutes: Option<u32>,
    space_hardware: &str,
    options: &[HardwareOption],
) -> Option<String> {
    let price = |name: &str| {
        options
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.usd_per_hour)
    };
    let mut parts = Vec::new();
    if runs::hardware::is_paid_gpu(job_flavor) {
        let hours = f64::from(timeout_minutes.unwrap_or(60)) / 60.0;
        parts.push(match price(job_flavor) {
            Some(p) => format!(
                "the Job on {job_flavor} costs {}/h, so up to {} if it runs to its timeout",
                usd(p),
                usd(p * hours)
            ),
            None => format!("the Job on {job_flavor} bills by the hour until its timeout"),
        });
    }
    if runs::hardware::is_paid_gpu(space_hardware) {
        parts.push(match price(space_hardware) {
            Some(p) => format!(
                "the Space on {space_hardware} costs {}/h for as long as it runs (pause it when done)",
                usd(p)
            ),
            None => format!("the Space on {space_hardware} bills by the hour while it runs"),
        });
    }
    (!parts.is_empty()).then(|| format!("A dedicated GPU: {}.", parts.join("; ")))
}

/// The checkbox, when `sentence` has something to confirm.
#[component]
pub fn CostConfirmation(
    #[prop(into)] sentence: Signal<Option<String>>,
    value: RwSignal<bool>,
) -> impl IntoView {
    let field = PAID_HARDWARE_FIELD;
    let error = expect_context::<FormErrors>().for_field(field);
    move || {
        sentence.get().map(|text| {
            view! {
                <div class="field check cost-confirmation" data-field=field>
                    <input
                        type="checkbox"
                        id=control_id(field)
                        name=field
                        aria-describedby=error_id(field)
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        prop:checked=move || value.get()
                        on:change=move |ev| value.set(event_target_checked(&ev))
                    />
                    <label for=control_id(field)>{format!("I accept the cost. {text}")}</label>
                    <FieldError field error />
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_a_gpu_run_costs_is_said_and_free_hardware_needs_no_confirmation() {
        let options = vec![HardwareOption {
            name: "t4-small".into(),
            pretty_name: None,
            usd_per_hour: Some(0.4),
            gpu: true,
        }];
        let text = cost_sentence("t4-small", Some(90), "", &options).unwrap();
        assert!(
            text.contains("$0.40/h") && text.contains("up to $0.60"),
            "{text}"
        );
        let space = cost_sentence("", None, "t4-small", &options).unwrap();
        assert!(space.contains("pause it"), "{space}");
        assert_eq!(
            cost_sentence("cpu-basic", Some(30), "zero-a10g", &options),
            None
        );
    }
}
