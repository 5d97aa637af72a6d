//! Server-Sent Events as bytes encoded once: a run's message is encoded into its SSE frame
//! when the upstream learns it, and every viewer's response sends that same buffer (a
//! reference count, no copy), rather than each viewer building and encoding its own event.
//! Sent as it is (`text/event-stream`, never compressed), with a comment every
//! [`KEEP_ALIVE`] while nothing else is sent, so proxies keep the connection open.

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;

/// The longest silence of a stream before a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The keep-alive comment (an empty SSE comment, which clients ignore).
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

/// The SSE frame of an event `name` with `data` (one `data:` line per line of it) and, when
/// given, an `id`.
pub fn encode(name: &str, id: Option<u64>, data: &str) -> Bytes {
    let mut frame = String::with_capacity(name.len() + data.len() + 32);
    frame.push_str("event: ");
    frame.push_str(name);
    frame.push('\n');
    if let Some(id) = id {
        frame.push_str("id: ");
        frame.push_str(&id.to_string());
        frame.push('\n');
    }
    for line in data.split('\n') {
        frame.push_str("data: ");
        frame.push_str(line.strip_suffix('\r').unwrap_or(line));
        frame.push('\n');
    }
    frame.push('\n');
    Bytes::from(frame)
}

/// An SSE response sending `frames` as they come, with keep-alive comments in the silences.
pub fn response(frames: impl Stream<Item = Bytes> + Send + 'static) -> Response {
    response_alive_every(frames, KEEP_ALIVE)
}

/// [`response`], with a keep-alive comment after each `silence` without a frame.
fn response_alive_every(
    frames: impl Stream<Item = Bytes> + Send + 'static,
    silence: Duration,
) -> Response {
    let frames = Box::pin(frames);
    let body = futures_util::stream::unfold(frames, move |mut frames| async move {
        let frame = match tokio::time::timeout(silence, frames.next()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => return None,
            Err(_silence) => Bytes::from_static(KEEP_ALIVE_FRAME),
        };
        Some((Ok::<_, Infallible>(frame), frames))
    });
    (
        [
            (CONTENT_TYPE, "text/event-stream"),
            (CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_names_its_event_and_id_and_puts_each_line_of_its_data_on_a_line_of_its_own() {
        assert_eq!(
            &encode("event", Some(7), "{\"seq\":7}")[..],
            b"event: event\nid: 7\ndata: {\"seq\":7}\n\n"
        );
        assert_eq!(
            &encode("log", None, "one\r\ntwo")[..],
            b"event: log\ndata: one\ndata: two\n\n"
        );
    }

    #[tokio::test]
    async fn a_silent_stream_sends_a_keep_alive_comment_and_then_what_comes() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let frames = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|frame| (frame, rx))
        });
        let response = response_alive_every(frames, Duration::from_millis(10));
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        assert!(response.headers().get("content-encoding").is_none());
        let mut body = response.into_body().into_data_stream();
        assert_eq!(&body.next().await.unwrap().unwrap()[..], KEEP_ALIVE_FRAME);
        tx.send(encode("end", None, "end")).unwrap();
        drop(tx);
        assert_eq!(
            &body.next().await.unwrap().unwrap()[..],
            b"event: end\ndata: end\n\n"
        );
        assert!(body.next().await.is_none());
    }
}
