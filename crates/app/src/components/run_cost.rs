//! What a run has cost so far, as its worker estimates it (`state.json`'s `cost`), kept
//! live while the run runs; and, when the worker stopped the run at its budget, the figures.

use crate::components::format::{duration, usd};
use leptos::prelude::*;
use runs::cost::{HardwareSpend, TokenSpend};
use runs::{RunSpend, RunState};

/// The spend's total with its parts (Job time, Space time, the agent's tokens), the budget,
/// and a budget stop; nothing for a run that was not metered.
#[component]
pub fn RunCost(#[prop(into)] state: Signal<Option<RunState>>) -> impl IntoView {
    let cost = move || state.with(|s| s.as_ref().and_then(|s| s.cost.clone()));
    let stopped = move || state.with(|s| s.as_ref().and_then(|s| s.stopped.clone()));
    move || {
        cost().map(|spend| {
            let total = spend.total_text();
            let budget = spend
                .budget_usd
                .map(|b| format!(" (budget {})", usd(b)))
                .unwrap_or_default();
            let parts = parts(&spend);
            view! {
                <section class="run-cost" aria-labelledby="run-cost-title">
                    <h2 id="run-cost-title">"Cost so far"</h2>
                    <p class="run-cost-total">
                        <strong data-usd=spend.total_usd.to_string()>{total}</strong>
                        {budget}
                        {spend.partly_unpriced.then_some(" (a part has no published price)")}
                    </p>
                    <ul class="run-cost-parts">
                        {parts.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                    {stopped()
                        .map(|stopped| {
                            view! {
                                <p class="notice warn run-stopped" role="note">
                                    {stopped.describe()}
                                </p>
                            }
                        })}
                </section>
            }
        })
    }
}

/// One line per part of the spend.
pub fn parts(spend: &RunSpend) -> Vec<String> {
    let mut lines = vec![hardware_line("Job", &spend.job)];
    if let Some(space) = &spend.space {
        lines.push(hardware_line("Space", space));
    }
    if let Some(agent) = &spend.agent {
        lines.push(token_line(agent));
    }
    lines
}

fn hardware_line(what: &str, part: &HardwareSpend) -> String {
    let time = duration(part.seconds);
    match (part.usd_per_hour, part.usd) {
        (Some(p), Some(cost)) => format!(
            "{what}: {time} on {} at {}/h = {}",
            part.flavor,
            usd(p),
            usd(cost)
        ),
        _ => format!("{what}: {time} on {} (price not listed)", part.flavor),
    }
}

fn token_line(agent: &TokenSpend) -> String {
    let tokens = format!(
        "{} input and {} output tokens of {}",
        agent.input_tokens, agent.output_tokens, agent.model
    );
    match agent.usd {
        Some(cost) => format!("Agent: {tokens} = {}", usd(cost)),
        None => format!("Agent: {tokens} (billed per token by the provider)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_says_its_time_or_tokens_and_price() {
        let job = HardwareSpend {
            flavor: "cpu-basic".into(),
            seconds: 90,
            usd_per_hour: Some(0.01),
            usd: Some(0.00025),
        };
        let space = HardwareSpend {
            flavor: "odd".into(),
            seconds: 5,
            usd_per_hour: None,
            usd: None,
        };
        let agent = TokenSpend {
            model: "m/x".into(),
            input_tokens: 100,
            output_tokens: 7,
            price: None,
            usd: None,
        };
        let spend = RunSpend::new(job, Some(space), Some(agent), Some(1.0));
        let lines = parts(&spend);
        assert_eq!(
            lines[0],
            "Job: 1m 30s on cpu-basic at $0.01/h = under $0.01"
        );
        assert!(lines[1].contains("price not listed"), "{lines:?}");
        assert!(
            lines[2].contains("billed per token by the provider"),
            "{lines:?}"
        );
    }
}
