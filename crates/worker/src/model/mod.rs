//! Judging a model from what the Hub says about it: its facts (info, card, config), its
//! size in parameters and bytes, whether the model-card recipe can build an app for it,
//! and what hardware it needs.
//!
//! Phases 5 (model-card app) and 6 (runtime recommender) are built from these parts.

pub mod facts;
pub mod hardware;
pub mod recommend;
pub mod size;
pub mod support;

pub use facts::ModelFacts;
pub use size::ModelSize;
