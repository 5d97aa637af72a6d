//! How many run streams may be live at once: each one holds a connection and the server's
//! memory for as long as it stays open (and its connect reads the Hub with the viewer's
//! token), so one session (many tabs, or a script) and all sessions together are capped. A stream past a cap is refused with a 429 that says what to do;
//! a slot is given back when its stream ends or its browser goes away.
//!
//! Connecting is what costs memory: the viewer's look-up of the run and the read of its
//! history hold Hub answers, parsed and serialized again, and a Hub connection each. Many
//! viewers opening one run's page at once (a link shared) would hold all of that at the same
//! moment, so only [`CONNECTING`] streams connect at a time ([`StreamSlots::connecting`]);
//! the others wait their turn, a few milliseconds each.

use app::api::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The most live streams one session may hold.
pub const MAX_PER_SESSION: usize = 8;

/// The most live streams the server holds in all.
pub const MAX_TOTAL: usize = 256;

/// The most streams connecting (reading the Hub for their viewer) at once.
pub const CONNECTING: usize = 4;

/// The streams under way, by session.
#[derive(Debug)]
pub struct StreamSlots {
    per_session: usize,
    total: usize,
    held: Mutex<HashMap<String, usize>>,
    connecting: Semaphore,
}

impl Default for StreamSlots {
    fn default() -> Self {
        StreamSlots::new(MAX_PER_SESSION, MAX_TOTAL)
    }
}

/// One live stream's place, given back when dropped.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    session: String,
}

impl StreamSlots {
    /// Slots with these caps.
    pub fn new(per_session: usize, total: usize) -> StreamSlots {
        StreamSlots {
            per_session,
            total,
            held: Mutex::default(),
            connecting: Semaphore::new(CONNECTING),
        }
    }

    /// A turn to connect, once fewer than [`CONNECTING`] streams are connecting; given
    /// back when dropped.
    pub async fn connecting(&self) -> SemaphorePermit<'_> {
        self.connecting
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    /// A slot for a stream of `session`, or why there is none.
    pub fn take(self: &Arc<Self>, session: &str) -> Result<StreamSlot, ApiError> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = held.values().sum();
        let mine = held.get(session).copied().unwrap_or(0);
        if mine >= self.per_session {
            return Err(ApiError::TooMany(format!(
                "This browser already follows {mine} runs live, the most one session may \
                 ({}). Close some of those pages, then reload this one.",
                self.per_session
            )));
        }
        if total >= self.total {
            return Err(ApiError::TooMany(
                "The factory is following as many live runs as it can right now. Reload this \
                 page in a minute."
                    .into(),
            ));
        }
        *held.entry(session.to_owned()).or_default() += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            session: session.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.session) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_past_its_cap_and_the_server_past_its_total_are_refused_until_a_slot_returns() {
        let slots = Arc::new(StreamSlots::new(2, 3));
        let a1 = slots.take("a").unwrap();
        let _a2 = slots.take("a").unwrap();
        assert!(matches!(slots.take("a"), Err(ApiError::TooMany(_))));
        let _b1 = slots.take("b").unwrap();
        let refused = slots.take("c").unwrap_err();
        assert!(refused.to_string().contains("in a minute"), "{refused}");
        drop(a1);
        let _c1 = slots.take("c").unwrap();
        assert!(matches!(slots.take("a"), Err(ApiError::TooMany(_))));
    }

    #[tokio::test]
    async fn only_a_few_streams_connect_at_once_and_the_next_goes_when_one_is_done() {
        let slots = StreamSlots::default();
        let mut turns = Vec::new();
        for _ in 0..CONNECTING {
            turns.push(slots.connecting().await);
        }
        let waiting = slots.connecting();
        tokio::pin!(waiting);
        assert!(
            futures_util::poll!(waiting.as_mut()).is_pending(),
            "all turns are taken"
        );
        turns.pop();
        assert!(futures_util::poll!(waiting.as_mut()).is_ready());
    }
}
