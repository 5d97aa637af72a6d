//! Buckets: create (409 with url), info, tree, ranged resolve, privacy.

#[tokio::test]
async fn bucket_create_tree_resolve_with_range() {
    let t = crate::kit::TestHub::start().await;
    let r = t
        .post_json(
            "alice",
            "/api/buckets/me/b1",
            &serde_json::json!({"private": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["url"], format!("{}/buckets/alice/b1", t.hub.url()));
    let r = t
        .post_json("alice", "/api/buckets/alice/b1", &serde_json::json!({}))
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.json::<serde_json::Value>().await.unwrap()["url"].is_string());
    let dir = t.hub.bucket_dir("alice/b1");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/a.txt"), "0123456789").unwrap();
    std::fs::write(dir.join("top.txt"), "top").unwrap();
    let info: serde_json::Value = t.get_json("alice", "/api/buckets/alice/b1").await;
    assert_eq!(info["private"], true);
    assert_eq!(info["totalFiles"], 2);
    assert_eq!(info["size"], 13);
    let tree: serde_json::Value = t
        .get_json("alice", "/api/buckets/alice/b1/tree?recursive=true")
        .await;
    let f = tree
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "docs/a.txt")
        .expect("file in tree");
    for k in ["xetHash", "mtime", "uploadedAt", "size"] {
        assert!(!f[k].is_null(), "{k}");
    }
    let flat: serde_json::Value = t.get_json("alice", "/api/buckets/alice/b1/tree").await;
    assert_eq!(flat.as_array().unwrap().len(), 2, "{flat}");
    let pre: serde_json::Value = t
        .get_json("alice", "/api/buckets/alice/b1/tree/docs?recursive=true")
        .await;
    assert_eq!(pre.as_array().unwrap().len(), 1, "{pre}");
    let r = t
        .get("alice", "/buckets/alice/b1/resolve/docs/a.txt")
        .header("range", "bytes=2-4")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 2-4/10");
    assert_eq!(r.text().await.unwrap(), "234");
    let r = t
        .get("alice", "/buckets/alice/b1/resolve/docs%2Fa.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "0123456789");
    let r = t
        .get("alice", "/buckets/alice/b1/resolve/nope.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-error-code"], "EntryNotFound");
    // bob sees nothing.
    for path in [
        "/api/buckets/alice/b1",
        "/api/buckets/alice/b1/tree",
        "/buckets/alice/b1/resolve/top.txt",
    ] {
        let r = t.get("bob", path).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.headers()["x-error-code"], "RepoNotFound");
    }
    let list: serde_json::Value = t.get_json("bob", "/api/buckets/alice").await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}
