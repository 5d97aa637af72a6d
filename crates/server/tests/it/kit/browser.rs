//! A cookie-keeping HTTP client for the server under test, signing in through the local
//! hub's consent page like a browser.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use std::collections::BTreeMap;
use std::time::Duration;

/// A cookie-keeping client for the server (cookies are kept for the server's origin only,
/// as a browser would; the hub's pages are fetched without them).
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Every `Set-Cookie` header the server sent, verbatim.
    pub set_cookies: Vec<String>,
}

impl Browser {
    /// A browser with no cookies, for the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            set_cookies: Vec::new(),
        }
    }

    fn keep_cookies(&mut self, response: &Response) {
        for header in response.headers().get_all(SET_COOKIE) {
            let text = header.to_str().unwrap().to_owned();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookies.push(text);
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `GET` a server path (or full server URL) with the cookies.
    pub async fn get(&mut self, path: &str) -> Response {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let response = self
            .http
            .get(url)
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// `GET` a page of the hub (no server cookies).
    pub async fn get_hub(&self, url: &str) -> Response {
        self.http.get(url).send().await.unwrap()
    }

    /// Calls a server function with its arguments struct, as the browser does (JSON body,
    /// JSON answer); returns the status and the body text.
    pub async fn call<T: serde::Serialize>(
        &mut self,
        endpoint: &str,
        args: &T,
    ) -> (StatusCode, String) {
        self.call_with(endpoint, args, &[]).await
    }

    /// Calls a server function as [`Browser::call`] does, with extra request headers (an
    /// `Origin`, fetch metadata) as another site's page would make the browser send.
    pub async fn call_with<T: serde::Serialize>(
        &mut self,
        endpoint: &str,
        args: &T,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let path = format!("/api/fn/{endpoint}");
        let body = serde_json::to_string(args).unwrap();
        let mut all = vec![("accept", "application/json")];
        all.extend_from_slice(headers);
        self.post(&path, "application/json", body, &all).await
    }

    /// `POST`s a URL-encoded `body` to a server path with the cookies and `headers`, as a
    /// plain HTML form does; returns the status and the body text.
    pub async fn post_form(
        &mut self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        self.post(
            path,
            "application/x-www-form-urlencoded",
            body.to_owned(),
            headers,
        )
        .await
    }

    /// `POST`s `body` of `content_type` with the cookies and `headers`; keeps the cookies
    /// the answer sets and returns its status and text.
    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: String,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        self.keep_cookies(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Starts signing in: `/login`, returning the hub's consent URL.
    pub async fn start_login(&mut self) -> String {
        self.start_login_at("/login").await
    }

    /// Starts signing in at `path` (`/login?next=…`), returning the hub's consent URL.
    pub async fn start_login_at(&mut self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
        location(&response)
    }

    /// Signs in through the consent page as `user`; `granted` overrides the scopes the user
    /// grants (all requested ones when `None`).
    pub async fn sign_in(&mut self, user: &str, granted: Option<&str>) -> Response {
        let consent = self.start_login().await;
        let page = self.get_hub(&consent).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("Sign in as {user}")), "{html}");
        let callback = self.consent(&consent, user, granted).await;
        let response = self.get(&callback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
        response
    }

    /// Answers the consent page as `user`; returns the callback URL the hub redirects to.
    pub async fn consent(&self, consent_url: &str, user: &str, granted: Option<&str>) -> String {
        let mut url = url::Url::parse(consent_url).unwrap();
        url.query_pairs_mut().append_pair("user", user);
        if let Some(scopes) = granted {
            url.query_pairs_mut().append_pair("grant", scopes);
        }
        let response = self.get_hub(url.as_str()).await;
        assert!(response.status().is_redirection(), "{response:?}");
        location(&response)
    }
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}
