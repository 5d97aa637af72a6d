//! The shapes of Gradio's `/config`, `/info` and file outputs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The parts of `GET /config` the client needs.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GradioConfig {
    /// Gradio version (`6.31.0`).
    #[serde(default)]
    pub version: Option<String>,
    /// `/gradio_api` on 5.x/6.x, absent on 4.x.
    #[serde(default)]
    pub api_prefix: Option<String>,
    /// The app's own idea of its base URL (built from the request's Host).
    #[serde(default)]
    pub root: Option<String>,
    /// `sse_v3` on 4–6.
    #[serde(default)]
    pub protocol: Option<String>,
    /// `interface` or `blocks`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Exceeds 2^53: kept as u64 (never f64).
    #[serde(default)]
    pub app_id: Option<u64>,
    /// Event handlers (raw); `api_name` and `id` (= `fn_index`) live here.
    #[serde(default)]
    pub dependencies: Vec<Value>,
}

impl GradioConfig {
    /// The major version, when `version` parses.
    pub fn major(&self) -> Option<u32> {
        self.version.as_deref()?.split('.').next()?.parse().ok()
    }
}

/// One parameter or return value of an endpoint (`type` can be a string or an object).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EndpointParam {
    /// UI label.
    #[serde(default)]
    pub label: Option<String>,
    /// Python argument name (parameters only).
    #[serde(default)]
    pub parameter_name: Option<String>,
    /// Whether it may be omitted.
    #[serde(default)]
    pub parameter_has_default: Option<bool>,
    /// The default value.
    #[serde(default)]
    pub parameter_default: Option<Value>,
    /// Component name (`Textbox`, `Number`, `File`, …).
    #[serde(default)]
    pub component: Option<String>,
    /// JSON-schema-ish type (raw: its `type` may be `{}`).
    #[serde(default, rename = "type")]
    pub schema: Option<Value>,
    /// An example input.
    #[serde(default)]
    pub example_input: Option<Value>,
}

/// One named endpoint of `/info`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Endpoint {
    /// Inputs, positional.
    #[serde(default)]
    pub parameters: Vec<EndpointParam>,
    /// Outputs, positional.
    #[serde(default)]
    pub returns: Vec<EndpointParam>,
}

/// `GET {api_prefix}/info`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApiInfo {
    /// Endpoints by name (`/upper`).
    #[serde(default)]
    pub named_endpoints: BTreeMap<String, Endpoint>,
    /// Endpoints without a name (by index).
    #[serde(default)]
    pub unnamed_endpoints: BTreeMap<String, Endpoint>,
}

/// A file in a call's output (`{"path", "url", …, "meta": {"_type": "gradio.FileData"}}`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FileData {
    /// Server-side path; downloads are built from it (4.x's `/call` `url` is wrong).
    pub path: String,
    /// URL as the app reported it.
    #[serde(default)]
    pub url: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Original file name.
    #[serde(default)]
    pub orig_name: Option<String>,
    /// MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
}

impl FileData {
    /// Reads a `FileData` out of an output value, if it is one.
    pub fn from_value(v: &Value) -> Option<FileData> {
        let is_file = v.get("path").is_some_and(Value::is_string)
            && (v.pointer("/meta/_type").and_then(Value::as_str) == Some("gradio.FileData")
                || v.get("orig_name").is_some());
        if is_file {
            serde_json::from_value(v.clone()).ok()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_app_id_is_exact_and_versions_parse() {
        let c: GradioConfig = serde_json::from_str(
            r#"{"version":"6.31.0","api_prefix":"/gradio_api","app_id":16995419770978353614}"#,
        )
        .unwrap();
        assert_eq!(c.app_id, Some(16995419770978353614));
        assert_eq!(c.major(), Some(6));
        let c4: GradioConfig = serde_json::from_str(r#"{"version":"4.44.1"}"#).unwrap();
        assert_eq!(c4.api_prefix, None);
    }

    #[test]
    fn file_data_is_recognised() {
        let v = serde_json::json!({"path":"/tmp/x/result.txt","url":"http://h/cal/file=/tmp/x/result.txt","size":3,"orig_name":"result.txt","meta":{"_type":"gradio.FileData"}});
        assert_eq!(FileData::from_value(&v).unwrap().path, "/tmp/x/result.txt");
        assert!(FileData::from_value(&serde_json::json!("text")).is_none());
    }
}
