//! The official Python client `huggingface_hub` 2.4.0 against localhub.
mod common;

const SCRIPT: &str = r#"
import os, tempfile, time
import huggingface_hub as hh
from huggingface_hub import HfApi, HfFileSystem
api = HfApi()
print("whoami", api.whoami()["name"])
print("created", api.create_repo("alice/sp", repo_type="space", space_sdk="gradio", private=True))
d = tempfile.mkdtemp(); open(os.path.join(d, "app.py"), "w").write("print('hi')\n")
api.upload_folder(folder_path=d, repo_id="alice/sp", repo_type="space")
print("info", api.space_info("alice/sp").id)
print("runtime", api.get_space_runtime("alice/sp").stage is not None)
api.create_bucket("alice/bk", private=True)
j = api.run_job(image="python:3.12", command=["sh", "-c", "echo hi > /out/f.txt; echo logged"], volumes=[hh.Volume(type="bucket", source="alice/bk", mount_path="/out")])
for _ in range(600):
    if api.inspect_job(job_id=j.id).status.stage == "COMPLETED": break
    time.sleep(0.2)
print("inspect", api.inspect_job(job_id=j.id).status.stage)
print("logs", list(api.fetch_job_logs(job_id=j.id)))
s = api.run_job(image="python:3.12", command=["sleep", "60"])
time.sleep(1)
api.cancel_job(job_id=s.id)
for _ in range(600):
    if api.inspect_job(job_id=s.id).status.stage == "CANCELED": break
    time.sleep(0.2)
print("cancel", api.inspect_job(job_id=s.id).status.stage)
print("tree", [f.path for f in api.list_bucket_tree("alice/bk")])
print("read", HfFileSystem().read_text("hf://buckets/alice/bk/f.txt").strip())
def refused(call):
    try:
        call()
        return "accepted"
    except hh.errors.HfHubHTTPError as e:
        return e.response.status_code
print("bad-hardware", refused(lambda: api.create_repo("alice/hw", repo_type="space", space_sdk="gradio", space_hardware="h100-huge")))
print("bad-flavor", refused(lambda: api.run_job(image="python:3.12", command=["true"], flavor="h100-huge")))
print("bad-space-image", refused(lambda: api.run_job(image="hf.co/spaces/alice/missing", command=["true"])))
api.delete_repo("alice/sp", repo_type="space")
print("deleted", not api.repo_exists("alice/sp", repo_type="space"))
"#;

#[tokio::test]
async fn official_python_client_round_trip() {
    let env = tokio::task::spawn_blocking(|| {
        localhub::python_env::ensure_venv("hf-client", &["huggingface_hub==2.4.0"])
    })
    .await
    .unwrap()
    .unwrap();
    let t = common::TestHub::start().await;
    let mut cmd = tokio::process::Command::new(env.python());
    cmd.arg("-c")
        .arg(SCRIPT)
        .env("HF_ENDPOINT", t.hub.url())
        .env("HF_TOKEN", t.tok("alice"))
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .kill_on_drop(true);
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "whoami alice",
        "created http",
        "info alice/sp",
        "runtime True",
        "inspect COMPLETED",
        "logs ['logged']",
        "cancel CANCELED",
        "tree ['f.txt']",
        "read hi",
        "bad-hardware 400",
        "bad-flavor 400",
        "bad-space-image 404",
        "deleted True",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
}
