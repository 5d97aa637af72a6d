//! Where a run's files live in the bucket: `runs/<run_id>/…`.
//!
//! One place names every path, so the worker that writes and the server that reads agree,
//! and an artifact path from a URL can never climb out of its run's folder.

use crate::RunId;

/// The folder of all runs inside the bucket.
pub const RUNS_DIR: &str = "runs";

/// The paths of one run's files, relative to the bucket root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPaths {
    run_id: RunId,
}

/// Why an artifact path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a path inside a run folder")]
pub struct ArtifactPathError(String);

impl RunPaths {
    /// The paths of run `run_id`.
    pub fn new(run_id: RunId) -> RunPaths {
        RunPaths { run_id }
    }

    /// `runs/<id>`.
    pub fn dir(&self) -> String {
        format!("{RUNS_DIR}/{}", self.run_id)
    }

    /// `runs/<id>/state.json`.
    pub fn state(&self) -> String {
        self.file("state.json")
    }

    /// `runs/<id>/events.jsonl`.
    pub fn events(&self) -> String {
        self.file("events.jsonl")
    }

    /// `runs/<id>/report.md`.
    pub fn report(&self) -> String {
        self.file("report.md")
    }

    /// `runs/<id>/inference_gate.json` (phase 8's [`crate::gate::InferenceGate`]).
    pub fn inference_gate(&self) -> String {
        self.file(crate::gate::INFERENCE_GATE_JSON)
    }

    /// `runs/<id>/tests/inference_proof.json` (phases 5 and 8's
    /// [`crate::proof::InferenceProof`]).
    pub fn inference_proof(&self) -> String {
        self.file(crate::proof::INFERENCE_PROOF_JSON)
    }

    /// `runs/<id>/<relative>`, for an artifact path that stays inside the run folder.
    pub fn artifact(&self, relative: &str) -> Result<String, ArtifactPathError> {
        check_relative(relative)?;
        Ok(self.file(relative))
    }

    fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.dir())
    }
}

/// Accepts `a/b.json`-style paths: no leading `/`, no empty, `.` or `..` segment, no `\`.
pub fn check_relative(path: &str) -> Result<(), ArtifactPathError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if bad {
        return Err(ArtifactPathError(path.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> RunPaths {
        RunPaths::new("01JDQ7ZK3G8X5V2N4M6P8R0T2W".parse().unwrap())
    }

    #[test]
    fn names_the_standard_files() {
        let p = paths();
        assert_eq!(p.dir(), "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W");
        assert_eq!(p.state(), "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/state.json");
        assert_eq!(p.events(), "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/events.jsonl");
        assert_eq!(p.report(), "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/report.md");
        assert_eq!(
            p.inference_gate(),
            "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/inference_gate.json"
        );
        assert_eq!(
            p.inference_proof(),
            "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/tests/inference_proof.json"
        );
        assert_eq!(
            p.artifact("tests/test_result.json").unwrap(),
            "runs/01JDQ7ZK3G8X5V2N4M6P8R0T2W/tests/test_result.json"
        );
    }

    #[test]
    fn artifacts_cannot_leave_the_run_folder() {
        for bad in [
            "",
            "/etc/passwd",
            "../other/state.json",
            "a/../../b",
            "a//b",
            "./a",
            "a\\b",
            "a/",
        ] {
            assert!(paths().artifact(bad).is_err(), "{bad:?}");
        }
    }
}
