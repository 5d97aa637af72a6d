//! Jobs as local processes: bucket mount, logs SSE, timeout, cancel, labels, hardware.

use std::time::Duration;

async fn job(t: &crate::kit::TestHub, id: &str) -> serde_json::Value {
    t.get_json("alice", &format!("/api/jobs/alice/{id}")).await
}

async fn wait_stage(t: &crate::kit::TestHub, id: &str, want: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let v = job(t, id).await;
        if v["status"]["stage"] == want {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job never reached {want}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn run(t: &crate::kit::TestHub, body: serde_json::Value) -> String {
    let r = t.post_json("alice", "/api/jobs/alice", &body).await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["owner"]["name"], "alice");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn job_writes_to_bucket_mount_and_streams_logs() {
    let t = crate::kit::TestHub::start().await;
    assert_eq!(
        t.post_json(
            "alice",
            "/api/buckets/alice/out",
            &serde_json::json!({"private": true})
        )
        .await
        .status(),
        200
    );
    let id = run(
        &t,
        serde_json::json!({
            "dockerImage": "python:3.12",
            "command": ["sh", "-c", "echo hello $GREETING; echo \"secret is ${TOKEN:+set}\"; echo data > /output/x; echo err >&2"],
            "arguments": [],
            "environment": {"GREETING": "world"},
            "secrets": {"TOKEN": "s3cr3t"},
            "flavor": "cpu-basic",
            "labels": {"run": "r1"},
            "volumes": [{"type": "bucket", "source": "alice/out", "mountPath": "/output"}],
        }),
    )
    .await;
    let v = wait_stage(&t, &id, "COMPLETED").await;
    assert_eq!(v["secrets"], serde_json::json!(["TOKEN"]));
    assert!(!v.to_string().contains("s3cr3t"));
    assert_eq!(
        std::fs::read_to_string(t.hub.bucket_dir("alice/out").join("x")).unwrap(),
        "data\n"
    );
    // The file is visible through the bucket API too.
    let r = t
        .get("alice", "/buckets/alice/out/resolve/x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "data\n");
    // Logs: SSE with a Date header, ends because the job is terminal.
    let r = t
        .get("alice", &format!("/api/jobs/alice/{id}/logs"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get_all("date").iter().count(), 1);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let body = tokio::time::timeout(Duration::from_secs(10), r.text())
        .await
        .unwrap()
        .unwrap();
    // Keep-alives and non-JSON `data:` lines are skipped, as huggingface_hub does.
    let lines: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: {"))
        .map(|d| {
            serde_json::from_str::<serde_json::Value>(&format!("{{{d}")).unwrap()["data"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(lines[0].starts_with("===== Job started"), "{lines:?}");
    assert!(lines.contains(&"hello world".to_string()), "{lines:?}");
    assert!(lines.contains(&"secret is set".to_string()), "{lines:?}");
    assert!(lines.contains(&"err".to_string()), "{lines:?}");
    // Label filter.
    let other = run(
        &t,
        serde_json::json!({"dockerImage": "x", "command": ["true"], "labels": {"run": "r2"}}),
    )
    .await;
    wait_stage(&t, &other, "COMPLETED").await;
    let l: serde_json::Value = t.get_json("alice", "/api/jobs/alice?label=run=r1").await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    assert_eq!(l[0]["id"], id.as_str());
    // bob sees neither the job nor alice's private bucket for his own job.
    assert_eq!(
        t.get("bob", &format!("/api/jobs/alice/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let r = t.post_json("bob", "/api/jobs/bob", &serde_json::json!({"dockerImage": "x", "command": ["true"], "volumes": [{"type": "bucket", "source": "alice/out", "mountPath": "/o"}]})).await;
    assert_eq!(r.status(), 404);
}

async fn private_bucket(t: &crate::kit::TestHub, name: &str) -> std::path::PathBuf {
    let r = t
        .post_json(
            "alice",
            &format!("/api/buckets/alice/{name}"),
            &serde_json::json!({"private": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    t.hub.bucket_dir(&format!("alice/{name}"))
}

async fn job_stage(t: &crate::kit::TestHub, id: &str) -> String {
    job(t, id).await["status"]["stage"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs `sh -c script` with alice's bucket `bucket` mounted at `/output`.
async fn run_with_bucket(t: &crate::kit::TestHub, bucket: &str, script: &str) -> String {
    run(
        t,
        serde_json::json!({
            "dockerImage": "x",
            "command": ["sh", "-c", script],
            "volumes": [{"type": "bucket", "source": format!("alice/{bucket}"), "mountPath": "/output"}],
        }),
    )
    .await
}

async fn log_lines(t: &crate::kit::TestHub, id: &str) -> Vec<String> {
    let body = t
        .get_text("alice", &format!("/api/jobs/alice/{id}/logs"))
        .await;
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|v| v["data"].as_str().map(str::to_owned))
        .collect()
}

/// A Job rewrites `state.json` again and again, as the worker does after every step, and
/// each rewrite stays truncated, then half-written, for a while (a slow writer). The Hub's
/// mount publishes a file only once it is closed, so a reader of the bucket sees whole
/// versions only, never going back, and the last one as soon as the Job reads as ended.
#[tokio::test]
async fn a_file_a_job_keeps_rewriting_is_served_whole_and_in_order() {
    const REWRITES: u64 = 6;
    let t = crate::kit::TestHub::start().await;
    let store = private_bucket(&t, "b1").await;
    std::fs::write(store.join("state.json"), "{\"n\":0}").unwrap();
    let script = format!(
        "echo \"seen: $(cat /output/state.json)\"; i=1; while [ $i -le {REWRITES} ]; do \
         {{ sleep 0.3; printf '{{\"n\":'; sleep 0.2; printf '%d}}' $i; }} > /output/state.json; \
         i=$((i+1)); done"
    );
    let id = run_with_bucket(&t, "b1", &script).await;
    let mut last = 0;
    let mut reads = 0;
    loop {
        // Read the stage first: once ended, the file read next is the final one.
        let ended = matches!(job_stage(&t, &id).await.as_str(), "COMPLETED" | "ERROR");
        let r = t
            .get("alice", "/buckets/alice/b1/resolve/state.json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        let value: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("read {reads} got {body:?}: {e}"));
        let n = value["n"].as_u64().expect("a version number");
        assert!(n >= last, "read {reads} went back from {last} to {n}");
        last = n;
        reads += 1;
        if ended {
            break;
        }
    }
    assert_eq!(job_stage(&t, &id).await, "COMPLETED");
    assert_eq!(last, REWRITES, "the final version, once the Job ended");
    // The Job saw the bucket's file as it was when it started.
    let lines = log_lines(&t, &id).await;
    assert!(lines.contains(&"seen: {\"n\":0}".to_string()), "{lines:?}");
}

/// What a Job sees and leaves: the bucket's files as they were when it started, its own
/// writes (a file written right after making its folder included), and its deletes.
#[tokio::test]
async fn a_jobs_mount_starts_from_the_bucket_and_publishes_writes_and_deletes() {
    let t = crate::kit::TestHub::start().await;
    let store = private_bucket(&t, "b2").await;
    std::fs::create_dir_all(store.join("old")).unwrap();
    std::fs::write(store.join("keep.txt"), "kept").unwrap();
    std::fs::write(store.join("old/gone.txt"), "bye").unwrap();
    let script = "echo \"keep=$(cat /output/keep.txt)\"; rm /output/old/gone.txt; \
                  mkdir -p /output/runs/r1/deep && echo a > /output/runs/r1/deep/a.txt; \
                  echo b > /output/tmp.txt && mv /output/tmp.txt /output/runs/r1/b.txt";
    let id = run_with_bucket(&t, "b2", script).await;
    wait_stage(&t, &id, "COMPLETED").await;
    assert!(log_lines(&t, &id).await.contains(&"keep=kept".to_string()));
    let read = |rel: &str| std::fs::read_to_string(store.join(rel)).ok();
    assert_eq!(read("keep.txt").as_deref(), Some("kept"));
    assert_eq!(
        read("old/gone.txt"),
        None,
        "the Job's delete reached the bucket"
    );
    assert_eq!(read("runs/r1/deep/a.txt").as_deref(), Some("a\n"));
    assert_eq!(read("runs/r1/b.txt").as_deref(), Some("b\n"));
    assert_eq!(read("tmp.txt"), None, "renamed away");
    let tree: serde_json::Value = t
        .get_json("alice", "/api/buckets/alice/b2/tree?recursive=true")
        .await;
    let files: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "file")
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(files, ["keep.txt", "runs/r1/b.txt", "runs/r1/deep/a.txt"]);
}

/// A file reaches the bucket when the Job closes it, not only when the Job ends.
#[tokio::test]
async fn a_closed_file_is_published_while_the_job_still_runs() {
    let t = crate::kit::TestHub::start().await;
    let store = private_bucket(&t, "b3").await;
    let id = run_with_bucket(
        &t,
        "b3",
        "mkdir -p /output/live && echo now > /output/live/x.txt; sleep 600",
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(store.join("live/x.txt"))
        .ok()
        .as_deref()
        != Some("now\n")
    {
        assert!(std::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(job_stage(&t, &id).await, "RUNNING");
    t.post("alice", &format!("/api/jobs/alice/{id}/cancel"))
        .send()
        .await
        .unwrap();
    wait_stage(&t, &id, "CANCELED").await;
}

#[tokio::test]
async fn job_failure_timeout_and_cancel() {
    let t = crate::kit::TestHub::start().await;
    let failing = run(
        &t,
        serde_json::json!({"dockerImage": "x", "command": ["sh", "-c", "exit 3"]}),
    )
    .await;
    let v = wait_stage(&t, &failing, "ERROR").await;
    assert!(v["status"]["message"].as_str().unwrap().contains('3'));
    let slow = run(
        &t,
        serde_json::json!({"dockerImage": "x", "command": ["sleep", "30"], "timeoutSeconds": 1}),
    )
    .await;
    let v = wait_stage(&t, &slow, "ERROR").await;
    assert_eq!(v["status"]["message"], "Job timeout");
    let c = run(
        &t,
        serde_json::json!({"dockerImage": "x", "command": ["sh", "-c", "echo started; sleep 600"]}),
    )
    .await;
    wait_stage(&t, &c, "RUNNING").await;
    assert_eq!(
        t.post("alice", &format!("/api/jobs/alice/{c}/cancel"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Long before the sleep would end: the cancel stopped the process.
    wait_stage(&t, &c, "CANCELED").await;
    let hw: serde_json::Value = t.get_json("alice", "/api/jobs/hardware").await;
    assert!(hw
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "cpu-basic" && h["unitCostUSD"].is_number()));
}

/// Creates a Job as alice on `t` and reads its whole log (the stream ends with the Job).
async fn log_of_job(t: &crate::kit::TestHub, body: serde_json::Value) -> String {
    let v = crate::kit::json_of(t.post("alice", "/api/jobs/alice").json(&body)).await;
    let id = v["id"].as_str().unwrap();
    tokio::time::timeout(
        Duration::from_secs(20),
        t.get_text("alice", &format!("/api/jobs/alice/{id}/logs")),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn job_image_maps_to_command_prefix() {
    let t = crate::kit::TestHub::builder()
        .users(["alice"])
        .hub(|b| b.job_image("busybox:latest", vec!["env".into(), "MAPPED=yes".into()]))
        .start()
        .await;
    let body = log_of_job(
        &t,
        serde_json::json!({"dockerImage": "busybox:latest", "command": ["sh", "-c", "echo mapped=$MAPPED"]}),
    )
    .await;
    assert!(body.contains("mapped=yes"), "{body}");
}

#[tokio::test]
async fn an_image_env_gives_its_programs_and_variables_and_the_jobs_own_environment_wins() {
    let builder = crate::kit::TestHub::builder().users(["alice"]);
    let tools = builder.dir().join("image-bin");
    std::fs::create_dir_all(&tools).unwrap();
    let tool = tools.join("image-tool");
    std::fs::write(&tool, "#!/bin/sh\necho tool-ran\n").unwrap();
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let t = builder
        .hub(|b| {
            b.job_image_env(
                "factory:latest",
                vec![tools.clone()],
                vec![
                    ("IMAGE_SET".into(), "by-image".into()),
                    ("OVERRIDDEN".into(), "by-image".into()),
                ],
            )
        })
        .start()
        .await;
    let body = log_of_job(
        &t,
        serde_json::json!({
            "dockerImage": "factory:latest",
            "command": ["sh", "-c", "image-tool; echo \"set=$IMAGE_SET over=$OVERRIDDEN router=$HF_INFERENCE_URL\""],
            "environment": {"OVERRIDDEN": "by-job"},
        }),
    )
    .await;
    assert!(body.contains("tool-ran"), "{body}");
    let expected = format!("set=by-image over=by-job router={}/v1", t.hub.url());
    assert!(body.contains(&expected), "{body}");
}

#[tokio::test]
async fn job_sees_a_container_environment_not_the_hosts() {
    let t = crate::kit::TestHub::start().await;
    // Cargo sets CARGO_MANIFEST_DIR for this test process; a Job must not inherit it.
    assert!(std::env::var("CARGO_MANIFEST_DIR").is_ok());
    let id = run(
        &t,
        serde_json::json!({
            "dockerImage": "x",
            "command": ["sh", "-c", "echo \"host=${CARGO_MANIFEST_DIR:-none} endpoint=$HF_ENDPOINT job=$JOB_ID own=$OWN\"; echo \"home=$HOME\"; echo \"tmp=$TMPDIR\"; touch \"$TMPDIR/x\" && echo tmp-writable"],
            "environment": {"OWN": "mine"},
        }),
    )
    .await;
    wait_stage(&t, &id, "COMPLETED").await;
    let lines = log_lines(&t, &id).await;
    let expected = format!("host=none endpoint={} job={id} own=mine", t.hub.url());
    assert!(lines.contains(&expected), "{lines:?}");
    assert!(lines.contains(&"tmp-writable".to_owned()), "{lines:?}");
    let line = |key: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {key}= line in {lines:?}"))
    };
    // HOME and TMPDIR are the Job's own folders, not this host's.
    for key in ["home", "tmp"] {
        let dir = line(key);
        assert!(dir.contains(&format!("jobs/{id}/")), "{key}={dir}");
        assert_ne!(Some(dir.as_str()), std::env::var("HOME").ok().as_deref());
    }
    // The Job's own environment wins over the defaults.
    let id = run(
        &t,
        serde_json::json!({"dockerImage": "x", "command": ["sh", "-c", "echo endpoint=$HF_ENDPOINT"], "environment": {"HF_ENDPOINT": "http://elsewhere.example"}}),
    )
    .await;
    wait_stage(&t, &id, "COMPLETED").await;
    let lines = log_lines(&t, &id).await;
    assert!(
        lines.contains(&"endpoint=http://elsewhere.example".to_owned()),
        "{lines:?}"
    );
}

/// A Job names exactly one image (a Docker image, or a Docker Space the caller can read) and
/// hardware the Hub offers.
#[tokio::test]
async fn a_job_with_no_image_two_images_a_missing_space_or_unknown_hardware_is_refused() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "space", "gradio-app", false, &[("README.md", "x")])
        .await;
    for (body, status) in [
        (serde_json::json!({"command": ["true"]}), 400),
        (
            serde_json::json!({"dockerImage": "x", "spaceId": "alice/gradio-app", "command": ["true"]}),
            400,
        ),
        (
            serde_json::json!({"spaceId": "alice/missing", "command": ["true"]}),
            404,
        ),
        (
            serde_json::json!({"spaceId": "alice/gradio-app", "command": ["true"]}),
            400,
        ),
        (
            serde_json::json!({"dockerImage": "x", "command": ["true"], "flavor": "h100-huge"}),
            400,
        ),
    ] {
        let r = t.post_json("alice", "/api/jobs/alice", &body).await;
        assert_eq!(r.status(), status, "{body}");
    }
    let listed: serde_json::Value = t.get_json("alice", "/api/jobs/alice").await;
    assert_eq!(listed, serde_json::json!([]), "nothing was started");
}

#[tokio::test]
async fn a_job_log_stream_carries_a_keep_alive_comment_and_a_non_json_data_line_as_the_hubs_do() {
    let t = crate::kit::TestHub::start().await;
    let id = run(
        &t,
        serde_json::json!({"dockerImage": "python:3.12", "command": ["echo", "only line"]}),
    )
    .await;
    wait_stage(&t, &id, "COMPLETED").await;
    let body = t
        .get_text("alice", &format!("/api/jobs/alice/{id}/logs"))
        .await;
    let lines: Vec<&str> = body.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], ": keep-alive", "{body}");
    assert!(
        lines[1].starts_with("data:") && !lines[1].contains('{'),
        "{body}"
    );
    assert_eq!(log_lines(&t, &id).await.last().unwrap(), "only line");
}
