//! Repo create/commit/resolve, 409 with url, access rules, lfsFile refusal.

#[tokio::test]
async fn repo_create_commit_resolve() {
    let t = crate::kit::TestHub::start().await;
    let oid = t
        .create_and_commit(
            "alice",
            "model",
            "m1",
            false,
            &[("README.md", "# hi"), ("sub/a.txt", "hello")],
        )
        .await;
    assert_eq!(oid.len(), 40);
    // 409 carries url.
    let r = t
        .post_json(
            "alice",
            "/api/repos/create",
            &serde_json::json!({"name": "m1"}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["url"], format!("{}/alice/m1", t.hub.url()));
    // HEAD resolve has X-Repo-Commit + ETag.
    let r = t
        .http
        .head(t.url("/alice/m1/resolve/main/sub/a.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-repo-commit"], oid.as_str());
    assert!(r.headers().contains_key("etag"));
    let r = t
        .http
        .get(t.url("/alice/m1/resolve/main/sub/a.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hello");
    let r = t
        .http
        .get(t.url("/alice/m1/resolve/main/missing.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-error-code"], "EntryNotFound");
    // Tree + info.
    let tree: serde_json::Value = t
        .http
        .get(t.url("/api/models/alice/m1/tree/main?recursive=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"sub/a.txt") && paths.contains(&"sub"),
        "{paths:?}"
    );
    let info: serde_json::Value = t
        .http
        .get(t.url("/api/models/alice/m1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sha"], oid.as_str());
    // Preupload answers regular + shouldIgnore.
    let pre: serde_json::Value = t
        .post_json(
            "alice",
            "/api/models/alice/m1/preupload/main",
            &serde_json::json!({"files": [{"path": "big.bin", "size": 20000000, "sample": ""}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pre["files"][0]["uploadMode"], "regular");
    assert_eq!(pre["files"][0]["shouldIgnore"], false);
    // Delete a file, and an lfsFile entry is a clear 400.
    let body = "{\"key\":\"header\",\"value\":{\"summary\":\"rm\"}}\n{\"key\":\"deletedFile\",\"value\":{\"path\":\"sub/a.txt\"}}\n";
    assert_eq!(
        t.post("alice", "/api/models/alice/m1/commit/main")
            .body(body)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        t.http
            .get(t.url("/alice/m1/resolve/main/sub/a.txt"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let body = "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n{\"key\":\"lfsFile\",\"value\":{\"path\":\"m.bin\",\"algo\":\"sha256\",\"oid\":\"ab\",\"size\":3}}\n";
    let r = t
        .post("alice", "/api/models/alice/m1/commit/main")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("lfsFile"));
    // validate-yaml answers JSON.
    let r = t
        .post_json(
            "alice",
            "/api/validate-yaml",
            &serde_json::json!({"content": "---\n---", "repoType": "space"}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn datasets_and_spaces_use_their_prefix() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "dataset", "d1", false, &[("x.csv", "a,b")])
        .await;
    t.create_and_commit(
        "alice",
        "space",
        "s1",
        false,
        &[("README.md", "---\nsdk: static\n---")],
    )
    .await;
    assert_eq!(
        t.http
            .get(t.url("/datasets/alice/d1/resolve/main/x.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "a,b"
    );
    assert_eq!(
        t.http
            .get(t.url("/spaces/alice/s1/resolve/main/README.md"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let info: serde_json::Value = t
        .http
        .get(t.url("/api/spaces/alice/s1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["subdomain"], "alice-s1");
    assert_eq!(info["runtime"]["stage"], "NO_APP_FILE");
}

#[tokio::test]
async fn bob_cannot_see_alices_private_repo() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "space", "secret", true, &[("README.md", "x")])
        .await;
    for user in [Some("bob"), None] {
        let mut rq = t.http.get(t.url("/api/spaces/alice/secret"));
        if let Some(u) = user {
            rq = rq.bearer_auth(t.tok(u));
        }
        let r = rq.send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["x-error-code"], "RepoNotFound");
        let r = t
            .http
            .get(t.url("/spaces/alice/secret/resolve/main/README.md"))
            .bearer_auth(t.tok("bob"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    assert_eq!(
        t.get("alice", "/api/spaces/alice/secret")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // bob cannot commit to alice's public repo either.
    t.create_and_commit("alice", "model", "pub", false, &[("a", "b")])
        .await;
    let r = t
        .post("bob", "/api/models/alice/pub/commit/main")
        .body("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = t
        .post_json(
            "bob",
            "/api/repos/create",
            &serde_json::json!({"name": "x", "organization": "alice"}),
        )
        .await;
    assert_eq!(r.status(), 403);
}

/// A Space needs an SDK the Hub still creates, and hardware the Hub offers.
#[tokio::test]
async fn a_space_without_an_sdk_or_with_unknown_hardware_is_refused() {
    let t = crate::kit::TestHub::start().await;
    for (body, why) in [
        (
            serde_json::json!({"name": "s1", "type": "space"}),
            "sdk is required",
        ),
        (
            serde_json::json!({"name": "s2", "type": "space", "sdk": "jupyter"}),
            "Invalid sdk",
        ),
        (
            serde_json::json!({"name": "s3", "type": "space", "sdk": "gradio", "hardware": "h100-huge"}),
            "Invalid hardware",
        ),
    ] {
        let r = t.post_json("alice", "/api/repos/create", &body).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(
            r.headers()["x-error-message"]
                .to_str()
                .unwrap()
                .contains(why),
            "{body}"
        );
    }
    let r = t.post_json("alice", "/api/repos/create", &serde_json::json!({"name": "ok", "type": "space", "sdk": "gradio", "hardware": "zero-a10g"})).await;
    assert_eq!(r.status(), 200);
    let r = t
        .post_json(
            "alice",
            "/api/spaces/alice/ok/hardware",
            &serde_json::json!({"flavor": "h100-huge"}),
        )
        .await;
    assert_eq!(r.status(), 400);
}

/// `DELETE /api/repos/delete`: the owner deletes a repo (gone from the API and the disk);
/// anybody else cannot, and a missing repo is 404.
#[tokio::test]
async fn the_owner_deletes_a_repo_and_nobody_else_can() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "space", "doomed", true, &[("README.md", "x")])
        .await;
    let delete = |user: &str, body: serde_json::Value| {
        t.http
            .delete(t.url("/api/repos/delete"))
            .bearer_auth(t.tok(user))
            .json(&body)
            .send()
    };
    let r = delete(
        "bob",
        serde_json::json!({"name": "doomed", "organization": "alice", "type": "space"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 404, "a private repo is not even seen by bob");
    let r = delete(
        "alice",
        serde_json::json!({"name": "doomed", "type": "space"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .get("alice", "/api/spaces/alice/doomed")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = delete(
        "alice",
        serde_json::json!({"name": "doomed", "type": "space"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-error-code"], "RepoNotFound");
}
