//! Which links from a run's records may become `href`s on a run page.
//!
//! A run page shows any bucket the viewer's token can read, a stranger's public bucket
//! included, so `state.json` is somebody else's text: its `links.job` and
//! `links.space_url` could be `javascript:` URLs or a phishing page. A link is kept only
//! when it points at the Hub ([`HubHosts`]); the Space's name is kept only when it is a
//! valid repo id (the page builds its Hub URL from it).

use runs::{RepoId, RunLinks};
use url::{Host, Url};

/// The hosts a run's links may point at: `https://huggingface.co`, `https://*.hf.space`,
/// and the Hub the server is configured with (with any port when that Hub is on loopback,
/// as the embedded hub serves each Space on a port of its own).
#[derive(Debug, Clone)]
pub struct HubHosts {
    /// The configured Hub when it is not huggingface.co.
    other_hub: Option<Url>,
}

/// The Hub's own host.
const HUB_HOST: &str = "huggingface.co";

/// The domain every Space is served under.
const SPACES_DOMAIN: &str = ".hf.space";

impl HubHosts {
    /// The hosts for a server whose Hub is at `hub_url`.
    pub fn new(hub_url: &str) -> HubHosts {
        let other_hub = Url::parse(hub_url)
            .ok()
            .filter(|url| url.host_str() != Some(HUB_HOST));
        HubHosts { other_hub }
    }

    /// Whether `link` may be shown as a link.
    pub fn allows(&self, link: &str) -> bool {
        let Ok(url) = Url::parse(link) else {
            return false;
        };
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        let Some(Host::Domain(host)) = url.host() else {
            return self.is_configured_hub(&url);
        };
        let on_hub = host == HUB_HOST
            || host
                .strip_suffix(SPACES_DOMAIN)
                .is_some_and(|sub| !sub.is_empty() && !sub.contains('.'));
        (url.scheme() == "https" && url.port().is_none() && on_hub) || self.is_configured_hub(&url)
    }

    fn is_configured_hub(&self, url: &Url) -> bool {
        let Some(hub) = &self.other_hub else {
            return false;
        };
        let same_host = url.scheme() == hub.scheme() && url.host() == hub.host();
        same_host
            && (url.port_or_known_default() == hub.port_or_known_default() || is_loopback(hub))
    }

    /// `links` with every link the page may not show removed.
    pub fn keep_trusted(&self, links: RunLinks) -> RunLinks {
        RunLinks {
            job: links.job.filter(|l| self.allows(l)),
            target_space: links.target_space.filter(|id| id.parse::<RepoId>().is_ok()),
            space_url: links.space_url.filter(|l| self.allows(l)),
            artifacts: links.artifacts,
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> HubHosts {
        HubHosts::new("https://huggingface.co")
    }

    #[test]
    fn links_to_the_hub_and_its_spaces_are_kept() {
        for link in [
            "https://huggingface.co/jobs/alice/abc123",
            "https://huggingface.co/spaces/alice/demo",
            "https://alice-demo.hf.space",
            "https://alice-demo.hf.space/?view=api",
        ] {
            assert!(hub().allows(link), "{link}");
        }
    }

    #[test]
    fn scripts_foreign_hosts_and_lookalikes_are_dropped() {
        for link in [
            "javascript:alert(document.cookie)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://huggingface.co/jobs/alice/abc",
            "https://evil.example/login",
            "https://huggingface.co.evil.example/",
            "https://evilhuggingface.co/",
            "https://hf.space/",
            "https://a.b.hf.space/",
            "https://huggingface.co@evil.example/",
            "https://user:pw@huggingface.co/",
            "https://huggingface.co:8443/",
            "//evil.example/",
            "/logout",
            "http://127.0.0.1:7860/",
            "",
        ] {
            assert!(!hub().allows(link), "{link} was kept");
        }
    }

    #[test]
    fn the_embedded_hub_and_its_loopback_spaces_are_kept_but_nothing_else() {
        let local = HubHosts::new("http://127.0.0.1:4000");
        assert!(local.allows("http://127.0.0.1:4000/jobs/alice/abc"));
        assert!(local.allows("http://127.0.0.1:39123/"));
        assert!(local.allows("https://alice-demo.hf.space"));
        assert!(!local.allows("http://127.0.0.2:4000/"));
        assert!(!local.allows("http://localhost:4000/"));
        assert!(!local.allows("javascript:alert(1)"));
        let remote = HubHosts::new("https://hub.example.org");
        assert!(remote.allows("https://hub.example.org/jobs/a/b"));
        assert!(!remote.allows("https://hub.example.org:8443/"));
        assert!(!remote.allows("http://hub.example.org/"));
    }

    #[test]
    fn a_record_keeps_only_trusted_links_and_a_valid_space_id() {
        let links = hub().keep_trusted(RunLinks {
            job: Some("javascript:alert(1)".into()),
            target_space: Some("alice/demo\" onclick=\"x".into()),
            space_url: Some("https://phish.example/hf".into()),
            artifacts: vec!["report.md".into()],
        });
        assert_eq!(links.job, None);
        assert_eq!(links.target_space, None);
        assert_eq!(links.space_url, None);
        assert_eq!(links.artifacts, vec!["report.md".to_string()]);
        let good = hub().keep_trusted(RunLinks {
            job: Some("https://huggingface.co/jobs/alice/1".into()),
            target_space: Some("alice/demo".into()),
            space_url: Some("https://alice-demo.hf.space".into()),
            artifacts: vec![],
        });
        assert_eq!(good.target_space.as_deref(), Some("alice/demo"));
        assert!(good.job.is_some() && good.space_url.is_some());
    }
}
