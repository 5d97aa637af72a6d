//! The rules a published run relies on, as the Hub enforces them: a public dataset is
//! anyone's to read and only its namespace's to write; a commit deleting a folder takes it
//! away for everyone; a private repo answers a reader without a token as if it were not
//! there; an org's private bucket opens for its members only.

use serde_json::json;

const DATASET: &str = "/datasets/alice/pub/resolve/main/runs/r1/snapshot.json";

fn delete_folder(path: &str) -> String {
    format!(
        "{}\n{}\n",
        json!({"key": "header", "value": {"summary": "rm"}}),
        json!({"key": "deletedFolder", "value": {"path": path}})
    )
}

#[tokio::test]
async fn a_public_dataset_is_read_without_a_token_and_written_by_its_owner_only() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit(
        "alice",
        "dataset",
        "pub",
        false,
        &[
            ("runs/r1/snapshot.json", "{}"),
            ("runs/r2/snapshot.json", "{}"),
        ],
    )
    .await;
    let anonymous = t.http.get(t.url(DATASET)).send().await.unwrap();
    assert_eq!(anonymous.status(), 200);
    assert_eq!(anonymous.text().await.unwrap(), "{}");

    // bob may read it, not write it, nor create a repo in alice's namespace.
    let r = t
        .post("bob", "/api/datasets/alice/pub/commit/main")
        .body(delete_folder("runs/r1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{}", r.text().await.unwrap());
    let r = t
        .post_json(
            "bob",
            "/api/repos/create",
            &json!({"name": "alice/other", "type": "dataset", "visibility": "public"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    // Without a token nothing is written.
    let r = t
        .http
        .post(t.url("/api/datasets/alice/pub/commit/main"))
        .body(delete_folder("runs/r1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        t.http.get(t.url(DATASET)).send().await.unwrap().status(),
        200
    );

    // The owner's folder deletion takes that folder away for everyone, and only it.
    let r = t
        .post("alice", "/api/datasets/alice/pub/commit/main")
        .body(delete_folder("runs/r1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let gone = t.http.get(t.url(DATASET)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(gone.headers()["x-error-code"], "EntryNotFound");
    let other = t
        .http
        .get(t.url("/datasets/alice/pub/resolve/main/runs/r2/snapshot.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn a_private_dataset_is_not_there_for_a_reader_without_a_token() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit(
        "alice",
        "dataset",
        "pub",
        true,
        &[("runs/r1/snapshot.json", "{}")],
    )
    .await;
    for request in [
        t.http.get(t.url(DATASET)),
        t.http.get(t.url("/api/datasets/alice/pub")),
        t.get("bob", DATASET),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["x-error-code"], "RepoNotFound");
    }
    assert_eq!(t.get("alice", DATASET).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn an_orgs_private_bucket_opens_for_its_members_only() {
    let t = crate::kit::TestHub::start().await;
    let carol = t.get_json("carol", "/api/whoami-v2").await;
    assert_eq!(carol["orgs"][0]["name"], "alice-org");
    let r = t
        .post_json(
            "alice",
            "/api/buckets/alice-org/space-factory-runs",
            &json!({"private": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let dir = t.hub.bucket_dir("alice-org/space-factory-runs");
    std::fs::create_dir_all(dir.join("runs/r1")).unwrap();
    std::fs::write(dir.join("runs/r1/state.json"), "{}").unwrap();
    let path = "/buckets/alice-org/space-factory-runs/resolve/runs/r1/state.json";
    for member in ["alice", "carol"] {
        let r = t.get(member, path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{member}");
    }
    let r = t.get("bob", path).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(t.http.get(t.url(path)).send().await.unwrap().status(), 404);
}
