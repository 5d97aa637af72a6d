//! Buckets: create (409 with url), info, tree, ranged resolve, privacy.
mod common;

#[tokio::test]
async fn bucket_create_tree_resolve_with_range() {
    let t = common::TestHub::start().await;
    let r = t
        .post("alice", "/api/buckets/me/b1")
        .json(&serde_json::json!({"private": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["url"], format!("{}/buckets/alice/b1", t.hub.url()));
    let r = t
        .post("alice", "/api/buckets/alice/b1")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.json::<serde_json::Value>().await.unwrap()["url"].is_string());
    let dir = t.hub.bucket_dir("alice/b1");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/a.txt"), "0123456789").unwrap();
    std::fs::write(dir.join("top.txt"), "top").unwrap();
    let info: serde_json::Value = t
        .get("alice", "/api/buckets/alice/b1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["private"], true);
    assert_eq!(info["totalFiles"], 2);
    assert_eq!(info["size"], 13);
    let tree: serde_json::Value = t
        .get("alice", "/api/buckets/alice/b1/tree?recursive=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let f = tree
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "docs/a.txt")
        .expect("file in tree");
    for k in ["xetHash", "mtime", "uploadedAt", "size"] {
        assert!(!f[k].is_null(), "{k}");
    }
    let flat: serde_json::Value = t
        .get("alice", "/api/buckets/alice/b1/tree")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flat.as_array().unwrap().len(), 2, "{flat}");
    let pre: serde_json::Value = t
        .get("alice", "/api/buckets/alice/b1/tree/docs?recursive=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let list: serde_json::Value = t
        .get("bob", "/api/buckets/alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
}

/// A Job's bucket mount is a plain folder here; the Hub's uploads a file only once it is
/// closed. So a reader must never get the moment between a rewrite's truncation and its
/// write, which a Job writing `state.json` after every step would otherwise show.
#[tokio::test]
async fn a_file_being_rewritten_is_served_whole() {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let t = common::TestHub::start().await;
    let r = t
        .post("alice", "/api/buckets/alice/b1")
        .json(&serde_json::json!({"private": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let file = t.hub.bucket_dir("alice/b1").join("state.json");
    std::fs::write(&file, "{\"n\":0}").unwrap();
    // The writer keeps rewriting until the reader has read enough times.
    const READS: usize = 40;
    let reads = Arc::new(AtomicUsize::new(0));
    let writer = {
        let reads = reads.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while reads.load(Ordering::SeqCst) < READS {
                n += 1;
                // Truncated and left empty for a moment, as a slow writer would.
                let mut f = std::fs::File::create(&file).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(10));
                f.write_all(format!("{{\"n\":{n}}}").as_bytes()).unwrap();
                drop(f);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    for read in 0..READS {
        let r = t
            .get("alice", "/buckets/alice/b1/resolve/state.json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("read {read} got {body:?}: {e}"));
        assert!(value["n"].is_u64());
        reads.fetch_add(1, Ordering::SeqCst);
    }
    writer.join().unwrap();
}
