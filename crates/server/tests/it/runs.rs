//! Runs through the server as the browser calls it: launch a phase 1 run that the embedded
//! hub really runs as a Job with the worker, watch it live over SSE, list it, open it, read
//! an artifact; another user sees "not found"; a run can be cancelled; and the token never
//! appears in any page or answer.

use crate::kit::{Browser, ServerProcess, TestApp};
use app::api::stream::LogMessage;
use app::api::{
    ApiError, Artifact, ArtifactKind, HardwareOption, LaunchRequest, Launched, RunSummary, RunView,
};
use app::api::{CancelRun, GetRun, Hardware, JobLog, LaunchRun, ListRuns, ReadArtifact};
use reqwest::StatusCode;
use runs::recipe::RecipeRequest;
use runs::{Phase, RunStatus};
use std::time::{Duration, Instant};

/// How long a phase 1 Job may take on a loaded machine.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) fn phase1() -> LaunchRequest {
    LaunchRequest {
        recipe: RecipeRequest {
            phase: Phase::BucketRoundTrip,
            params: serde_json::json!({}),
        },
        job_flavor: None,
        job_timeout_minutes: Some(10),
        paid_hardware_confirmed: false,
        agent_api_key: None,
        namespace: None,
        budget_usd: None,
    }
}

pub(crate) async fn launch(
    browser: &mut Browser,
    launch: LaunchRequest,
) -> Result<Launched, ApiError> {
    let (status, body) = browser.call("launch_run", &LaunchRun { launch }).await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap())
    } else {
        let error: ApiError =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}"));
        assert_eq!(status.as_u16(), error.http_status(), "{error:?}");
        Err(error)
    }
}

pub(crate) async fn get_run(
    browser: &mut Browser,
    owner: &str,
    run_id: &str,
) -> Result<RunView, ApiError> {
    let args = GetRun {
        owner: owner.into(),
        run_id: run_id.into(),
    };
    let (status, body) = browser.call("get_run", &args).await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap())
    } else {
        Err(serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}")))
    }
}

/// Polls the run page's data until the run is over.
pub(crate) async fn wait_over(browser: &mut Browser, owner: &str, run_id: &str) -> RunView {
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        let view = get_run(browser, owner, run_id).await.unwrap();
        if view.state.as_ref().is_some_and(|s| s.status.is_terminal()) {
            return view;
        }
        assert!(Instant::now() < deadline, "the run never ended: {view:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Reads a whole SSE answer (until the server closes it) as (event, id, data) triples.
pub(crate) async fn read_sse(
    browser: &mut Browser,
    path: &str,
    last_event_id: Option<u64>,
) -> Vec<(String, Option<String>, String)> {
    let mut request = browser
        .http
        .get(format!("{}{path}", browser.base))
        .header(
            "cookie",
            browser
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .header("accept", "text/event-stream")
        .header("accept-encoding", "gzip, br, zstd")
        .timeout(RUN_TIMEOUT);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(
        response.headers().get("content-encoding").is_none(),
        "a live stream is sent as it is, never compressed (an encoder's state per viewer)"
    );
    let text = response.text().await.unwrap();
    let mut events = Vec::new();
    for block in text.split("\n\n") {
        let (mut name, mut id, mut data) = ("message".to_string(), None, Vec::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
            }
        }
        if !data.is_empty() {
            events.push((name, id, data.join("\n")));
        }
    }
    events
}

#[tokio::test]
async fn a_phase_1_run_launches_runs_as_a_job_and_reads_back() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;

    // Server-side validation: a template Space without its name, a silly timeout and
    // flavor are refused, each naming its field.
    let mut bad = phase1();
    bad.recipe.phase = Phase::TemplateSpace;
    bad.job_timeout_minutes = Some(0);
    bad.job_flavor = Some("GPU please".into());
    let (status, _) = alice
        .call(
            "launch_run",
            &LaunchRun {
                launch: bad.clone(),
            },
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a form error is the caller's"
    );
    match launch(&mut alice, bad).await {
        Err(ApiError::Invalid(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            for field in ["target_space", "job_timeout_minutes", "job_flavor"] {
                assert!(fields.contains(&field), "{field} not refused: {errors:?}");
            }
        }
        other => panic!("expected Invalid, got {other:?}"),
    }

    let launched = launch(&mut alice, phase1()).await.unwrap();
    assert_eq!(launched.owner, "alice");
    let run_id = launched.run_id.to_string();
    assert_eq!(launched.page, format!("/runs/alice/{run_id}"));

    // The live stream from the start: job status, events with ids, state, then end.
    let stream_path = app::api::stream::run_stream_path("alice", &run_id);
    let live = read_sse(&mut alice, &stream_path, None).await;
    let names: Vec<&str> = live.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(names.contains(&"job"), "{names:?}");
    assert!(names.contains(&"state"), "{names:?}");
    assert_eq!(names.last(), Some(&"end"), "{names:?}");
    let seqs: Vec<u64> = live
        .iter()
        .filter(|(n, _, _)| n == "event")
        .map(|(_, id, data)| {
            let event: runs::Event = serde_json::from_str(data).unwrap();
            assert_eq!(id.as_deref(), Some(event.seq.to_string().as_str()));
            event.seq
        })
        .collect();
    assert!(!seqs.is_empty(), "no events: {live:?}");
    let mut unique = seqs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seqs.len(),
        "an event was sent twice: {seqs:?}"
    );

    // Plain Job log lines come numbered from 0 (a reconnected page keeps each once); the
    // worker's closing line is one of them, its events are not.
    let logs: Vec<LogMessage> = live
        .iter()
        .filter(|(n, _, _)| n == "log")
        .map(|(_, _, data)| serde_json::from_str(data).unwrap())
        .collect();
    let numbers: Vec<u64> = logs.iter().map(|l| l.n).collect();
    assert_eq!(numbers, (0..logs.len() as u64).collect::<Vec<_>>());
    let closing = format!("worker: run {run_id} (phase 1) succeeded");
    assert!(
        logs.iter().any(|l| l.line.starts_with(&closing)),
        "{logs:?}"
    );
    assert!(logs.iter().all(|l| !l.line.contains(runs::EVENT_MARKER)));

    let view = wait_over(&mut alice, "alice", &run_id).await;
    let state = view.state.as_ref().unwrap();
    assert_eq!(state.status, RunStatus::Succeeded, "{view:?}");
    assert_eq!(view.phase, Phase::BucketRoundTrip);
    assert!(!view.events.is_empty());
    let report = view.report_html.as_deref().expect("report.md rendered");
    assert!(report.contains("<h1") || report.contains("<h2"), "{report}");
    assert!(!report.contains("<script"));
    let files: Vec<&str> = view.artifacts.iter().map(|a| a.path.as_str()).collect();
    for file in ["state.json", "events.jsonl", "report.md"] {
        assert!(files.contains(&file), "{file} missing: {files:?}");
    }
    assert!(!view.can_cancel, "a finished run cannot be cancelled");
    let job = view.job.as_ref().expect("the Job is visible to its owner");
    assert_eq!(job.stage, "COMPLETED");

    // Resuming after the last event sends only later ones (none) and the end.
    let last = *unique.last().unwrap();
    let resumed = read_sse(&mut alice, &stream_path, Some(last)).await;
    assert!(resumed.iter().all(|(n, _, _)| n != "event"), "{resumed:?}");
    assert_eq!(resumed.last().map(|(n, _, _)| n.as_str()), Some("end"));

    // Opened after the run, the page loads the same plain lines on request.
    let job_log = JobLog {
        owner: "alice".into(),
        run_id: run_id.clone(),
    };
    let (status, body) = alice.call("job_log", &job_log).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lines: Vec<String> = serde_json::from_str(&body).unwrap();
    let live_lines: Vec<String> = logs.into_iter().map(|l| l.line).collect();
    assert_eq!(lines, live_lines);

    // The runs list shows it.
    let (status, body) = alice.call("list_runs", &ListRuns {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: Vec<RunSummary> = serde_json::from_str(&body).unwrap();
    let line = list
        .iter()
        .find(|r| r.run_id == launched.run_id)
        .expect("listed");
    assert_eq!(line.status, RunStatus::Succeeded);
    assert_eq!(line.phase, Phase::BucketRoundTrip);

    // Artifacts: JSON pretty-printed, markdown sanitized; paths cannot escape the run.
    let read = |path: &str| ReadArtifact {
        owner: "alice".into(),
        run_id: run_id.clone(),
        path: path.into(),
    };
    let (status, body) = alice.call("read_artifact", &read("state.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let artifact: Artifact = serde_json::from_str(&body).unwrap();
    assert_eq!(artifact.kind, ArtifactKind::Json);
    assert!(
        artifact.text.contains("\n  \"status\": \"succeeded\""),
        "{}",
        artifact.text
    );
    let (status, body) = alice.call("read_artifact", &read("report.md")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let artifact: Artifact = serde_json::from_str(&body).unwrap();
    assert_eq!(artifact.kind, ArtifactKind::Markdown);
    let (status, _) = alice
        .call("read_artifact", &read("../../x/state.json"))
        .await;
    assert!(!status.is_success());

    // Bob, signed in, sees nothing of it: not the run, not its stream, not its files.
    let mut bob = stand.signed_in("bob").await;
    assert_eq!(
        get_run(&mut bob, "alice", &run_id).await,
        Err(ApiError::NotFound)
    );
    let (status, body) = bob.call("read_artifact", &read("state.json")).await;
    assert!(!status.is_success());
    assert_eq!(
        serde_json::from_str::<ApiError>(&body).unwrap(),
        ApiError::NotFound
    );
    assert_eq!(bob.get(&stream_path).await.status(), StatusCode::NOT_FOUND);
    let (status, body) = bob.call("job_log", &job_log).await;
    assert!(!status.is_success());
    assert_eq!(
        serde_json::from_str::<ApiError>(&body).unwrap(),
        ApiError::NotFound
    );
    let cancel = CancelRun {
        owner: "alice".into(),
        run_id: run_id.clone(),
    };
    let (status, body) = bob.call("cancel_run", &cancel).await;
    assert!(!status.is_success());
    assert_eq!(
        serde_json::from_str::<ApiError>(&body).unwrap(),
        ApiError::NotFound
    );
    // Signed out, the page data asks to sign in.
    let mut anonymous = stand.browser();
    assert_eq!(
        get_run(&mut anonymous, "alice", &run_id).await,
        Err(ApiError::NotSignedIn)
    );

    // Hardware with prices.
    let (status, body) = alice.call("hardware", &Hardware {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hardware: Vec<HardwareOption> = serde_json::from_str(&body).unwrap();
    let cpu = hardware.iter().find(|h| h.name == "cpu-basic").unwrap();
    assert!(!cpu.gpu);
    let t4 = hardware.iter().find(|h| h.name == "t4-small").unwrap();
    assert!(t4.gpu && t4.usd_per_hour.unwrap() > 0.0, "{t4:?}");

    // Space names: a free one, a malformed one.
    let check = |name: &str| app::api::CheckSpaceName { name: name.into() };
    let (status, body) = alice.call("check_space_name", &check("fresh-space")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let free: app::api::SpaceNameCheck = serde_json::from_str(&body).unwrap();
    assert!(free.available, "{free:?}");
    assert_eq!(free.repo_id, "alice/fresh-space");
    let (status, body) = alice
        .call("check_space_name", &check("no spaces allowed"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bad: app::api::SpaceNameCheck = serde_json::from_str(&body).unwrap();
    assert!(!bad.available && !bad.message.is_empty(), "{bad:?}");
    let taken: hub::RepoId = "alice/taken-space".parse().unwrap();
    let dev_token = hub::Token::new(stand.hub().token_for("alice").unwrap());
    stand
        .factory
        .services
        .api
        .hub
        .create_repo(&hub::repos::CreateRepo::gradio_space(taken), &dev_token)
        .await
        .unwrap();
    let (_, body) = alice.call("check_space_name", &check("taken-space")).await;
    let taken: app::api::SpaceNameCheck = serde_json::from_str(&body).unwrap();
    assert!(!taken.available, "{taken:?}");

    // The token is nowhere the browser can look.
    let tokens = stand.hub().oauth_tokens_for("alice");
    assert_eq!(tokens.len(), 1, "one sign-in, one token");
    let token = &tokens[0];
    let mut seen = vec![body];
    for path in ["/", &launched.page, "/runs", "/pkg/space-factory.js"] {
        seen.push(alice.get(path).await.text().await.unwrap());
    }
    seen.push(
        serde_json::to_string(&get_run(&mut alice, "alice", &run_id).await.unwrap()).unwrap(),
    );
    seen.push(alice.call("list_runs", &ListRuns {}).await.1);
    seen.push(alice.call("who_am_i", &app::api::WhoAmI {}).await.1);
    seen.push(alice.call("read_artifact", &read("events.jsonl")).await.1);
    seen.extend(live.iter().map(|(_, _, d)| d.clone()));
    seen.extend(alice.set_cookies.iter().cloned());
    for text in &seen {
        assert!(
            !text.contains(token.as_str()),
            "the token reached the browser: {text}"
        );
        assert!(
            !text.contains("hf_oauth_"),
            "an OAuth token reached the browser: {text}"
        );
    }
}

/// Launches a validate run of an address nothing listens on: it keeps retrying long
/// enough to be cancelled.
pub(crate) async fn launch_a_long_run(alice: &mut Browser) -> String {
    let launched = launch(
        alice,
        LaunchRequest {
            recipe: RecipeRequest {
                phase: Phase::ValidateExisting,
                params: serde_json::json!({"validate_url": "http://127.0.0.1:9/"}),
            },
            job_flavor: None,
            job_timeout_minutes: Some(10),
            paid_hardware_confirmed: false,
            agent_api_key: None,
            namespace: None,
            budget_usd: None,
        },
    )
    .await
    .unwrap();
    launched.run_id.to_string()
}

/// Waits until the worker says the run is running; returns the run as it stands then.
pub(crate) async fn wait_running(browser: &mut Browser, run_id: &str) -> RunView {
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        let view = get_run(browser, "alice", run_id).await.unwrap();
        if view.state.as_ref().map(|s| s.status) == Some(RunStatus::Running) {
            return view;
        }
        assert!(Instant::now() < deadline, "never started: {view:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks to cancel, then waits for the Job to end; returns the run as it stands then.
pub(crate) async fn cancel_and_wait(alice: &mut Browser, run_id: &str) -> RunView {
    let cancel = CancelRun {
        owner: "alice".into(),
        run_id: run_id.to_owned(),
    };
    let (status, body) = alice.call("cancel_run", &cancel).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        let view = get_run(alice, "alice", run_id).await.unwrap();
        if view.job.as_ref().is_some_and(|j| j.stage == "CANCELED") {
            return view;
        }
        assert!(Instant::now() < deadline, "never cancelled: {view:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_running_run_can_be_cancelled_by_its_owner() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    let view = wait_running(&mut alice, &run_id).await;
    assert!(view.can_cancel, "{view:?}");
    let view = cancel_and_wait(&mut alice, &run_id).await;
    // The Job ends only after the worker recorded why.
    let state = view.state.as_ref().expect("state.json");
    assert_eq!(state.status, RunStatus::Cancelled, "{view:?}");
    assert!(state.finished_at.is_some());
    assert!(!view.can_cancel);
    assert!(
        view.artifacts.iter().any(|a| a.path == "report.md"),
        "{view:?}"
    );
}

#[tokio::test]
async fn a_dedicated_gpu_needs_its_cost_confirmed_and_the_factorys_allowance() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let field_of = |result: Result<Launched, ApiError>| match result {
        Err(ApiError::Invalid(errors)) => errors[0].field.clone(),
        other => panic!("launched: {other:?}"),
    };
    let mut gpu = phase1();
    gpu.job_flavor = Some("t4-small".into());
    assert_eq!(
        field_of(launch(&mut alice, gpu.clone()).await),
        app::components::wizard_fields::PAID_HARDWARE_FIELD,
        "an unconfirmed GPU"
    );
    let mut big = gpu.clone();
    big.job_flavor = Some("a100x8".into());
    big.paid_hardware_confirmed = true;
    assert_eq!(
        field_of(launch(&mut alice, big).await),
        "job_flavor",
        "a GPU the factory does not offer"
    );
    assert_eq!(run_ids(&mut alice).await, Vec::<String>::new());
    gpu.paid_hardware_confirmed = true;
    launch(&mut alice, gpu).await.unwrap();
}

#[tokio::test]
async fn an_account_that_cannot_pay_is_told_so_and_no_job_is_created() {
    let stand = TestApp::start().await;
    let mut carol = stand.signed_in("carol").await;
    let (_, body) = carol.call("who_am_i", &app::api::WhoAmI {}).await;
    let me: Option<app::api::Me> = serde_json::from_str(&body).unwrap();
    let plan = me.unwrap().plan;
    assert_eq!(plan.can_pay, Some(false), "read-billing tells it");
    assert!(plan.launch_blocker().is_some());
    match launch(&mut carol, phase1()).await {
        Err(ApiError::CannotPay(why)) => {
            assert!(why.contains(app::api::BILLING_URL), "{why}");
            assert_eq!(
                Some(why),
                plan.launch_blocker(),
                "the wizard's words, not the Hub's 402"
            );
        }
        other => panic!("carol launched: {other:?}"),
    }
    assert_eq!(run_ids(&mut carol).await, Vec::<String>::new());
    // bob is free but can pay: his Spaces default to ZeroGPU, and he may launch.
    let mut bob = stand.signed_in("bob").await;
    let (_, body) = bob.call("who_am_i", &app::api::WhoAmI {}).await;
    let me: Option<app::api::Me> = serde_json::from_str(&body).unwrap();
    let plan = me.unwrap().plan;
    assert_eq!((plan.is_pro, plan.can_pay), (Some(false), Some(true)));
    assert_eq!(plan.default_space_hardware(), Some("zero-a10g"));
    launch(&mut bob, phase1()).await.unwrap();
}

#[tokio::test]
async fn a_run_may_not_outlive_the_sign_in_it_works_with() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let (_, body) = alice.call("who_am_i", &app::api::WhoAmI {}).await;
    let me: Option<app::api::Me> = serde_json::from_str(&body).unwrap();
    let left = me
        .unwrap()
        .sign_in_minutes_left
        .expect("the hub says how long a token lasts");
    assert!(left > 60 && left < 24 * 60, "{left}");
    let mut long = phase1();
    long.job_timeout_minutes = Some(24 * 60);
    match launch(&mut alice, long).await {
        Err(ApiError::Invalid(errors)) => {
            assert_eq!(errors[0].field, "job_timeout_minutes", "{errors:?}");
            assert!(errors[0].message.contains("sign-in lasts"), "{errors:?}");
        }
        other => panic!("a run longer than the sign-in was launched: {other:?}"),
    }
    assert_eq!(run_ids(&mut alice).await, Vec::<String>::new());
    // One within it is launched, and its Job knows when the token ends.
    let launched = launch(&mut alice, phase1()).await.unwrap();
    let view = wait_over(&mut alice, "alice", &launched.run_id.to_string()).await;
    assert_eq!(view.state.map(|s| s.status), Some(RunStatus::Succeeded));
}

#[tokio::test]
async fn a_launch_past_the_runs_under_way_limit_is_refused_until_one_ends() {
    let stand = TestApp::start_with(|config| config.max_runs_under_way = 1).await;
    let mut alice = stand.signed_in("alice").await;
    let first = launch_a_long_run(&mut alice).await;
    let (status, body) = alice
        .call("launch_run", &LaunchRun { launch: phase1() })
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let error: ApiError = serde_json::from_str(&body).unwrap();
    assert!(
        matches!(&error, ApiError::TooMany(why) if why.contains("cancel one")),
        "{error:?}"
    );
    assert_eq!(
        run_ids(&mut alice).await,
        vec![first.clone()],
        "nothing else was launched"
    );
    // Once the run under way ends, launching works again.
    cancel_and_wait(&mut alice, &first).await;
    launch(&mut alice, phase1()).await.unwrap();
}

#[tokio::test]
async fn the_ninth_live_stream_of_a_session_is_refused_until_one_closes() {
    use server::routes::stream_slots::MAX_PER_SESSION;
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &run_id).await;
    let path = app::api::stream::run_stream_path("alice", &run_id);
    let mut open = Vec::new();
    for _ in 0..MAX_PER_SESSION {
        let stream = alice.get(&path).await;
        assert_eq!(stream.status(), StatusCode::OK);
        open.push(stream);
    }
    let refused = alice.get(&path).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = refused.text().await.unwrap();
    assert!(text.contains("Close some of those pages"), "{text}");
    // Another session is not held back by alice's.
    let mut other_tab_session = stand.signed_in("alice").await;
    assert_eq!(other_tab_session.get(&path).await.status(), StatusCode::OK);
    // A closed stream gives its slot back.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let again = alice.get(&path).await;
        if again.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed stream's slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cancel_and_wait(&mut alice, &run_id).await;
}

#[tokio::test]
async fn a_run_cancelled_as_it_starts_is_recorded_as_cancelled_or_not_at_all() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    // No waiting: the cancel lands while the Job schedules or the worker starts up.
    let view = cancel_and_wait(&mut alice, &run_id).await;
    let recorded = view.state.as_ref().map(|s| s.status);
    assert!(
        matches!(recorded, None | Some(RunStatus::Cancelled)),
        "a run stopped at its start left {recorded:?}"
    );
    assert!(!view.can_cancel);
    let (_, body) = alice.call("list_runs", &ListRuns {}).await;
    let runs: Vec<RunSummary> = serde_json::from_str(&body).unwrap();
    let listed = runs.iter().find(|r| r.run_id.to_string() == run_id);
    assert_eq!(
        listed.map(|r| r.status),
        Some(RunStatus::Cancelled),
        "{body}"
    );
}

/// What another site's page can make a signed-in browser send: `fetch` with an `Origin`,
/// a request known only by its fetch metadata, and `Origin: null` from a sandboxed frame.
const CROSS_SITE: [&[(&str, &str)]; 3] = [
    &[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ],
    &[("sec-fetch-site", "cross-site")],
    &[("origin", "null")],
];

async fn run_ids(browser: &mut Browser) -> Vec<String> {
    let (status, body) = browser.call("list_runs", &ListRuns {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let runs: Vec<RunSummary> = serde_json::from_str(&body).unwrap();
    runs.into_iter().map(|r| r.run_id.to_string()).collect()
}

#[tokio::test]
async fn another_site_cannot_launch_a_run_as_the_user() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    for headers in CROSS_SITE {
        let (status, body) = alice
            .call_with("launch_run", &LaunchRun { launch: phase1() }, headers)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {body}");
        assert!(body.contains("Nothing was done"), "{body}");
    }
    // The plain HTML form of the review: no JavaScript, no JSON, just a cross-site POST.
    let (status, body) = alice
        .post_form(
            "/api/fn/launch_run",
            "launch[phase]=1&launch[params][unique_suffix]=false",
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(run_ids(&mut alice).await, Vec::<String>::new());
    // Defence in depth: a server function takes JSON only, so even a form that got past
    // the guard (here: claiming the factory's own origin) is not decoded into a launch.
    let (status, body) = alice
        .post_form(
            "/api/fn/launch_run",
            "launch[phase]=1&launch[params][unique_suffix]=false",
            &[("origin", &stand.url()), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(run_ids(&mut alice).await, Vec::<String>::new());

    // The factory's own page, which the browser marks as same-origin, still launches.
    let own = stand.url();
    let (status, body) = alice
        .call_with(
            "launch_run",
            &LaunchRun { launch: phase1() },
            &[("origin", &own), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let launched: Launched = serde_json::from_str(&body).unwrap();
    assert_eq!(run_ids(&mut alice).await, vec![launched.run_id.to_string()]);
}

#[tokio::test]
async fn another_site_cannot_cancel_a_run_of_the_user() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    let cancel = CancelRun {
        owner: "alice".into(),
        run_id: run_id.clone(),
    };
    for headers in CROSS_SITE {
        let (status, body) = alice.call_with("cancel_run", &cancel, headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {body}");
    }
    let (status, body) = alice
        .post_form(
            "/api/fn/cancel_run",
            &format!("owner=alice&run_id={run_id}"),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Nothing asked the Job to stop: the worker starts and runs, still cancellable by its
    // owner (a cancelled Job would never get its worker to say "running").
    let view = wait_running(&mut alice, &run_id).await;
    let stage = view.job.as_ref().map(|j| j.stage.to_string());
    assert_ne!(stage.as_deref(), Some("CANCELED"), "{view:?}");
    assert!(view.can_cancel, "{view:?}");
    let view = cancel_and_wait(&mut alice, &run_id).await;
    assert!(!view.can_cancel);
}

/// A run folder in `owner`'s bucket with nothing in it yet, straight in the embedded hub's
/// folder for the bucket (a stranger's bucket can hold anything); its id and folder.
async fn planted_run(stand: &TestApp, owner: &str) -> (String, std::path::PathBuf) {
    let bucket: runs::RepoId = format!("{owner}/{}", server::DEFAULT_BUCKET_NAME)
        .parse()
        .unwrap();
    let token = hub::Token::new(stand.hub().token_for(owner).unwrap());
    let client = hub::HubClient::new(hub::HubConfig::new(&stand.hub().url()).unwrap()).unwrap();
    match client.create_bucket(&bucket, &token).await {
        Ok(_) | Err(hub::HubError::Conflict { .. }) => {}
        Err(err) => panic!("{err}"),
    }
    let run_id = runs::RunId::generate().to_string();
    let dir = stand
        .hub()
        .bucket_dir(&bucket.to_string())
        .join("runs")
        .join(&run_id);
    std::fs::create_dir_all(&dir).unwrap();
    (run_id, dir)
}

fn hostile_state(run_id: &str, padding: usize) -> Vec<u8> {
    serde_json::json!({
        "run_id": run_id,
        "phase": "1",
        "status": "succeeded",
        "started_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:01Z",
        "verdict": "x".repeat(padding),
        "links": {
            "job": "javascript:fetch('/logout',{method:'POST'})",
            "target_space": "alice/demo",
            "space_url": "https://huggingface.co.evil.example/login"
        }
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_run_record_reaches_the_page_without_foreign_links_or_images() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let (run_id, dir) = planted_run(&stand, "alice").await;
    std::fs::write(dir.join("state.json"), hostile_state(&run_id, 0)).unwrap();
    let report = "# Report\n\n![](https://tracker.example/p.png)\n\n![x](/logout)\n";
    std::fs::write(dir.join("report.md"), report).unwrap();

    let view = get_run(&mut alice, "alice", &run_id).await.unwrap();
    let state = view.state.expect("state.json");
    assert_eq!(state.links.job, None);
    assert_eq!(state.links.space_url, None);
    assert_eq!(state.links.target_space.as_deref(), Some("alice/demo"));
    let html = view.report_html.expect("report.md");
    assert!(html.contains("<h1>Report</h1>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
}

#[tokio::test]
async fn a_strangers_public_bucket_is_shown_as_such_and_read_bounded() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    // bob's bucket is public: anyone may have written it.
    let created = reqwest::Client::new()
        .post(format!(
            "{}/api/buckets/bob/{}",
            stand.hub().url(),
            server::DEFAULT_BUCKET_NAME
        ))
        .bearer_auth(stand.hub().token_for("bob").unwrap())
        .json(&serde_json::json!({"private": false}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let (run_id, dir) = planted_run(&stand, "bob").await;
    std::fs::write(dir.join("state.json"), hostile_state(&run_id, 0)).unwrap();
    std::fs::write(
        dir.join("report.md"),
        "# Hi\n\n![](https://tracker.example/p.png)\n",
    )
    .unwrap();
    // An events.jsonl of some 3 MiB: only its newest 2 MiB are read.
    let event = |seq: u64| {
        serde_json::json!({"time": "2026-01-01T00:00:00Z", "seq": seq, "stage": "run", "level": "info", "message": "x".repeat(200)})
            .to_string()
    };
    let count = 3 * 1024 * 1024 / event(0).len() as u64;
    let lines: Vec<String> = (0..count).map(event).collect();
    std::fs::write(dir.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    // More files than a page lists.
    let many = dir.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for n in 0..1_200 {
        std::fs::write(many.join(format!("f{n}.txt")), "x").unwrap();
    }

    let view = get_run(&mut alice, "bob", &run_id).await.unwrap();
    assert!(
        view.public_record,
        "a public bucket's run carries the notice"
    );
    let state = view.state.expect("state.json");
    assert_eq!(state.links.job, None);
    assert_eq!(state.links.space_url, None);
    assert!(!view.report_html.unwrap().contains("<img"));
    let seqs: Vec<u64> = view.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.last(), Some(&(count - 1)), "the newest event is read");
    assert!(
        !seqs.contains(&0) && (seqs.len() as u64) < count * 3 / 4,
        "only the newest part is read: {} of {count} events",
        seqs.len()
    );
    // The listing stops at its bound (its folder entries count too).
    let bound = app::api::runs::record::MAX_TREE_ENTRIES;
    let listed = view.artifacts.len();
    assert!(
        listed <= bound && listed + 5 >= bound,
        "{listed} files listed"
    );
    assert!(view.artifacts_truncated);

    // alice's own private bucket carries no notice.
    let (own, own_dir) = planted_run(&stand, "alice").await;
    std::fs::write(own_dir.join("state.json"), hostile_state(&own, 0)).unwrap();
    let view = get_run(&mut alice, "alice", &own).await.unwrap();
    assert!(!view.public_record && !view.artifacts_truncated);
}

#[tokio::test]
async fn a_run_record_over_its_size_cap_is_not_read() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let (run_id, dir) = planted_run(&stand, "alice").await;
    std::fs::write(dir.join("state.json"), hostile_state(&run_id, 0)).unwrap();

    // A report over 1 MiB is not rendered; a state.json over 256 KiB is not read.
    let big_report = vec![b'a'; 1024 * 1024 + 1];
    std::fs::write(dir.join("report.md"), &big_report).unwrap();
    let view = get_run(&mut alice, "alice", &run_id).await.unwrap();
    let html = view.report_html.expect("a note in place of the report");
    assert!(
        html.contains("larger than 1 MiB"),
        "{}",
        &html[..html.len().min(200)]
    );
    assert!(html.len() < 200);
    std::fs::write(dir.join("report.md"), vec![b'a'; 1024 * 1024]).unwrap();
    let view = get_run(&mut alice, "alice", &run_id).await.unwrap();
    assert!(
        view.report_html.unwrap().len() >= 1024 * 1024,
        "a report of exactly 1 MiB is shown"
    );

    std::fs::write(dir.join("state.json"), hostile_state(&run_id, 256 * 1024)).unwrap();
    match get_run(&mut alice, "alice", &run_id).await {
        Err(ApiError::Internal(message)) => {
            assert!(message.contains("larger than 256 KiB"), "{message}")
        }
        other => panic!("a 256 KiB+ state.json was read: {other:?}"),
    }
    // An empty report is an empty report, not an error.
    std::fs::write(dir.join("state.json"), hostile_state(&run_id, 0)).unwrap();
    std::fs::write(dir.join("report.md"), b"").unwrap();
    let view = get_run(&mut alice, "alice", &run_id).await.unwrap();
    assert_eq!(view.report_html.as_deref(), Some(""));
}

/// The processes whose working folder is below `dir`: the embedded hub runs every Space app
/// and Job command in a folder of its data directory.
fn processes_working_in(dir: &std::path::Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        if cwd.starts_with(&dir) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

/// Stopping the server (SIGTERM, as a Space, `kill` or the browser tests' harness do) stops
/// every process its embedded hub started: the Space apps and the Jobs' commands.
#[tokio::test]
async fn a_stopped_server_leaves_no_process_of_its_own_behind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let ServerProcess {
        child: mut server,
        url,
    } = ServerProcess::start(&data);
    let mut alice = Browser::new(&url);
    alice.sign_in("alice", None).await;
    // A Space that keeps running after its run, and a Job still running.
    let space = launch(
        &mut alice,
        LaunchRequest {
            recipe: RecipeRequest {
                phase: Phase::TemplateSpace,
                params: serde_json::json!({"target_space": "outlives-nothing", "unique_suffix": true}),
            },
            job_flavor: None,
            job_timeout_minutes: Some(10),
            paid_hardware_confirmed: false,
            agent_api_key: None,
            namespace: None,
            budget_usd: None,
        },
    )
    .await
    .unwrap();
    let view = wait_over(&mut alice, "alice", &space.run_id.to_string()).await;
    assert_eq!(
        view.state.as_ref().map(|s| s.status),
        Some(RunStatus::Succeeded),
        "{view:?}"
    );
    let long = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &long).await;
    let before = processes_working_in(&data);
    assert!(
        before.iter().any(|p| p.contains("app.py")) && before.iter().any(|p| p.contains("worker")),
        "a Space app and a worker should be running: {before:?}"
    );

    let pid = server.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let exited = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        exited.success(),
        "the server exits cleanly on SIGTERM: {exited:?}"
    );
    // A killed process is gone once the kernel has torn it down: wait for that, boundedly.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = processes_working_in(&data);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A recipe 3 run whose agent talks to `base_url`, with `key` as that endpoint's key.
fn custom_endpoint_run(base_url: &str, key: Option<&str>) -> LaunchRequest {
    LaunchRequest {
        recipe: RecipeRequest {
            phase: Phase::PiSmokeTest,
            params: serde_json::json!({
                "target_space": "custom-endpoint",
                "agent_model": "someone/model",
                "agent_base_url": base_url,
            }),
        },
        job_flavor: None,
        job_timeout_minutes: Some(10),
        paid_hardware_confirmed: false,
        agent_api_key: key.and_then(runs::job::EndpointKey::new),
        namespace: None,
        budget_usd: None,
    }
}

#[tokio::test]
async fn a_custom_endpoint_needs_its_own_key_which_goes_to_the_job_as_a_secret_only() {
    use app::components::wizard_fields::AGENT_API_KEY_FIELD;
    use runs::job::{ENDPOINT_KEY_NEEDED, ENDPOINT_KEY_SECRET, TOKEN_SECRET};
    const KEY: &str = "sk-endpoint-only-4f1c9e27";
    // Nothing listens there: the run fails at the agent's first call, after the worker
    // recorded its spec and state.
    const BASE_URL: &str = "http://127.0.0.1:9/v1";
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;

    // Without a key: refused on the key's field, and no Job is created.
    match launch(&mut alice, custom_endpoint_run(BASE_URL, None)).await {
        Err(ApiError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, AGENT_API_KEY_FIELD);
            assert_eq!(errors[0].message, ENDPOINT_KEY_NEEDED);
        }
        other => panic!("launched without a key: {other:?}"),
    }
    assert_eq!(stand.hub().hits("POST", "/api/jobs/alice"), 0);
    assert_eq!(run_ids(&mut alice).await, Vec::<String>::new());

    // With one: the Job carries it as a secret of its own, beside the token.
    let launched = launch(&mut alice, custom_endpoint_run(BASE_URL, Some(KEY)))
        .await
        .unwrap();
    let run_id = launched.run_id.to_string();
    let token = hub::Token::new(stand.hub().token_for("alice").unwrap());
    let client = hub::HubClient::new(hub::HubConfig::new(&stand.hub().url()).unwrap()).unwrap();
    let jobs = client
        .list_jobs(
            "alice",
            &[(runs::job::LABEL_RUN_ID, run_id.as_str())],
            &token,
        )
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let secrets = jobs[0].secrets.clone().unwrap_or_default();
    let mut names: Vec<&str> = secrets
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, [TOKEN_SECRET, ENDPOINT_KEY_SECRET]);
    let job_json = serde_json::to_string(&jobs[0]).unwrap();
    assert!(
        !job_json.contains(KEY),
        "the key is in the Job's record: {job_json}"
    );

    // The run ends (nothing answers at the endpoint) and its record never holds the key.
    let view = wait_over(&mut alice, "alice", &run_id).await;
    let view_json = serde_json::to_string(&view).unwrap();
    assert!(view_json.contains(BASE_URL), "{view_json}");
    assert!(!view_json.contains(KEY), "the run's data holds the key");
    let page = alice.get(&launched.page).await.text().await.unwrap();
    assert!(page.contains("custom-endpoint"), "{page}");
    assert!(!page.contains(KEY), "the run page holds the key");
    let bucket = format!("alice/{}", server::DEFAULT_BUCKET_NAME);
    let run_dir = stand.hub().bucket_dir(&bucket).join("runs").join(&run_id);
    let state = std::fs::read_to_string(run_dir.join("state.json")).unwrap();
    assert!(state.contains("agent_setup"), "{state}");
    assert!(!state.contains(KEY), "state.json holds the key: {state}");
    // Nor does any other file of the run.
    let mut folders = vec![run_dir];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(KEY), "{} holds the key", path.display());
                files += 1;
            }
        }
    }
    assert!(files > 2, "{files} files");
}
