//! `hub` against a running `localhub`: OIDC sign-in, whoami, repos (create, info, commit,
//! resolve, access rules), buckets, and fault injection (503 burst retried, 401 not).

use std::time::Duration;

use crate::kit::gradio_app::gradio_slot;
use crate::kit::LocalStand;
use hub::oauth::{OAuthApp, FACTORY_SCOPES};
use hub::repos::{parse_repo_id, CreateRepo, RepoType};
use hub::{HubError, Token};
use localhub::{Burst, FaultConfig};

#[tokio::test]
async fn oidc_sign_in_with_pkce_then_userinfo_and_whoami_and_no_refresh_token() {
    let h = LocalStand::start().await;
    let d = h.client.oidc_discovery().await.unwrap();
    let app = OAuthApp {
        // The embedded factory's registered app: public, loopback `/login/callback`.
        client_id: "space-factory-local".into(),
        client_secret: None,
        redirect_uri: "http://127.0.0.1:9999/login/callback".into(),
        scopes: FACTORY_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    let auth = app.authorization_request(&d).unwrap();
    // The browser's part: pick alice on localhub's consent page, follow the redirect.
    let mut u = url::Url::parse(&auth.url).unwrap();
    u.query_pairs_mut().append_pair("user", "alice");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser.get(u).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], auth.state);

    let tokens = h
        .client
        .exchange_code(&d, &app, &q["code"], &auth.pkce_verifier)
        .await
        .unwrap();
    let info = h.client.userinfo(&d, &tokens.access_token).await.unwrap();
    assert_eq!(info.preferred_username.as_deref(), Some("alice"));
    let who = h.client.whoami(&tokens.access_token).await.unwrap();
    assert_eq!(who.name, "alice");
    // A code is single-use.
    let again = h
        .client
        .exchange_code(&d, &app, &q["code"], &auth.pkce_verifier)
        .await;
    assert!(again.is_err());
    // As the Hub for web apps: no refresh token; the access token expires.
    assert!(tokens.refresh_token.is_none());
    h.hub.shutdown().await;
}

#[tokio::test]
async fn whoami_and_bad_token() {
    let h = LocalStand::start().await;
    assert_eq!(h.client.whoami(&h.alice).await.unwrap().name, "alice");
    assert_eq!(h.client.whoami(&h.bob).await.unwrap().name, "bob");
    let err = h
        .client
        .whoami(&Token::new("hf_not_a_token"))
        .await
        .unwrap_err();
    assert!(matches!(err, HubError::Unauthorized { .. }), "{err:?}");
    h.hub.shutdown().await;
}

#[tokio::test]
async fn repo_create_commit_download_and_access_rules() {
    let h = LocalStand::start().await;
    let id = parse_repo_id("alice/tiny-model").unwrap();
    let spec = CreateRepo::new(id.clone(), RepoType::Model);
    h.client.create_repo(&spec, &h.alice).await.unwrap();
    // Never overwritten: a second create is a conflict carrying the url.
    match h.client.create_repo(&spec, &h.alice).await {
        Err(HubError::Conflict { url, .. }) => assert!(url.is_some()),
        other => panic!("{other:?}"),
    }
    assert!(h
        .client
        .repo_exists(RepoType::Model, &id, Some(&h.alice))
        .await
        .unwrap());
    // Private by default: bob does not see it.
    assert!(!h
        .client
        .repo_exists(RepoType::Model, &id, Some(&h.bob))
        .await
        .unwrap());

    let card = "---\npipeline_tag: text-generation\nlibrary_name: transformers\n---\n# Tiny\n";
    let files = [
        hub::commit::CommitFile::new("README.md", card.as_bytes().to_vec()),
        hub::commit::CommitFile::new("config.json", b"{\"model_type\":\"gpt2\"}".to_vec()),
    ];
    h.client
        .upload_files(RepoType::Model, &id, "main", "Add card", &files, &h.alice)
        .await
        .unwrap();
    let info = h.client.model_info(&id, Some(&h.alice)).await.unwrap();
    let names: Vec<_> = info.siblings.iter().map(|s| s.rfilename.as_str()).collect();
    assert!(
        names.contains(&"README.md") && names.contains(&"config.json"),
        "{names:?}"
    );
    let readme = h
        .client
        .download_file(RepoType::Model, &id, "main", "README.md", Some(&h.alice))
        .await
        .unwrap();
    assert_eq!(readme.bytes, card.as_bytes());
    // Bob cannot upload into alice's namespace.
    assert!(h
        .client
        .upload_files(RepoType::Model, &id, "main", "x", &files, &h.bob)
        .await
        .is_err());
    h.hub.shutdown().await;
}

#[tokio::test]
async fn buckets_private_tree_and_ranged_download() {
    let h = LocalStand::start().await;
    let id = parse_repo_id("alice/factory-runs").unwrap();
    let info = h.client.ensure_bucket(&id, &h.alice).await.unwrap();
    assert!(info.private);
    // Second time: the 409 is absorbed.
    assert!(h.client.ensure_bucket(&id, &h.alice).await.unwrap().private);
    assert!(matches!(
        h.client.create_bucket(&id, &h.alice).await,
        Err(HubError::Conflict { .. })
    ));
    // A Job writes through its mount; here we write the folder directly.
    let dir = h.hub.bucket_dir("alice/factory-runs").join("runs/01J");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("state.json"), b"{\"stage\":\"done\"}").unwrap();
    std::fs::write(dir.join("events.jsonl"), b"{}\n").unwrap();
    let tree = h
        .client
        .bucket_tree(&id, None, true, &h.alice)
        .await
        .unwrap();
    let mut files: Vec<_> = tree
        .iter()
        .filter(|e| e.is_file())
        .map(|e| e.path.clone())
        .collect();
    files.sort();
    assert_eq!(files, vec!["runs/01J/events.jsonl", "runs/01J/state.json"]);
    let all = h
        .client
        .download_bucket_file(&id, "runs/01J/state.json", None, &h.alice)
        .await
        .unwrap();
    assert_eq!(all, b"{\"stage\":\"done\"}");
    let part = h
        .client
        .download_bucket_file(
            &id,
            "runs/01J/state.json",
            Some(hub::buckets::ByteRange::span(0, Some(3))),
            &h.alice,
        )
        .await
        .unwrap();
    assert_eq!(part, b"{\"st");
    // Bob sees nothing.
    assert!(matches!(
        h.client.bucket_info(&id, &h.bob).await,
        Err(HubError::NotFound { .. })
    ));
    h.hub.shutdown().await;
}

#[tokio::test]
async fn a_bucket_file_read_again_by_its_etag_costs_a_304_until_it_changes() {
    use hub::buckets::Fetched;
    let h = LocalStand::start().await;
    let id = parse_repo_id("alice/factory-runs").unwrap();
    h.client.ensure_bucket(&id, &h.alice).await.unwrap();
    let dir = h.hub.bucket_dir("alice/factory-runs").join("runs/01J");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("state.json"), b"{\"n\":1}").unwrap();
    let path = "runs/01J/state.json";
    let read = |etag: Option<String>| {
        let (client, id, token) = (h.client.clone(), id.clone(), h.alice.clone());
        async move {
            client
                .download_bucket_file_if_changed(&id, path, None, etag.as_deref(), &token)
                .await
                .unwrap()
        }
    };
    let Fetched::Changed { bytes, etag } = read(None).await else {
        panic!("a first read is never unchanged");
    };
    assert_eq!(bytes, b"{\"n\":1}");
    let etag = etag.expect("the hub names the version");
    assert_eq!(read(Some(etag.clone())).await, Fetched::Unchanged);
    assert_eq!(
        read(Some(format!("\"other\", W/{etag}"))).await,
        Fetched::Unchanged,
        "any of the listed versions, weakly compared"
    );
    let answered = |status: u16| {
        h.hub
            .traffic()
            .iter()
            .filter(|t| t.route == "/buckets/{ns}/{name}/resolve/{*path}" && t.status == status)
            .map(|t| t.count)
            .sum::<u64>()
    };
    assert_eq!(answered(304), 2);
    std::fs::write(dir.join("state.json"), b"{\"n\":2}").unwrap();
    match read(Some(etag.clone())).await {
        Fetched::Changed { bytes, etag: new } => {
            assert_eq!(bytes, b"{\"n\":2}");
            assert_ne!(new, Some(etag));
        }
        Fetched::Unchanged => panic!("a changed file read as unchanged"),
    }
    assert_eq!(answered(200), 2);
    h.hub.shutdown().await;
}

#[tokio::test]
async fn fault_injection_503_burst_is_retried_and_401_is_not() {
    let h = LocalStand::start().await;
    h.hub.set_faults(FaultConfig {
        bursts: vec![Burst {
            method: Some("GET".into()),
            path_prefix: "/api/whoami-v2".into(),
            status: 503,
            count: 3,
        }],
        ..FaultConfig::default()
    });
    assert_eq!(h.client.whoami(&h.alice).await.unwrap().name, "alice");
    h.hub.set_faults(FaultConfig {
        bursts: vec![Burst {
            method: Some("GET".into()),
            path_prefix: "/api/whoami-v2".into(),
            status: 401,
            count: 1,
        }],
        ..FaultConfig::default()
    });
    assert!(matches!(
        h.client.whoami(&h.alice).await,
        Err(HubError::Unauthorized { .. })
    ));
    // The one 401 was consumed by a single attempt: the next call succeeds.
    assert_eq!(h.client.whoami(&h.alice).await.unwrap().name, "alice");
    h.hub.shutdown().await;
}

#[tokio::test]
async fn jobs_run_with_env_and_secrets_stream_logs_list_and_cancel() {
    use futures_util::StreamExt;
    let h = LocalStand::start().await;
    let mut spec = hub::jobs::JobSpec::docker(
        "python:3.12",
        vec![
            "sh".into(),
            "-c".into(),
            "echo hello; echo foo=$FOO; echo token=${HF_TOKEN:+set}".into(),
        ],
    );
    spec.env.insert("FOO".into(), "bar".into());
    spec.secrets
        .insert(runs::job::TOKEN_SECRET.into(), h.alice.expose().into());
    spec.labels.insert("run_id".into(), "r1".into());
    spec.timeout_seconds = Some(60);
    let job = h.client.create_job("alice", &spec, &h.alice).await.unwrap();
    let opts = hub::jobs::FollowLogs {
        idle: Duration::from_secs(10),
        reconnect_delay: Duration::from_millis(100),
        max_reconnects: 50,
    };
    let lines: Vec<String> = h
        .client
        .follow_job_logs("alice", &job.id, opts, &h.alice)
        .map(|l| l.unwrap().data)
        .collect()
        .await;
    assert!(lines.iter().any(|l| l == "hello"), "{lines:?}");
    assert!(lines.iter().any(|l| l == "foo=bar"), "{lines:?}");
    assert!(lines.iter().any(|l| l == "token=set"), "{lines:?}");
    let done = h.client.job("alice", &job.id, &h.alice).await.unwrap();
    assert_eq!(done.status.stage, "COMPLETED");
    // One connection with `tail`, after the end: the last line only.
    let tail: Vec<String> = h
        .client
        .job_logs("alice", &job.id, Some(1), Duration::from_secs(5), &h.alice)
        .await
        .unwrap()
        .map(|l| l.unwrap().data)
        .collect()
        .await;
    assert_eq!(tail.len(), 1, "{tail:?}");
    assert_eq!(tail.last(), lines.last(), "{tail:?} vs {lines:?}");
    let listed = h
        .client
        .list_jobs("alice", &[("run_id", "r1")], &h.alice)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, job.id);
    assert!(h
        .client
        .list_jobs("alice", &[("run_id", "other")], &h.alice)
        .await
        .unwrap()
        .is_empty());

    let sleeper = hub::jobs::JobSpec::docker("x", vec!["sleep".into(), "30".into()]);
    let j2 = h
        .client
        .create_job("alice", &sleeper, &h.alice)
        .await
        .unwrap();
    h.client
        .cancel_job("alice", &j2.id, &h.alice)
        .await
        .unwrap();
    let mut stage = hub::jobs::JobStage::Other(String::new());
    // Bounded generously: a loaded machine may take a while to reap the process.
    for _ in 0..300 {
        stage = h
            .client
            .job("alice", &j2.id, &h.alice)
            .await
            .unwrap()
            .status
            .stage;
        if stage.is_terminal() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stage, "CANCELED");
    // Bob cannot read alice's jobs.
    assert!(h.client.job("alice", &job.id, &h.bob).await.is_err());
    let hw = h.client.jobs_hardware(Some(&h.alice)).await.unwrap();
    assert!(hw.iter().any(|f| f.name == "cpu-basic"));
    h.hub.shutdown().await;
}

#[tokio::test]
async fn space_create_upload_run_settings_and_gradio_call() {
    // The Space runs Gradio: one of the shared slots, for as long as the Space lives.
    let _gradio = gradio_slot().await;
    let h = LocalStand::start().await;
    let id = parse_repo_id("alice/echo-app").unwrap();
    let mut spec = CreateRepo::gradio_space(id.clone());
    spec.hardware = Some("cpu-basic".into());
    spec.secrets
        .push(hub::repos::KeyValue::new("API_KEY", "s3cret"));
    spec.variables
        .push(hub::repos::KeyValue::new("MODE", "test"));
    h.client.create_repo(&spec, &h.alice).await.unwrap();
    let app = "import gradio as gr\n\ndef upper(t):\n    return t.upper()\n\n\
               with gr.Blocks() as demo:\n    a = gr.Textbox()\n    b = gr.Textbox()\n    \
               gr.Button().click(upper, a, b, api_name=\"upper\")\n\ndemo.launch()\n";
    let readme = "---\ntitle: Echo\nsdk: gradio\napp_file: app.py\n---\n";
    let files = [
        hub::commit::CommitFile::new("app.py", app.as_bytes().to_vec()),
        hub::commit::CommitFile::new("README.md", readme.as_bytes().to_vec()),
    ];
    h.client
        .upload_files(RepoType::Space, &id, "main", "Add app", &files, &h.alice)
        .await
        .unwrap();
    let secrets = h.client.space_secrets(&id, &h.alice).await.unwrap();
    assert_eq!(secrets.keys().collect::<Vec<_>>(), ["API_KEY"]);
    assert!(
        !format!("{secrets:?}").contains("s3cret"),
        "secret values are write-only"
    );
    assert!(matches!(
        h.client.space_secrets(&id, &h.bob).await,
        Err(HubError::NotFound { .. })
    ));
    let vars = h.client.space_variables(&id, &h.alice).await.unwrap();
    assert_eq!(vars["MODE"].value, "test");
    h.client
        .add_space_variable(&id, "EXTRA", "1", &h.alice)
        .await
        .unwrap();
    h.client
        .add_space_secret(&id, "OTHER", "x", &h.alice)
        .await
        .unwrap();
    h.client
        .delete_space_secret(&id, "OTHER", &h.alice)
        .await
        .unwrap();
    h.client
        .delete_space_variable(&id, "EXTRA", &h.alice)
        .await
        .unwrap();
    assert!(!h
        .client
        .space_variables(&id, &h.alice)
        .await
        .unwrap()
        .contains_key("EXTRA"));

    let rt = h
        .client
        .wait_for_space(
            &id,
            Duration::from_millis(200),
            Duration::from_secs(180),
            &h.alice,
        )
        .await
        .unwrap();
    assert!(rt.is_running(), "{rt:?}");
    let runtime = h.client.space_runtime(&id, &h.alice).await.unwrap();
    assert_eq!(runtime.stage, "RUNNING");
    let repo = h
        .client
        .repo_info(RepoType::Space, &id, Some(&h.alice))
        .await
        .unwrap();
    assert_eq!(repo.id, "alice/echo-app");
    assert_eq!(repo.private, Some(true));
    assert!(repo.sha.is_some());
    let info = h.client.space_info(&id, &h.alice).await.unwrap();
    let app = info.space_app(Some(&h.alice)).expect("host or subdomain");
    let g = h.client.gradio(&app).await.unwrap();
    assert_eq!(
        g.call("upper", vec![serde_json::json!("live")])
            .await
            .unwrap(),
        vec![serde_json::json!("LIVE")]
    );
    let _ = h
        .client
        .space_logs(
            &id,
            hub::spaces::SpaceLogKind::Run,
            Duration::from_secs(2),
            &h.alice,
        )
        .await
        .unwrap();
    h.client
        .set_space_sleep_time(&id, 600, &h.alice)
        .await
        .unwrap();
    let _ = h
        .client
        .request_space_hardware(&id, "cpu-upgrade", None, &h.alice)
        .await
        .unwrap();
    assert!(!h
        .client
        .spaces_hardware(Some(&h.alice))
        .await
        .unwrap()
        .is_empty());
    h.hub.shutdown().await;
}

#[tokio::test]
async fn chat_completion_and_models_against_the_scripted_model() {
    let h = LocalStand::start_with(|b, dir| {
        let script = dir.join("script.json");
        std::fs::write(
            &script,
            serde_json::json!({"model": "scripted", "turns": [{"content": "Hello from the script."}]})
                .to_string(),
        )
        .unwrap();
        b.chat(localhub::inference::ChatBackend::Script(script))
    })
    .await;
    let (client, alice, hub) = (h.client, h.alice, h.hub);

    let models = client.inference_models(Some(&alice)).await.unwrap();
    assert_eq!(
        models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["scripted"]
    );

    let request = hub::inference::ChatRequest {
        model: "scripted".into(),
        messages: vec![hub::inference::ChatMessage::new("user", "say hello")],
        max_tokens: Some(64),
        temperature: None,
    };
    let answer = client.chat_completion(&request, &alice).await.unwrap();
    assert_eq!(answer.text(), Some("Hello from the script."));

    let stranger = Token::new("hf_not_a_token_of_this_hub_000000");
    let err = client
        .chat_completion(&request, &stranger)
        .await
        .unwrap_err();
    assert!(matches!(err, HubError::Unauthorized { .. }), "{err:?}");
    hub.shutdown().await;
}
