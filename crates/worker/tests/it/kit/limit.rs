//! The one bound on how many tests at once start Pi or a Gradio app (through localhub's
//! Jobs and Spaces): every such test holds a [`slot`] for its whole run, so a run of the
//! whole binary never starts more of them than the machine can carry.

use tokio::sync::{Semaphore, SemaphorePermit};

/// How many tests may run Pi or a Gradio app at the same time.
pub const SLOTS: usize = 2;

static HEAVY: Semaphore = Semaphore::const_new(SLOTS);

/// Waits for a slot; the test holds it until the returned permit is dropped. Take it
/// first thing in the test, once (a second one in the same test could wait forever).
pub async fn slot() -> SemaphorePermit<'static> {
    HEAVY.acquire().await.expect("the limit is never closed")
}
