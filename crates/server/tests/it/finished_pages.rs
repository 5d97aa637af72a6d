//! Finished runs' pages kept (issue 16): a finished run's page is rendered once per viewer
//! and served again with a fresh CSP nonce; a viewer without access gets nothing kept, one
//! with access gets a page of their own; a running run's page is rendered every time.

use crate::kit::{Browser, TestApp};
use crate::runs::{cancel_and_wait, get_run, launch, launch_a_long_run, phase1, wait_running};
use app::api::RunView;
use reqwest::StatusCode;
use server::finished_pages::PageStats;
use std::time::{Duration, Instant};

/// A page as answered: its status, its policy's nonce and its body.
struct Page {
    status: StatusCode,
    nonce: String,
    body: String,
}

impl Page {
    /// The sign-in's minutes left, as the page's data carries them: part of the viewer a
    /// page is kept for, so a new minute (the sign-in one minute older) makes a new page.
    fn minutes_left(&self) -> std::ops::Range<usize> {
        let name = "sign_in_minutes_left";
        let at = self.body.find(name).expect("the viewer's data in the page") + name.len();
        let start = at + self.body[at..].find(|c: char| c.is_ascii_digit()).unwrap();
        let len = self.body[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap();
        start..start + len
    }

    /// Whether `other` was answered in the same minute of the sign-in as this one.
    fn same_minute(&self, other: &Page) -> bool {
        self.body[self.minutes_left()] == other.body[other.minutes_left()]
    }

    /// The body with its nonce and its minutes left made neutral, to compare two answers
    /// of one page to one viewer, however far apart.
    fn comparable(&self) -> String {
        let mut body = self.body.clone();
        body.replace_range(self.minutes_left(), "-");
        body.replace(&self.nonce, "-")
    }
}

async fn page(browser: &mut Browser, path: &str) -> Page {
    let response = browser.get(path).await;
    let status = response.status();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.unwrap();
    Page {
        status,
        nonce,
        body,
    }
}

fn stats(stand: &TestApp) -> PageStats {
    stand.factory.services.pages.stats()
}

/// Polls the run until it is over for good: its state final and its Job ended.
async fn wait_finished(browser: &mut Browser, owner: &str, run_id: &str) -> RunView {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let view = get_run(browser, owner, run_id).await.unwrap();
        let state_final = view.state.as_ref().is_some_and(|s| s.status.is_terminal());
        let job_ended = view.job.as_ref().is_some_and(|j| j.stage.is_terminal());
        if state_final && job_ended {
            return view;
        }
        assert!(Instant::now() < deadline, "the run never ended: {view:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn a_finished_runs_page_is_rendered_once_per_viewer_and_always_with_a_fresh_nonce() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    // In alice's org: carol, a member, may open it too; bob may not.
    let mut in_org = phase1();
    in_org.namespace = Some("alice-org".into());
    let run_id = launch(&mut alice, in_org).await.unwrap().run_id.to_string();
    wait_finished(&mut alice, "alice-org", &run_id).await;
    let path = format!("/runs/alice-org/{run_id}");
    let before = stats(&stand);

    // alice twice: rendered once, then the kept page with a nonce of its own.
    let first = page(&mut alice, &path).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let after_first = stats(&stand);
    assert_eq!(after_first.rendered, before.rendered + 1);
    assert_eq!(after_first.kept, before.kept + 1);
    let second = page(&mut alice, &path).await;
    assert_eq!(second.status, StatusCode::OK);
    let after_second = stats(&stand);
    if second.same_minute(&first) {
        assert_eq!(
            after_second.rendered, after_first.rendered,
            "not rendered again"
        );
        assert_eq!(after_second.served_kept, after_first.served_kept + 1);
    } else {
        // The sign-in turned a minute older in between: another page, rendered.
        assert_eq!(after_second.rendered, after_first.rendered + 1);
    }
    for answer in [&first, &second] {
        assert_eq!(
            answer.nonce.len(),
            22,
            "a nonce in the policy: {}",
            answer.nonce
        );
        assert!(
            answer.body.contains(&format!("nonce=\"{}\"", answer.nonce)),
            "the page's scripts carry the policy's nonce"
        );
    }
    assert_ne!(first.nonce, second.nonce, "each answer has a fresh nonce");
    assert!(!second.body.contains(&first.nonce), "no old nonce is left");
    assert_eq!(first.comparable(), second.comparable());
    assert!(first.body.contains("data-username=\"alice\""));

    // bob may not see it: refused as a missing run is, and nothing kept reaches him.
    let mut bob = stand.signed_in("bob").await;
    let refused = page(&mut bob, &path).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.body.contains("data-username=\"bob\""));
    assert!(!refused.body.contains("data-username=\"alice\""));
    assert!(!refused.body.contains("class=\"run-head\""), "no run shown");
    let after_bob = stats(&stand);
    assert_eq!(after_bob.served_kept, after_second.served_kept);
    assert_eq!(after_bob.kept, after_second.kept);
    assert_eq!(after_bob.rendered, after_second.rendered + 1);

    // carol may: her own page, with her in the header, then kept for her.
    let mut carol = stand.signed_in("carol").await;
    let hers = page(&mut carol, &path).await;
    assert_eq!(hers.status, StatusCode::OK);
    assert!(hers.body.contains("data-username=\"carol\""));
    assert!(!hers.body.contains("data-username=\"alice\""));
    assert!(hers.body.contains(&run_id[..]));
    let after_carol = stats(&stand);
    assert_eq!(
        after_carol.rendered,
        after_bob.rendered + 1,
        "rendered for her"
    );
    assert_eq!(after_carol.kept, after_bob.kept + 1);
    let again = page(&mut carol, &path).await;
    assert_eq!(again.comparable(), hers.comparable());
    if again.same_minute(&hers) {
        assert_eq!(stats(&stand).served_kept, after_carol.served_kept + 1);
    } else {
        assert_eq!(stats(&stand).rendered, after_carol.rendered + 1);
    }
    // alice's page is still hers alone (kept, or rendered again for a newer minute).
    let alices = page(&mut alice, &path).await;
    assert_eq!(alices.comparable(), first.comparable());
}

#[tokio::test]
async fn a_running_runs_page_is_never_kept() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &run_id).await;
    let path = format!("/runs/alice/{run_id}");
    let before = stats(&stand);
    for _ in 0..2 {
        let running = page(&mut alice, &path).await;
        assert_eq!(running.status, StatusCode::OK);
        assert!(
            running.body.contains("data-status=\"running\""),
            "{}",
            running.body
        );
    }
    let after = stats(&stand);
    assert_eq!(after.rendered, before.rendered + 2, "rendered each time");
    assert_eq!(after.served_kept, before.served_kept);
    assert_eq!(after.kept, before.kept, "nothing kept");

    // The page follows the run: once it is cancelled, it says so.
    cancel_and_wait(&mut alice, &run_id).await;
    let ended = page(&mut alice, &path).await;
    assert_eq!(ended.status, StatusCode::OK);
    assert!(
        ended.body.contains("data-status=\"cancelled\""),
        "{}",
        ended.body
    );
    assert_eq!(stats(&stand).served_kept, before.served_kept);
}
