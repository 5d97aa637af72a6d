//! One artifact of a run, ready to show: JSON pretty-printed, markdown rendered and
//! sanitized, code escaped with its language, anything else as text or not shown.

use super::access::RunLocation;
use super::render;
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, Artifact, ArtifactKind};
use hub::buckets::ByteRange;

/// Larger files are not shown inline.
pub const MAX_INLINE_BYTES: u64 = 1024 * 1024;

/// Reads `path` (relative to the run folder) as `user`.
pub async fn read(
    services: &Services,
    user: &SignedIn,
    run: &RunLocation,
    path: &str,
) -> Result<Artifact, ApiError> {
    let full = run.paths.artifact(path).map_err(|e| {
        ApiError::Invalid(vec![runs::FieldError {
            field: "path".into(),
            message: e.to_string(),
        }])
    })?;
    let range = ByteRange::span(0, Some(MAX_INLINE_BYTES));
    let bytes = services
        .hub
        .download_bucket_file(&run.bucket, &full, Some(range), &user.token())
        .await
        .map_err(hub_error)?;
    Ok(present(path, bytes))
}

/// How a file's bytes are shown.
pub fn present(path: &str, bytes: Vec<u8>) -> Artifact {
    let size = bytes.len() as u64;
    let unshown = |why: &str| Artifact {
        path: path.to_owned(),
        kind: ArtifactKind::Unshown,
        text: why.to_owned(),
        html: None,
        size,
    };
    if size > MAX_INLINE_BYTES {
        return unshown("This file is larger than 1 MB; it is not shown here.");
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return unshown("This file is not text; it is not shown here.");
    };
    let lower = path.to_ascii_lowercase();
    let (kind, text, html) = if lower.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) => {
                let pretty = serde_json::to_string_pretty(&value).unwrap_or(text);
                let html = render::code(&pretty, "json");
                (ArtifactKind::Json, pretty, Some(html))
            }
            Err(_) => (ArtifactKind::Text, text, None),
        }
    } else if lower.ends_with(".md") {
        let html = render::markdown(&text);
        (ArtifactKind::Markdown, text, Some(html))
    } else if let Some(language) = render::code_language(&lower) {
        let html = render::code(&text, language);
        (ArtifactKind::Code, text, Some(html))
    } else {
        (ArtifactKind::Text, text, None)
    };
    Artifact {
        path: path.to_owned(),
        kind,
        text,
        html,
        size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_shown_by_kind() {
        let json = present("tests/result.json", br#"{"a":[1,2]}"#.to_vec());
        assert_eq!(json.kind, ArtifactKind::Json);
        assert!(json.text.contains("\n  \"a\": ["), "{}", json.text);
        let md = present("report.md", b"# T\n<script>x</script>".to_vec());
        assert_eq!(md.kind, ArtifactKind::Markdown);
        assert!(!md.html.unwrap().contains("<script"));
        let py = present("generated/app.py", b"x = 1 < 2".to_vec());
        assert_eq!(py.kind, ArtifactKind::Code);
        assert!(py.html.unwrap().contains("language-python"));
        let bin = present("a.bin", vec![0xff, 0xfe, 0x00]);
        assert_eq!(bin.kind, ArtifactKind::Unshown);
        let log = present("logs/x.txt", b"hello".to_vec());
        assert_eq!((log.kind, log.text.as_str()), (ArtifactKind::Text, "hello"));
    }
}
