//! The run's record: events, steps and state, kept in memory and written out after every
//! change, redacted.

use super::clock::now_rfc3339;
use super::meter::Meter;
use super::output::{Output, OutputError};
use super::redact::Redactor;
use runs::{Event, Level, Phase, RunId, RunPaths, RunState, RunStatus, StepRecord, StepStatus};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Records one run: every event goes to stdout (marked) and `events.jsonl`; every change of
/// state rewrites `state.json`; artifacts land under the run folder.
#[derive(Debug)]
pub struct Recorder {
    output: Output,
    paths: RunPaths,
    redactor: Redactor,
    state: RunState,
    next_seq: u64,
    step_started: Option<Instant>,
    meter: Meter,
    /// The state as last written, locked while `state.json` is written: shared with
    /// [`Recorder::spend_refresher`], so a write of the spend alone never goes back on a
    /// newer state.
    written: Arc<Mutex<Option<RunState>>>,
}

/// How often the spend in `state.json` is brought up to date while the run runs, so the
/// run page shows it moving through steps that record nothing for minutes.
const SPEND_REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// What a phase step reports when it fails: which step, and why in a sentence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{step}: {message}")]
pub struct StepFailure {
    /// The step that failed.
    pub step: String,
    /// Why, for people.
    pub message: String,
}

impl Recorder {
    /// Starts the record of run `run_id` of `phase`, writing to `output` (nothing is
    /// written yet).
    pub fn new(run_id: RunId, phase: Phase, output: Output, redactor: Redactor) -> Recorder {
        let now = now_rfc3339();
        Recorder {
            output,
            paths: RunPaths::new(run_id),
            redactor,
            state: RunState {
                run_id,
                phase,
                status: RunStatus::Running,
                current_step: None,
                steps: Vec::new(),
                links: Default::default(),
                started_at: now.clone(),
                updated_at: now,
                finished_at: None,
                verdict: None,
                error: None,
                cost: None,
                stopped: None,
            },
            next_seq: 0,
            step_started: None,
            meter: Meter::default(),
            written: Arc::default(),
        }
    }

    /// A task body that rewrites `state.json` with the meter's spend every few seconds,
    /// until dropped (nothing else in the state changes). For a metered run, beside its
    /// phase.
    pub fn spend_refresher(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (written, output, path) = (
            self.written.clone(),
            self.output.clone(),
            self.paths.state(),
        );
        let (redactor, meter) = (self.redactor.clone(), self.meter.clone());
        async move {
            loop {
                tokio::time::sleep(SPEND_REFRESH).await;
                let mut last = written.lock().unwrap_or_else(|e| e.into_inner());
                let Some(state) = last.as_mut().filter(|s| !s.status.is_terminal()) else {
                    continue;
                };
                state.cost = meter.spend();
                state.updated_at = now_rfc3339();
                let _ = output.write(&path, &state_json(&redactor, state));
            }
        }
    }

    /// Meters the run with `meter` from now on: every write of the state carries its spend.
    pub fn set_meter(&mut self, meter: Meter) {
        self.meter = meter;
    }

    /// The run's meter (unmetered until [`Recorder::set_meter`]).
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    /// Records why the worker stopped the run itself; [`Recorder::finish`] follows.
    pub fn set_stopped(&mut self, stopped: runs::Stopped) {
        self.state.stopped = Some(stopped);
    }

    /// The state as recorded so far.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// The bucket paths of this run.
    pub fn paths(&self) -> &RunPaths {
        &self.paths
    }

    /// The bucket mount the run is recorded into (what the agent must not write).
    pub fn mount(&self) -> &std::path::Path {
        self.output.mount()
    }

    /// The redactor every stored line goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Emits one event: a marked stdout line and a line of `events.jsonl`.
    pub fn event(
        &mut self,
        level: Level,
        message: &str,
        data: serde_json::Value,
    ) -> Result<(), OutputError> {
        let event = Event {
            time: now_rfc3339(),
            seq: self.next_seq,
            stage: self
                .state
                .current_step
                .clone()
                .unwrap_or_else(|| "run".into()),
            level,
            message: self.redactor.redact(message),
            data: self.redactor.redact_json(&data),
        };
        self.next_seq += 1;
        {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", event.to_marked_line());
            let _ = stdout.flush();
        }
        self.output
            .append_line(&self.paths.events(), &event.to_json_line())
    }

    /// Marks `name` as the step under way and records that it began.
    pub fn begin_step(&mut self, name: &str) -> Result<(), OutputError> {
        self.state.current_step = Some(name.to_owned());
        self.state.steps.push(StepRecord {
            name: name.to_owned(),
            status: StepStatus::Running,
            started_at: now_rfc3339(),
            finished_at: None,
            duration_ms: None,
            message: None,
        });
        self.step_started = Some(Instant::now());
        self.event(
            Level::Info,
            &format!("step {name} started"),
            serde_json::Value::Null,
        )?;
        self.save_state()
    }

    /// Ends the step under way as passed or failed, with its message.
    pub fn end_step(&mut self, passed: bool, message: &str) -> Result<(), OutputError> {
        let message = self.redactor.redact(message);
        let status = if passed {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        let duration_ms = self.close_running_step(status, message.clone());
        let level = if passed { Level::Info } else { Level::Error };
        self.event(
            level,
            &message,
            serde_json::json!({ "passed": passed, "duration_ms": duration_ms }),
        )?;
        self.state.current_step = None;
        self.save_state()
    }

    /// Writes `relative` under the run folder and lists it among the run's artifacts.
    pub fn artifact(&mut self, relative: &str, bytes: &[u8]) -> Result<(), StepFailure> {
        let path = self.paths.artifact(relative).map_err(|err| StepFailure {
            step: self.current_step_name(),
            message: err.to_string(),
        })?;
        self.output.write(&path, bytes).map_err(|err| StepFailure {
            step: self.current_step_name(),
            message: err.to_string(),
        })?;
        if !self.state.links.artifacts.iter().any(|a| a == relative) {
            self.state.links.artifacts.push(relative.to_owned());
        }
        Ok(())
    }

    /// Writes a JSON artifact, redacted and pretty-printed.
    pub fn json_artifact(
        &mut self,
        relative: &str,
        value: &serde_json::Value,
    ) -> Result<(), StepFailure> {
        let redacted = self.redactor.redact_json(value);
        let text = serde_json::to_vec_pretty(&redacted).expect("JSON values serialize");
        self.artifact(relative, &text)
    }

    /// Writes a text artifact (a log tail, a generated file), redacted.
    pub fn text_artifact(&mut self, relative: &str, text: &str) -> Result<(), StepFailure> {
        let redacted = self.redactor.redact(text);
        self.artifact(relative, redacted.as_bytes())
    }

    /// Names the Space the run works on, and its live URL once known, in the state's links.
    pub fn set_target_space(
        &mut self,
        id: &str,
        space_url: Option<&str>,
    ) -> Result<(), OutputError> {
        self.state.links.target_space = Some(self.redactor.redact(id));
        if let Some(url) = space_url {
            self.state.links.space_url = Some(self.redactor.redact(url));
        }
        self.save_state()
    }

    /// Records a step that did not apply (e.g. a health check of an app without `/health`)
    /// as skipped, saying why.
    pub fn skip_step(&mut self, name: &str, why: &str) -> Result<(), OutputError> {
        let why = self.redactor.redact(why);
        let now = now_rfc3339();
        self.state.steps.push(StepRecord {
            name: name.to_owned(),
            status: StepStatus::Skipped,
            started_at: now.clone(),
            finished_at: Some(now),
            duration_ms: Some(0),
            message: Some(why.clone()),
        });
        let previous = self.state.current_step.replace(name.to_owned());
        let emitted = self.event(
            Level::Info,
            &format!("step {name} skipped: {why}"),
            serde_json::json!({ "skipped": true }),
        );
        self.state.current_step = previous;
        emitted?;
        self.save_state()
    }

    /// Reads a file of this run back from the mount.
    pub fn read_back(&self, bucket_path: &str) -> Result<Vec<u8>, OutputError> {
        self.output.read_from_mount(bucket_path)
    }

    /// Ends the run with `status`, a one-line verdict and, on failure, the reason.
    pub fn finish(
        &mut self,
        status: RunStatus,
        verdict: &str,
        error: Option<&str>,
    ) -> Result<(), OutputError> {
        self.close_running_step(StepStatus::Failed, format!("interrupted: {verdict}"));
        self.state.current_step = None;
        self.state.status = status;
        self.state.verdict = Some(self.redactor.redact(verdict));
        self.state.error = error.map(|e| self.redactor.redact(e));
        self.state.finished_at = Some(now_rfc3339());
        let level = if status == RunStatus::Succeeded {
            Level::Info
        } else {
            Level::Error
        };
        self.event(level, verdict, serde_json::json!({ "status": status }))?;
        self.save_state()
    }

    /// Writes the report (already rendered) as `report.md`.
    pub fn write_report(&mut self, markdown: &str) -> Result<(), OutputError> {
        let text = self.redactor.redact(markdown);
        self.output.write(&self.paths.report(), text.as_bytes())
    }

    /// Rewrites `state.json` from the in-memory state.
    pub fn save_state(&mut self) -> Result<(), OutputError> {
        let mut last = self.written.lock().unwrap_or_else(|e| e.into_inner());
        self.state.updated_at = now_rfc3339();
        if let Some(spend) = self.meter.spend() {
            self.state.cost = Some(spend);
        }
        self.output.write(
            &self.paths.state(),
            &state_json(&self.redactor, &self.state),
        )?;
        *last = Some(self.state.clone());
        Ok(())
    }

    /// Ends the step under way, if any, with `status` and `message`; returns its duration.
    fn close_running_step(&mut self, status: StepStatus, message: String) -> Option<u64> {
        let duration_ms = self
            .step_started
            .take()
            .map(|started| started.elapsed().as_millis() as u64);
        let step = self
            .state
            .steps
            .last_mut()
            .filter(|step| step.status == StepStatus::Running)?;
        step.status = status;
        step.finished_at = Some(now_rfc3339());
        step.duration_ms = duration_ms;
        step.message = Some(message);
        duration_ms
    }

    fn current_step_name(&self) -> String {
        self.state
            .current_step
            .clone()
            .unwrap_or_else(|| "run".into())
    }
}

/// `state` as `state.json` holds it: redacted, pretty-printed.
fn state_json(redactor: &Redactor, state: &RunState) -> Vec<u8> {
    let json = serde_json::to_value(state).expect("state serializes");
    serde_json::to_vec_pretty(&redactor.redact_json(&json)).expect("JSON values serialize")
}
