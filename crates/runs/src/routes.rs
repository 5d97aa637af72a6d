//! The browser's page paths, built in one place so that links, redirects and the server's
//! launch answer agree with the app's router (`crates/app/src/lib.rs`).

use std::fmt::Display;

use crate::Phase;

/// `/runs/<owner>/<run_id>`: one run's page.
pub fn run_page(owner: impl Display, run_id: impl Display) -> String {
    format!("/runs/{owner}/{run_id}")
}

/// `/new/<phase>`: the wizard of a recipe.
pub fn new_run_page(phase: Phase) -> String {
    format!("/new/{}", phase.id())
}

/// `/new/<phase>?again=<owner>/<run_id>`: the wizard of a recipe, filled with an earlier
/// run's options.
pub fn run_again_page(phase: Phase, owner: impl Display, run_id: impl Display) -> String {
    format!("{}?{AGAIN_QUERY}={owner}/{run_id}", new_run_page(phase))
}

/// The wizard's query parameter naming the run to start from, as `<owner>/<run_id>`.
pub const AGAIN_QUERY: &str = "again";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_the_paths_the_router_serves() {
        assert_eq!(
            run_page("alice", "01JDQ7ZK3G8X5V2N4M6P8R0T2W"),
            "/runs/alice/01JDQ7ZK3G8X5V2N4M6P8R0T2W"
        );
        assert_eq!(new_run_page(Phase::TemplateSpace), "/new/2.1");
        assert_eq!(
            run_again_page(
                Phase::BucketRoundTrip,
                "alice",
                "01JDQ7ZK3G8X5V2N4M6P8R0T2W"
            ),
            "/new/1?again=alice/01JDQ7ZK3G8X5V2N4M6P8R0T2W"
        );
    }
}
