//! Jobs as local processes: bucket mount, logs SSE, timeout, cancel, labels, hardware.
mod common;

use std::time::Duration;

async fn wait_stage(t: &common::TestHub, id: &str, want: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let v: serde_json::Value = t
            .get("alice", &format!("/api/jobs/alice/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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

async fn run(t: &common::TestHub, body: serde_json::Value) -> String {
    let r = t
        .post("alice", "/api/jobs/alice")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["owner"]["name"], "alice");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn job_writes_to_bucket_mount_and_streams_logs() {
    let t = common::TestHub::start().await;
    assert_eq!(
        t.post("alice", "/api/buckets/alice/out")
            .json(&serde_json::json!({"private": true}))
            .send()
            .await
            .unwrap()
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
    let lines: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| {
            serde_json::from_str::<serde_json::Value>(d).unwrap()["data"]
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
    let l: serde_json::Value = t
        .get("alice", "/api/jobs/alice?label=run=r1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let r = t
        .post("bob", "/api/jobs/bob")
        .json(&serde_json::json!({"dockerImage": "x", "command": ["true"], "volumes": [{"type": "bucket", "source": "alice/out", "mountPath": "/o"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn job_failure_timeout_and_cancel() {
    let t = common::TestHub::start().await;
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
        serde_json::json!({"dockerImage": "x", "command": ["sh", "-c", "echo started; sleep 30"]}),
    )
    .await;
    wait_stage(&t, &c, "RUNNING").await;
    let started = std::time::Instant::now();
    assert_eq!(
        t.post("alice", &format!("/api/jobs/alice/{c}/cancel"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    wait_stage(&t, &c, "CANCELED").await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let hw: serde_json::Value = t
        .get("alice", "/api/jobs/hardware")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(hw
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "cpu-basic" && h["unitCostUSD"].is_number()));
}

#[tokio::test]
async fn job_image_maps_to_command_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let hub = localhub::LocalHub::builder()
        .data_dir(dir.path())
        .users(["alice"])
        .job_image("busybox:latest", vec!["env".into(), "MAPPED=yes".into()])
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let v: serde_json::Value = http
        .post(format!("{}/api/jobs/alice", hub.url()))
        .bearer_auth(hub.token_for("alice").unwrap())
        .json(&serde_json::json!({"dockerImage": "busybox:latest", "command": ["sh", "-c", "echo mapped=$MAPPED"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap();
    let body = tokio::time::timeout(Duration::from_secs(20), async {
        http.get(format!("{}/api/jobs/alice/{id}/logs", hub.url()))
            .bearer_auth(hub.token_for("alice").unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
    .await
    .unwrap();
    assert!(body.contains("mapped=yes"), "{body}");
}

#[tokio::test]
async fn job_sees_a_container_environment_not_the_hosts() {
    let t = common::TestHub::start().await;
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
    let body = t
        .get("alice", &format!("/api/jobs/alice/{id}/logs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let expected = format!("host=none endpoint={} job={id} own=mine", t.hub.url());
    assert!(body.contains(&expected), "{body}");
    assert!(body.contains("tmp-writable"), "{body}");
    let line = |key: &str| {
        body.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .filter_map(|v| v["data"].as_str().map(str::to_owned))
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {key}= line in {body}"))
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
    let body = t
        .get("alice", &format!("/api/jobs/alice/{id}/logs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("endpoint=http://elsewhere.example"), "{body}");
}
