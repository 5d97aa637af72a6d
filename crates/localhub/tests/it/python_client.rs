//! The official Python client `huggingface_hub` 2.4.0 against localhub.

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
def message(call):
    try:
        call()
        return "accepted"
    except hh.errors.HfHubHTTPError as e:
        return f"{e.response.status_code} {e.response.headers.get('x-error-message')}"
bob = HfApi(token=os.environ["BOB_TOKEN"])
print("free-cpu-space", message(lambda: bob.create_repo("bob/cpu", repo_type="space", space_sdk="gradio")))
print("free-static-space", refused(lambda: bob.create_repo("bob/site", repo_type="space", space_sdk="static")))
for n in ("z1", "z2"):
    bob.create_repo(f"bob/{n}", repo_type="space", space_sdk="gradio", space_hardware="zero-a10g")
print("third-zerogpu", message(lambda: bob.create_repo("bob/z3", repo_type="space", space_sdk="gradio", space_hardware="zero-a10g")))
carol = HfApi(token=os.environ["CAROL_TOKEN"])
print("cannot-pay-job", message(lambda: carol.run_job(image="python:3.12", command=["true"])))
oauth = HfApi(token=os.environ["OAUTH_TOKEN"])
print("oauth-whoami", oauth.whoami()["auth"]["type"])
print("oauth-hardware", message(lambda: oauth.request_space_hardware("alice/sp", "t4-small")))
print("oauth-restart", refused(lambda: oauth.restart_space("alice/sp")))
print("oauth-no-jobs-scope", refused(lambda: oauth.run_job(image="python:3.12", command=["true"])))
import urllib.request, urllib.error
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
try:
    r = urllib.request.build_opener(NoRedirect).open(os.environ["BAD_REDIRECT_URL"])
    status, headers, text = r.status, r.headers, r.read().decode()
except urllib.error.HTTPError as e:
    status, headers, text = e.code, e.headers, e.read().decode()
print("bad-redirect", status, "Location" in headers, "code=" in text)
api.delete_repo("alice/sp", repo_type="space")
print("deleted", not api.repo_exists("alice/sp", repo_type="space"))
"#;

#[tokio::test]
async fn the_official_python_client_round_trips_and_sees_the_hubs_refusals() {
    let python = crate::kit::prepared_python(localhub::python_env::HF_CLIENT_VENV);
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    // A signed-in user's OAuth token without the `jobs` scope, and a sign-in to an
    // unregistered redirect URI.
    let oauth = t
        .oauth_token(
            "alice",
            "openid profile read-repos write-repos manage-repos",
        )
        .await;
    let bad_redirect = t.authorize_url(
        "space-factory-local",
        "https://evil.example/login/callback",
        "openid profile",
        "alice",
    );
    let mut cmd = t.python(&python);
    cmd.arg("-c")
        .arg(SCRIPT)
        .env("BOB_TOKEN", t.tok("bob"))
        .env("CAROL_TOKEN", t.tok("carol"))
        .env("OAUTH_TOKEN", &oauth)
        .env("BAD_REDIRECT_URL", &bad_redirect);
    let stdout = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        crate::kit::stdout_of(&mut cmd),
    )
    .await
    .unwrap();
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
        "free-cpu-space 402 Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription.",
        "free-static-space accepted",
        "third-zerogpu 402 Free accounts can host up to 2 ZeroGPU Spaces.",
        "cannot-pay-job 402 Jobs are available to users and organizations with a positive credit balance.",
        "oauth-whoami oauth",
        "oauth-hardware 401 Invalid username or password.",
        "oauth-restart 401",
        "oauth-no-jobs-scope 403",
        "bad-redirect 400 False False",
        "deleted True",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
}
