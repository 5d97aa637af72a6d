//! The inference gate's evidence (phases 5 and 8): each call of the proof, inputs →
//! outputs with its latency, and what they show. The record is untrusted: every value is
//! shown as shortened text, never as markup.

use crate::components::format::duration_ms;
use leptos::prelude::*;
use runs::proof::{InputOrigin, ProofVerdict};
use runs::InferenceProof;
use serde_json::Value;

/// The most characters of one value shown.
pub const MAX_VALUE_CHARS: usize = 240;

/// The proof's verdict, its reasons and a row per call.
#[component]
pub fn ProofEvidence(proof: InferenceProof) -> impl IntoView {
    let tone = if proof.verdict == ProofVerdict::Proven {
        "good"
    } else if proof.verdict.disproves() {
        "partial"
    } else {
        "bad"
    };
    view! {
        <section
            class=format!("panel proof-evidence proof-{tone}")
            data-proof=proof.verdict.id()
            aria-labelledby="proof-title"
        >
            <h2 id="proof-title">"Inference proof"</h2>
            <p class="proof-verdict">
                <strong>{verdict_text(proof.verdict)}</strong>
                " "
                {shorten(&proof.reasons.join("; "), 2 * MAX_VALUE_CHARS)}
            </p>
            <table class="proof-calls">
                <caption class="muted">
                    {format!("Calls to {}", shorten(&proof.api_name, 80))}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Input from"</th>
                        <th scope="col">"Inputs"</th>
                        <th scope="col">"Outputs"</th>
                        <th scope="col">"Latency"</th>
                    </tr>
                </thead>
                <tbody>
                    {proof
                        .calls
                        .into_iter()
                        .map(|call| {
                            let origin = match call.origin {
                                InputOrigin::Example => "the app's example",
                                InputOrigin::Worker => "the worker",
                            };
                            let outputs = match &call.error {
                                Some(error) => {
                                    format!("failed: {}", shorten(error, MAX_VALUE_CHARS))
                                }
                                None => values(&call.outputs),
                            };
                            view! {
                                <tr class="proof-call">
                                    <td>{origin}</td>
                                    <td>
                                        <code class="proof-inputs">{values(&call.inputs)}</code>
                                    </td>
                                    <td>"→ " <code class="proof-outputs">{outputs}</code></td>
                                    <td class="proof-latency">
                                        {call
                                            .latency_ms
                                            .map(duration_ms)
                                            .unwrap_or_else(|| "–".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

fn verdict_text(verdict: ProofVerdict) -> &'static str {
    match verdict {
        ProofVerdict::Proven => "Model output: different inputs got different answers.",
        ProofVerdict::Constant => "Not model output: the answer does not change with the input.",
        ProofVerdict::Echoed => "Not model output: the answer repeats the input.",
        ProofVerdict::Empty => "Not model output: an answer is empty.",
        ProofVerdict::WrongType => "Not model output: an answer is not of the pipeline's type.",
        ProofVerdict::CallFailed => "Not proven: a call failed.",
        ProofVerdict::NoSecondInput => "Not proven: no second input could be made.",
    }
}

/// Values as one line of JSON, shortened (JSON's own quoting: the release wasm has no
/// `Debug` formatting).
fn values(values: &[Value]) -> String {
    let text = values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    shorten(&text, MAX_VALUE_CHARS)
}

/// At most `max` characters of `text`, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_shown_as_short_text() {
        assert_eq!(values(&[json!("a \"b\""), json!(3)]), r#""a \"b\"", 3"#);
        let long = "x".repeat(1000);
        let shown = values(&[json!(long)]);
        assert_eq!(shown.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(shorten("<script>", 3), "<sc…");
    }
}
