//! The recipes a user can pick in the wizard, each one increment of the factory.

use serde::{Deserialize, Serialize};

/// One recipe the worker knows how to run.
///
/// The wire name (`"2.1"`, `"validate"`) is what specs, Job labels and URLs carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Write state, events and report into the bucket and read them back.
    #[serde(rename = "1")]
    BucketRoundTrip,
    /// Generate a template Gradio app, deploy it privately and call it.
    #[serde(rename = "2.1")]
    TemplateSpace,
    /// Pi makes one safe edit to the generated app; the live API must show it.
    #[serde(rename = "3")]
    PiSmokeTest,
    /// Pi follows the Spaces agent recipe with the `hf` CLI; validated independently.
    #[serde(rename = "4")]
    PiRecipe,
    /// Read a model's card and generate a matching app for text pipelines.
    #[serde(rename = "5")]
    ModelCardApp,
    /// Recommend hardware for a model from its metadata, without building anything.
    #[serde(rename = "6")]
    RuntimeRecommender,
    /// Pi adapts an article's code into a Space, gated on real inference.
    #[serde(rename = "8")]
    ArticleReproduction,
    /// Validate an existing Space: find an endpoint, call it, judge the answer.
    #[serde(rename = "validate")]
    ValidateExisting,
}

/// How far a phase is implemented, so the wizard can show (not hide) what is coming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhaseStatus {
    /// The worker runs it end to end.
    Available,
    /// Listed in the wizard, not runnable yet.
    Planned,
}

impl Phase {
    /// Every phase, in the order the wizard lists them.
    pub const ALL: [Phase; 8] = [
        Phase::BucketRoundTrip,
        Phase::TemplateSpace,
        Phase::PiSmokeTest,
        Phase::PiRecipe,
        Phase::ModelCardApp,
        Phase::RuntimeRecommender,
        Phase::ArticleReproduction,
        Phase::ValidateExisting,
    ];

    /// The wire name used in specs, labels and URLs.
    pub fn id(self) -> &'static str {
        match self {
            Phase::BucketRoundTrip => "1",
            Phase::TemplateSpace => "2.1",
            Phase::PiSmokeTest => "3",
            Phase::PiRecipe => "4",
            Phase::ModelCardApp => "5",
            Phase::RuntimeRecommender => "6",
            Phase::ArticleReproduction => "8",
            Phase::ValidateExisting => "validate",
        }
    }

    /// Parses a wire name; `None` for anything that is not a phase.
    pub fn from_id(id: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|phase| phase.id() == id)
    }

    /// A short title for lists and headings.
    pub fn title(self) -> &'static str {
        match self {
            Phase::BucketRoundTrip => "Bucket round-trip",
            Phase::TemplateSpace => "Template Space",
            Phase::PiSmokeTest => "Pi smoke test",
            Phase::PiRecipe => "Pi Spaces recipe",
            Phase::ModelCardApp => "Model-card app",
            Phase::RuntimeRecommender => "Runtime recommender",
            Phase::ArticleReproduction => "Article reproduction",
            Phase::ValidateExisting => "Validate an existing Space",
        }
    }

    /// One sentence saying what the run does and what it leaves behind.
    pub fn summary(self) -> &'static str {
        match self {
            Phase::BucketRoundTrip => {
                "Writes the run's state, events and report into your private bucket and reads them back."
            }
            Phase::TemplateSpace => {
                "Deploys a small Gradio app as a private Space, waits for it to run, and calls its API."
            }
            Phase::PiSmokeTest => {
                "Lets the Pi agent make one safe edit to the app; passes only if the live API shows the edit."
            }
            Phase::PiRecipe => {
                "Pi follows the Spaces agent recipe with the hf CLI; the factory validates the result itself."
            }
            Phase::ModelCardApp => {
                "Reads a model's card and metadata and builds the matching app for Transformers text pipelines."
            }
            Phase::RuntimeRecommender => {
                "Recommends hardware for a model from its size, dtype and pipeline, with prices. Builds nothing."
            }
            Phase::ArticleReproduction => {
                "Pi adapts an article's code into a Space, tries ZeroGPU first, and gates success on real inference."
            }
            Phase::ValidateExisting => {
                "Finds an endpoint of an existing Space, calls it, checks the output type and measures latency."
            }
        }
    }

    /// Whether the worker can run this phase yet.
    pub fn status(self) -> PhaseStatus {
        match self {
            Phase::BucketRoundTrip
            | Phase::TemplateSpace
            | Phase::ModelCardApp
            | Phase::RuntimeRecommender
            | Phase::ValidateExisting
            | Phase::PiSmokeTest
            | Phase::PiRecipe
            | Phase::ArticleReproduction => PhaseStatus::Available,
        }
    }

    /// Whether the phase drives the Pi coding agent (and so needs an Inference Provider).
    pub fn uses_agent(self) -> bool {
        matches!(
            self,
            Phase::PiSmokeTest | Phase::PiRecipe | Phase::ArticleReproduction
        )
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_from_id() {
        for phase in Phase::ALL {
            let json = serde_json::to_string(&phase).unwrap();
            assert_eq!(json, format!("\"{}\"", phase.id()));
            assert_eq!(serde_json::from_str::<Phase>(&json).unwrap(), phase);
            assert_eq!(Phase::from_id(phase.id()), Some(phase));
        }
    }

    #[test]
    fn unknown_ids_are_not_phases() {
        assert_eq!(Phase::from_id("7"), None);
        assert_eq!(Phase::from_id(""), None);
        assert!(serde_json::from_str::<Phase>("\"2\"").is_err());
    }

    #[test]
    fn only_agent_phases_use_the_agent() {
        let agent: Vec<_> = Phase::ALL.into_iter().filter(|p| p.uses_agent()).collect();
        assert_eq!(
            agent,
            [
                Phase::PiSmokeTest,
                Phase::PiRecipe,
                Phase::ArticleReproduction
            ]
        );
    }
}
