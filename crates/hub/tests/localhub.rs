//! `hub` against a running `localhub`: OIDC sign-in, whoami, repos (create, info, commit,
//! resolve, access rules), buckets, and fault injection (503 burst retried, 401 not).

mod common;

use std::time::Duration;

use common::gradio_app::TempDir;
use hub::oauth::{OAuthApp, FACTORY_SCOPES};
use hub::repos::{parse_repo_id, CreateRepo, RepoType};
use hub::{HubClient, HubConfig, HubError, RetryConfig, Token};
use localhub::{Burst, FaultConfig, LocalHub};

struct Hub {
    hub: localhub::RunningHub,
    client: HubClient,
    alice: Token,
    bob: Token,
    _dir: TempDir,
}

async fn start() -> Hub {
    let dir = TempDir::new("localhub");
    let hub = LocalHub::builder()
        .data_dir(&dir.0)
        .users(["alice", "bob"])
        .start()
        .await
        .unwrap();
    let cfg = HubConfig::new(&hub.url()).unwrap().with_retry(RetryConfig {
        max_retries: 5,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    });
    Hub {
        alice: Token::new(hub.token_for("alice").unwrap()),
        bob: Token::new(hub.token_for("bob").unwrap()),
        client: HubClient::new(cfg).unwrap(),
        hub,
        _dir: dir,
    }
}

#[tokio::test]
async fn oidc_sign_in_with_pkce_then_userinfo_refresh_and_whoami() {
    let h = start().await;
    let d = h.client.oidc_discovery().await.unwrap();
    let app = OAuthApp {
        client_id: "factory".into(),
        client_secret: None,
        redirect_uri: "http://127.0.0.1:9999/cb".into(),
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
    if let Some(r) = &tokens.refresh_token {
        let t2 = h.client.refresh_token(&d, &app, r).await.unwrap();
        assert_eq!(
            h.client.whoami(&t2.access_token).await.unwrap().name,
            "alice"
        );
    }
    h.hub.shutdown().await;
}

#[tokio::test]
async fn whoami_and_bad_token() {
    let h = start().await;
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
    let h = start().await;
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
    let h = start().await;
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
            Some(hub::buckets::ByteRange {
                start: 0,
                end: Some(3),
            }),
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
async fn fault_injection_503_burst_is_retried_and_401_is_not() {
    let h = start().await;
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
