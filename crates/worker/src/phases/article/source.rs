//! The article of a reproduction: the text the user pasted, or the page at the URL they
//! gave, fetched once and kept with the run.

use runs::recipe::ArticleSource;
use std::time::Duration;

/// The most of an article kept (characters); longer pages are cut, and say so.
pub const MAX_CHARS: usize = 200_000;

/// The article's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The text (pasted text, or the fetched page as served).
    pub text: String,
    /// Where it came from, for the record.
    pub origin: String,
}

/// The pasted text when given (with the URL noted), else the page at `article_url`.
pub async fn obtain(params: &ArticleSource) -> Result<Article, String> {
    let url = params.article_url.as_deref();
    if let Some(text) = params
        .article_text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        let header = url.map(|u| format!("Source: {u}\n\n")).unwrap_or_default();
        return Ok(Article {
            text: cut(format!("{header}{text}")),
            origin: "the pasted article text".into(),
        });
    }
    let url = url.ok_or("neither an article URL nor its text was given")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .user_agent("space-factory-worker")
        .build()
        .map_err(|e| format!("cannot fetch the article: {e}"))?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch the article at {url}: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the article at {url} answered {status}"));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("cannot read the article at {url}: {}", e.without_url()))?;
    Ok(Article {
        text: cut(format!("Source: {url}\n\n{text}")),
        origin: format!("fetched from {url}"),
    })
}

fn cut(text: String) -> String {
    match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => format!(
            "{}\n\n[… the article was cut at {MAX_CHARS} characters]",
            &text[..at]
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pasted_text_wins_and_names_its_url() {
        let params = ArticleSource {
            article_url: Some("https://example.org/post".into()),
            article_text: Some("We fine-tune.".into()),
        };
        let article = obtain(&params).await.unwrap();
        assert_eq!(
            article.text,
            "Source: https://example.org/post\n\nWe fine-tune."
        );
        assert!(obtain(&ArticleSource::default()).await.is_err());
        assert!(cut("x".repeat(MAX_CHARS + 3)).ends_with("characters]"));
    }

    /// Serves one HTTP answer on a free loopback port; returns its URL.
    async fn serve_once(status: &'static str, body: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/markdown\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
        });
        format!("http://{addr}/post.md")
    }

    #[tokio::test]
    async fn a_linked_article_is_fetched_and_a_refusal_is_an_error() {
        let url = serve_once("200 OK", "# Title\n\nBody.").await;
        let params = ArticleSource {
            article_url: Some(url.clone()),
            ..ArticleSource::default()
        };
        let article = obtain(&params).await.unwrap();
        assert_eq!(article.text, format!("Source: {url}\n\n# Title\n\nBody."));
        assert_eq!(article.origin, format!("fetched from {url}"));
        let url = serve_once("404 Not Found", "gone").await;
        let params = ArticleSource {
            article_url: Some(url.clone()),
            ..ArticleSource::default()
        };
        let err = obtain(&params).await.unwrap_err();
        assert!(err.contains("answered 404"), "{err}");
    }
}
