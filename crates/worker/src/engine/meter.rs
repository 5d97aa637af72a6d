//! The run's meter: the worker's own estimate of what the run has spent, from the Hub's
//! live prices and what the run used (the Job's time, the target Space's time on its
//! hardware, the agent's tokens as Pi reports them per turn).
//!
//! One meter per run, shared (cheap clones) by the recorder, which writes its figure into
//! `state.json`, the agent runner, which adds tokens, the Space step, which starts the
//! Space's clock, and the run loop, which stops the run when the budget is reached.

use runs::cost::{self, HardwareSpend, TokenPrice, TokenSpend};
use runs::{CostTerms, RunSpend};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The hardware a Space gets when it is created without any.
const DEFAULT_SPACE_HARDWARE: &str = "cpu-basic";

/// The prices a run is metered at, read from the Hub when the run starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    /// Job flavors, USD per hour (`GET /api/jobs/hardware`).
    pub job: HashMap<String, f64>,
    /// Space flavors, USD per hour (`GET /api/spaces/hardware`).
    pub space: HashMap<String, f64>,
    /// The agent's model (`GET {router}/v1/models/{id}`), when the router publishes one.
    pub token: Option<TokenPrice>,
}

/// The meter; [`Meter::default`] meters nothing (a spec without [`CostTerms`]).
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Mutex<Option<Reading>>>);

#[derive(Debug)]
struct Reading {
    terms: CostTerms,
    started: Instant,
    prices: Prices,
    space: Option<SpaceClock>,
    agent: Option<Tokens>,
}

#[derive(Debug)]
struct SpaceClock {
    id: String,
    flavor: String,
    /// While it runs: since when.
    since: Option<Instant>,
    /// Time counted before the last pause.
    counted: Duration,
}

#[derive(Debug)]
struct Tokens {
    model: String,
    input: u64,
    output: u64,
}

impl Meter {
    /// A meter for a run launched with `terms`, at `prices`, counting the Job's time from
    /// `started` (the worker's start); `agent_model` names the model whose tokens the run
    /// pays for, when Pi works in it.
    pub fn start(
        terms: CostTerms,
        prices: Prices,
        agent_model: Option<String>,
        started: Instant,
    ) -> Meter {
        Meter(Arc::new(Mutex::new(Some(Reading {
            terms,
            started,
            prices,
            space: None,
            agent: agent_model.map(|model| Tokens {
                model,
                input: 0,
                output: 0,
            }),
        }))))
    }

    /// The Space `id` now runs on `flavor` (`None`: the Hub's default hardware).
    pub fn space_started(&self, id: &str, flavor: Option<&str>) {
        self.with(|r| {
            r.space = Some(SpaceClock {
                id: id.to_owned(),
                flavor: flavor.unwrap_or(DEFAULT_SPACE_HARDWARE).to_owned(),
                since: Some(Instant::now()),
                counted: Duration::ZERO,
            })
        });
    }

    /// The Space was paused: its clock stops.
    pub fn space_paused(&self) {
        self.with(|r| {
            if let Some(space) = &mut r.space {
                if let Some(since) = space.since.take() {
                    space.counted += since.elapsed();
                }
            }
        });
    }

    /// The target Space, when it runs on hardware that costs money (what a budget stop
    /// pauses).
    pub fn paid_space(&self) -> Option<String> {
        self.with(|r| {
            let space = r.space.as_ref().filter(|s| s.since.is_some())?;
            let price = r.prices.space.get(&space.flavor).copied();
            // A price the Hub does not list is not known to be free.
            price.is_none_or(|p| p > 0.0).then(|| space.id.clone())
        })
        .flatten()
    }

    /// Adds one turn's tokens (Pi's `usage`).
    pub fn add_tokens(&self, input: u64, output: u64) {
        self.with(|r| {
            if let Some(agent) = &mut r.agent {
                agent.input += input;
                agent.output += output;
            }
        });
    }

    /// The spend so far; `None` when the run is not metered.
    pub fn spend(&self) -> Option<RunSpend> {
        self.with(|r| r.spend()).flatten()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Reading) -> T) -> Option<T> {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_mut().map(f)
    }
}

impl Reading {
    fn spend(&self) -> Option<RunSpend> {
        let hardware = |flavor: &str, seconds: f64, prices: &HashMap<String, f64>| {
            let usd_per_hour = prices.get(flavor).copied();
            HardwareSpend {
                flavor: flavor.to_owned(),
                seconds: seconds as u64,
                usd_per_hour,
                usd: usd_per_hour.map(|p| cost::hardware_cost(p, seconds)),
            }
        };
        let job = hardware(
            &self.terms.job_flavor,
            self.started.elapsed().as_secs_f64(),
            &self.prices.job,
        );
        let space = self.space.as_ref().map(|s| {
            let running = s.since.map(|since| since.elapsed()).unwrap_or_default();
            hardware(
                &s.flavor,
                (s.counted + running).as_secs_f64(),
                &self.prices.space,
            )
        });
        let agent = self.agent.as_ref().map(|a| TokenSpend {
            model: a.model.clone(),
            input_tokens: a.input,
            output_tokens: a.output,
            price: self.prices.token,
            usd: self.prices.token.map(|p| p.cost(a.input, a.output)),
        });
        Some(RunSpend::new(job, space, agent, self.terms.budget_usd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(budget: Option<f64>) -> CostTerms {
        CostTerms {
            job_flavor: "cpu-basic".into(),
            budget_usd: budget,
        }
    }

    fn prices() -> Prices {
        Prices {
            job: [("cpu-basic".to_owned(), 0.01)].into(),
            space: [("cpu-basic".to_owned(), 0.0), ("t4-small".to_owned(), 0.4)].into(),
            token: Some(TokenPrice {
                input_per_million: 1.0,
                output_per_million: 2.0,
            }),
        }
    }

    #[test]
    fn an_unmetered_run_has_no_spend() {
        let meter = Meter::default();
        meter.add_tokens(5, 5);
        assert_eq!(meter.spend(), None);
        assert_eq!(meter.paid_space(), None);
    }

    #[test]
    fn job_time_and_tokens_are_priced_and_a_budget_is_reached() {
        let an_hour_ago = Instant::now() - Duration::from_secs(3600);
        let meter = Meter::start(terms(Some(0.02)), prices(), Some("m/x".into()), an_hour_ago);
        let spend = meter.spend().unwrap();
        assert!((spend.job.usd.unwrap() - 0.01).abs() < 1e-4, "{spend:?}");
        assert!(!spend.budget_reached());
        meter.add_tokens(4_000_000, 3_000_000);
        let spend = meter.spend().unwrap();
        let agent = spend.agent.as_ref().unwrap();
        assert_eq!(
            (agent.input_tokens, agent.output_tokens),
            (4_000_000, 3_000_000)
        );
        assert!((agent.usd.unwrap() - 10.0).abs() < 1e-9);
        assert!(spend.budget_reached() && !spend.partly_unpriced);
    }

    #[test]
    fn only_a_space_on_paid_hardware_is_to_pause_and_a_paused_one_stops_counting() {
        let meter = Meter::start(terms(None), prices(), None, Instant::now());
        meter.space_started("alice/free", None);
        assert_eq!(meter.paid_space(), None);
        meter.space_started("alice/gpu", Some("t4-small"));
        assert_eq!(meter.paid_space().as_deref(), Some("alice/gpu"));
        meter.space_paused();
        assert_eq!(meter.paid_space(), None);
        let counted = meter.spend().unwrap().space.unwrap().seconds;
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(meter.spend().unwrap().space.unwrap().seconds, counted);
        meter.space_started("alice/odd", Some("unlisted-gpu"));
        assert_eq!(meter.paid_space().as_deref(), Some("alice/odd"));
        assert!(meter.spend().unwrap().partly_unpriced);
    }
}
