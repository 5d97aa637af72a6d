//! The session store: in memory, bounded, expired records dropped.
//!
//! `tower-sessions`' own memory store keeps every record forever, and every `GET /login`
//! makes one, so a loop of requests could grow the server without end. This one holds at
//! most [`MAX_SESSIONS`]; when full it drops the expired records, then the ones that expire
//! soonest. A sign-in in progress lives only minutes ([`super::PENDING_LOGIN`]), so under a
//! flood of `/login` those go first and the signed-in users keep their sessions.

use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;
use tower_sessions::SessionStore;

/// The most sessions kept at once unless `SPACE_FACTORY_MAX_SESSIONS` says otherwise.
pub const MAX_SESSIONS: usize = 10_000;

/// A bounded in-memory session store.
#[derive(Debug, Clone)]
pub struct BoundedStore {
    max: usize,
    records: Arc<Mutex<HashMap<Id, Record>>>,
}

impl Default for BoundedStore {
    fn default() -> Self {
        BoundedStore::with_capacity(MAX_SESSIONS)
    }
}

impl BoundedStore {
    /// A store keeping at most `max` sessions.
    pub fn with_capacity(max: usize) -> BoundedStore {
        BoundedStore {
            max: max.max(1),
            records: Arc::default(),
        }
    }

    /// How many sessions it holds now (expired ones included until they are dropped).
    pub async fn len(&self) -> usize {
        self.records.lock().await.len()
    }

    /// Whether it holds none.
    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }
}

/// Makes room for one more record: drops the expired, then the soonest to expire.
fn make_room(records: &mut HashMap<Id, Record>, max: usize, keep: &Id) {
    if records.len() < max || records.contains_key(keep) {
        return;
    }
    let now = OffsetDateTime::now_utc();
    records.retain(|_, r| r.expiry_date > now);
    while records.len() >= max {
        let soonest = records.values().min_by_key(|r| r.expiry_date).map(|r| r.id);
        match soonest {
            Some(id) => records.remove(&id),
            None => break,
        };
    }
}

#[async_trait::async_trait]
impl SessionStore for BoundedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut records = self.records.lock().await;
        while records.contains_key(&record.id) {
            record.id = Id::default();
        }
        make_room(&mut records, self.max, &record.id);
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut records = self.records.lock().await;
        make_room(&mut records, self.max, &record.id);
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut records = self.records.lock().await;
        let now = OffsetDateTime::now_utc();
        match records.get(id) {
            Some(r) if r.expiry_date > now => Ok(Some(r.clone())),
            Some(_) => {
                records.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.records.lock().await.remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn record(minutes: i64) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + Duration::minutes(minutes),
        }
    }

    #[tokio::test]
    async fn a_full_store_drops_the_soonest_to_expire_and_keeps_the_long_lived() {
        let store = BoundedStore::with_capacity(3);
        let mut signed_in = record(8 * 60);
        store.create(&mut signed_in).await.unwrap();
        for _ in 0..100 {
            store.create(&mut record(10)).await.unwrap();
        }
        assert_eq!(store.len().await, 3);
        assert!(store.load(&signed_in.id).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_expired_record_is_not_loaded_and_is_dropped() {
        let store = BoundedStore::with_capacity(3);
        let mut old = record(-1);
        store.create(&mut old).await.unwrap();
        assert!(store.load(&old.id).await.unwrap().is_none());
        assert!(store.is_empty().await);
    }
}
