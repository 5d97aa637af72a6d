//! Phase 2.1 end to end: a Job created through `hub` runs the worker, which deploys the
//! template app as a private Space that localhub really runs (Gradio 6), validates it live,
//! and leaves every artifact in the bucket. Then the same live Space is validated again,
//! by `worker validate` and by the validate phase in a Job.

use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::stand::{assert_job_stage, step_names, Stand};
use crate::kit::RUN_ID as RUN;
use runs::{Event, RunStatus, StepStatus, EVENT_MARKER};
use std::process::Command;
use worker::generate::template_app;

const VALIDATE_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0VA1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_space_job_deploys_validates_live_and_leaks_no_token() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    // The name is taken, and the run asks for a unique suffix instead of refusing.
    let taken = stand.take_space_name("shouter").await;
    let spec = stand.spec(
        RUN,
        "2.1",
        serde_json::json!({ "target_space": "shouter", "unique_suffix": true }),
    );
    let job = stand.launch(RUN, "2.1", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await;
    assert_job_stage(&job, &log, "COMPLETED");

    // state.json: succeeded, every step passed in order, links to the Space.
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "generate",
            "create_space",
            "upload",
            "wait_running",
            "health",
            "api_schema",
            "api_call"
        ]
    );
    for step in &state.steps {
        let ok = step.status == StepStatus::Passed
            || (step.name == "health" && step.status == StepStatus::Skipped);
        assert!(ok, "{step:?}");
        assert!(step.duration_ms.is_some(), "{step:?}");
    }
    let space = state
        .links
        .target_space
        .clone()
        .expect("target Space linked");
    assert!(space.starts_with("alice/shouter-"), "{space}");
    assert_ne!(space, taken.to_string());
    let live_url = state.links.space_url.clone().expect("live URL linked");

    // target_space.json and the Space itself: private, in alice's namespace, running.
    let target = stand.artifact_json(RUN, "target_space.json");
    assert_eq!(target["id"], space.as_str());
    assert_eq!(target["private"], true);
    assert_eq!(target["suffix_added"], true);
    assert_eq!(target["requested_name"], "shouter");
    assert_eq!(target["app_url"], live_url.as_str());
    assert_eq!(target["stage"], "RUNNING");
    let id: hub::RepoId = space.parse().unwrap();
    let info = stand.client.space_info(&id, &stand.token).await.unwrap();
    assert_eq!(info.private, Some(true));
    assert_eq!(info.runtime.as_ref().unwrap().stage, "RUNNING");

    // generated/*: exactly what was uploaded.
    for file in template_app::files("shouter") {
        let saved =
            std::fs::read_to_string(stand.run_dir(RUN).join("generated").join(&file.path)).unwrap();
        assert_eq!(saved, file.content, "{}", file.path);
        let uploaded = stand
            .client
            .download_file(
                hub::repos::RepoType::Space,
                &id,
                "main",
                &file.path,
                Some(&stand.token),
            )
            .await
            .unwrap();
        assert_eq!(uploaded.bytes, file.content.as_bytes(), "{}", file.path);
    }

    // tests/: the schema the app published and the live call's evidence.
    let schema = stand.artifact_json(RUN, "tests/api_schema.json");
    assert!(schema["named_endpoints"]["/shout"].is_object(), "{schema}");
    let result = stand.artifact_json(RUN, "tests/test_result.json");
    let expected = template_app::expected_output(template_app::SAMPLE_INPUT);
    assert_eq!(result["verdict"], "passed", "{result}");
    assert_eq!(result["endpoint"], "/shout");
    assert_eq!(
        result["inputs"],
        serde_json::json!([template_app::SAMPLE_INPUT])
    );
    assert_eq!(result["outputs"], serde_json::json!([expected]));
    assert!(result["latency_ms"].as_u64().is_some(), "{result}");
    assert_eq!(result["types_ok"], true);
    assert!(
        result["gradio_version"].as_str().unwrap().starts_with("6."),
        "{result}"
    );

    // The live Space answers the same when we call it ourselves.
    let app = stand
        .client
        .gradio(&info.space_app(Some(&stand.token)).unwrap())
        .await
        .unwrap();
    let out = app.call("/shout", vec!["again".into()]).await.unwrap();
    assert_eq!(out, vec![serde_json::json!("AGAIN!")]);

    // report.md tells it; the Job's log carries exactly the stored events.
    let report = stand.report(RUN);
    assert!(report.contains("**Verdict: succeeded**"), "{report}");
    assert!(report.contains("| api_call | passed |"), "{report}");
    assert!(report.contains(&space), "{report}");
    let stored = Event::parse_jsonl(
        &std::fs::read_to_string(stand.run_dir(RUN).join("events.jsonl")).unwrap(),
    );
    let streamed: Vec<Event> = log
        .iter()
        .filter(|l| l.starts_with(EVENT_MARKER))
        .filter_map(|l| Event::from_log_line(l))
        .collect();
    assert_eq!(streamed, stored, "the Job's log carries the stored events");
    assert!(
        stored.iter().any(|e| e.message.contains("is RUNNING")),
        "stage changes are events"
    );
    assert_eq!(
        state
            .links
            .artifacts
            .iter()
            .filter(|a| a.starts_with("generated/"))
            .count(),
        3
    );

    // The token is nowhere: not in the bucket, not in the Job's log or its private folder.
    let token = stand.token.expose().to_owned();
    let searched = assert_not_in_files(&stand.bucket_dir(), &token);
    assert!(searched >= 9, "searched only {searched} files");
    assert_not_in_files(&stand.dir.path().join("hub/jobs").join(&job.id), &token);
    assert!(
        log.iter().all(|l| !l.contains(&token)),
        "the token is in the Job's log"
    );

    // `worker validate` finds and calls the same live Space.
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_worker"))
            .arg("validate")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HF_ENDPOINT", stand.hub.url())
            .env(runs::job::TOKEN_SECRET, &token)
            .output()
            .unwrap()
    };
    let out = cli(&["--space", &space]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(verdict["verdict"], "passed");
    assert_eq!(verdict["endpoint_found"], true);
    assert_eq!(verdict["call_made"], true);
    assert_eq!(verdict["endpoint"], "/shout");
    // With no inputs given, the schema's example is sent, and the answer is the app's.
    let example = &schema["named_endpoints"]["/shout"]["parameters"][0]["example_input"];
    assert_eq!(verdict["inputs"], serde_json::json!([example]));
    let shouted = template_app::expected_output(example.as_str().unwrap());
    assert_eq!(verdict["outputs"], serde_json::json!([shouted]));
    assert_eq!(verdict["output_types"][0]["expected_type"], "string");
    assert!(verdict["latency_ms"].as_u64().is_some());
    let out = cli(&["--space", &space, "--api", "/whisper"]);
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["endpoint_found"], false);
    assert_eq!(verdict["call_made"], false);
    assert!(
        verdict["reason"].as_str().unwrap().contains("/shout"),
        "{verdict}"
    );
    let out = cli(&["--url", &live_url, "--inputs", "{\"not\": \"an array\"}"]);
    assert_eq!(out.status.code(), Some(2));
    // A typed URL never gets the token, so the private Space's proxy does not let the
    // validation in by its URL.
    let out = cli(&["--url", &live_url]);
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["call_made"], false, "{verdict}");

    // The validate phase in a Job, with given inputs.
    let spec = stand.spec(
        VALIDATE_RUN,
        "validate",
        serde_json::json!({ "validate_space": space, "api_name": "/shout", "inputs": ["quiet"] }),
    );
    let job = stand.launch(VALIDATE_RUN, "validate", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "COMPLETED", "{:?}", job.status);
    let state = stand.state(VALIDATE_RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "resolve_space",
            "health",
            "api_schema",
            "api_call"
        ]
    );
    let result = stand.artifact_json(VALIDATE_RUN, "tests/test_result.json");
    assert_eq!(result["outputs"], serde_json::json!(["QUIET!"]));
    assert_eq!(result["verdict"], "passed");
    assert!(stand
        .report(VALIDATE_RUN)
        .contains("**Verdict: succeeded**"));
    assert_not_in_files(&stand.bucket_dir(), &token);
}
