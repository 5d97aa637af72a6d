//! Phase 8, article reproduction: Pi adapts an article's code into a Space, and the
//! full-inference gate decides what the result may claim.

pub mod gate;
