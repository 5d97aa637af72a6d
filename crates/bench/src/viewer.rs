//! A signed-in user of the server, as a browser is one: it signs in through the embedded
//! hub's consent page, keeps the session cookie, calls server functions the way the pages
//! do, and follows a run's live stream.

use std::time::{Duration, Instant, SystemTime};

use app::api::{LaunchRequest, Launched, RunView};
use futures_util::StreamExt;
use reqwest::header::LOCATION;
use reqwest::Client;
use runs::{Event, Recipe};
use serde::Serialize;

/// A cookie-keeping client of one server.
#[derive(Clone)]
pub struct Viewer {
    /// The HTTP client (its cookie store holds the session).
    pub http: Client,
    /// The server's base URL.
    pub base: String,
}

/// One message of a run's live stream, as a viewer received it.
pub struct Received {
    /// The SSE event name (`job`, `event`, `state`, `log`, `end`).
    pub name: String,
    /// When it arrived.
    pub at: SystemTime,
    /// The worker's event, for `event` messages.
    pub event: Option<Event>,
}

impl Viewer {
    /// Signs `user` in through `/login` and the hub's consent page.
    pub async fn sign_in(base: &str, user: &str) -> Result<Viewer, String> {
        let http = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| e.to_string())?;
        let consent = redirect_of(http.get(format!("{base}/login")).send().await)?;
        let mut consent = url::Url::parse(&consent).map_err(|e| e.to_string())?;
        consent.query_pairs_mut().append_pair("user", user);
        // The consent page is the Hub's: against huggingface.co the connection a browser
        // keeps to it is no memory of the factory's, so the embedded hub (in the server's
        // process) is asked to close it rather than hold it idle for every viewer.
        let callback = redirect_of(
            http.get(consent)
                .header(reqwest::header::CONNECTION, "close")
                .send()
                .await,
        )?;
        redirect_of(http.get(callback).send().await)?;
        Ok(Viewer {
            http,
            base: base.to_owned(),
        })
    }

    /// Calls a server function with its arguments, as the pages do.
    async fn call<A: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        args: &A,
    ) -> Result<T, String> {
        let body = serde_json::to_string(args).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(format!("{}/api/fn/{endpoint}", self.base))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{endpoint}: {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{endpoint}: {e}: {text}"))
    }

    /// Launches a run of `recipe`.
    pub async fn launch(&self, recipe: Recipe) -> Result<Launched, String> {
        #[derive(Serialize)]
        struct LaunchRun {
            launch: LaunchRequest,
        }
        let launch = LaunchRequest {
            recipe: recipe.into(),
            job_flavor: None,
            job_timeout_minutes: Some(30),
            paid_hardware_confirmed: false,
            agent_api_key: None,
            namespace: None,
            budget_usd: None,
        };
        self.call("launch_run", &LaunchRun { launch }).await
    }

    /// Waits (polling the run page's data) until the run is over.
    pub async fn wait_over(&self, launched: &Launched, within: Duration) -> Result<(), String> {
        #[derive(Serialize)]
        struct GetRun<'a> {
            owner: &'a str,
            run_id: String,
        }
        let args = GetRun {
            owner: &launched.owner,
            run_id: launched.run_id.to_string(),
        };
        let deadline = Instant::now() + within;
        loop {
            let view: RunView = self.call("get_run", &args).await?;
            if let Some(state) = &view.state {
                if state.status.is_terminal() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("run {} not over in {within:?}", launched.run_id));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Follows a run's live stream until `end` (or `within` passes); `opened` is told when
    /// the stream's headers arrived, `first` when its first message did.
    pub async fn follow(
        &self,
        launched: &Launched,
        within: Duration,
        opened: impl FnOnce(SystemTime),
        first: impl FnOnce(),
    ) -> Result<Vec<Received>, String> {
        let url = format!(
            "{}/api/runs/{}/{}/stream",
            self.base, launched.owner, launched.run_id
        );
        let response = self
            .http
            .get(url)
            .header("accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("stream: {}", response.status()));
        }
        opened(SystemTime::now());
        let mut first = Some(first);
        let mut messages = Vec::new();
        let mut stream = eventsource_stream::EventStream::new(response.bytes_stream());
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let next = tokio::time::timeout_at(deadline, stream.next()).await;
            let Ok(Some(message)) = next else { break };
            let message = message.map_err(|e| e.to_string())?;
            let at = SystemTime::now();
            if let Some(first) = first.take() {
                first();
            }
            let event = (message.event == "event")
                .then(|| serde_json::from_str(&message.data).ok())
                .flatten();
            let end = message.event == "end";
            messages.push(Received {
                name: message.event,
                at,
                event,
            });
            if end {
                break;
            }
        }
        Ok(messages)
    }
}

/// The `Location` of a redirect answer.
fn redirect_of(response: reqwest::Result<reqwest::Response>) -> Result<String, String> {
    let response = response.map_err(|e| e.to_string())?;
    if !response.status().is_redirection() {
        return Err(format!(
            "expected a redirect from {}, got {}",
            response.url(),
            response.status()
        ));
    }
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| "a redirect without Location".into())
}

/// Phase 2.1: a template Space under a fresh name.
pub fn template_space(name: &str) -> Recipe {
    Recipe::TemplateSpace(runs::recipe::SpaceOptions {
        target_space: name.to_owned(),
        unique_suffix: true,
        space_hardware: None,
    })
}
