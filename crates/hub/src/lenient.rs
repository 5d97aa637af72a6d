//! Shapes the Hub answers that the official clients take in their stride: `"labels": null`
//! for no labels, `"runtime": {}` for a Space that has none yet.

use serde::{Deserialize, Deserializer};

/// A field the Hub may send as `null`: read as its default.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A Space's `runtime`, where `{}` (or `null`) means none yet.
pub fn runtime_or_none<'de, D>(
    deserializer: D,
) -> Result<Option<crate::spaces::SpaceRuntime>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    match value {
        Some(serde_json::Value::Object(map)) if map.contains_key("stage") => {
            serde_json::from_value(serde_json::Value::Object(map))
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn null_labels_and_an_empty_runtime_parse_as_nothing() {
        let job: crate::jobs::JobInfo = serde_json::from_value(serde_json::json!({
            "id": "abc", "owner": {"name": "alice"}, "status": {"stage": "RUNNING"}, "labels": null
        }))
        .unwrap();
        assert!(job.labels.is_empty());
        let space: crate::repos::RepoInfo = serde_json::from_value(serde_json::json!({
            "id": "alice/s", "runtime": {}
        }))
        .unwrap();
        assert!(space.runtime.is_none());
        let running: crate::repos::RepoInfo = serde_json::from_value(serde_json::json!({
            "id": "alice/s", "runtime": {"stage": "RUNNING"}
        }))
        .unwrap();
        assert_eq!(running.runtime.unwrap().stage, "RUNNING");
    }
}
