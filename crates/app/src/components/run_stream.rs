//! The browser end of a run's live stream: an `EventSource` on
//! [`run_stream_path`](crate::api::stream::run_stream_path) feeding a [`LiveRun`].

use crate::components::live_run::LiveRun;
use leptos::prelude::*;

/// Opens the stream once the page is live in the browser (never on the server) and keeps
/// `live` up to date; calls `on_end` when the server says the run is over. The browser
/// reconnects by itself after a drop, sending `Last-Event-ID`, and events already shown
/// are merged away by `seq`. The stream closes when the component goes away.
pub fn follow_run(owner: String, run_id: String, live: LiveRun, on_end: Callback<()>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            browser::open(&owner, &run_id, live, on_end);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (owner, run_id, live, on_end);
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::api::stream::{names, run_stream_path, LogMessage};
    use crate::api::JobView;
    use crate::components::live_run::LiveRun;
    use leptos::prelude::*;
    use runs::{Event, RunState};
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    /// The open stream and the listeners that must live as long as it.
    struct Open {
        source: EventSource,
        _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    }

    pub fn open(owner: &str, run_id: &str, live: LiveRun, on_end: Callback<()>) {
        let Ok(source) = EventSource::new(&run_stream_path(owner, run_id)) else {
            return;
        };
        let mut listeners = Vec::new();
        let mut listen = |name: &str, mut handle: Box<dyn FnMut(String)>| {
            let closure =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    if let Some(data) = event
                        .dyn_ref::<MessageEvent>()
                        .and_then(|m| m.data().as_string())
                    {
                        handle(data);
                    }
                });
            let _ = source.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            listeners.push(closure);
        };
        listen(
            names::EVENT,
            Box::new(move |data| {
                if let Ok(event) = serde_json::from_str::<Event>(&data) {
                    live.push_event(event);
                }
            }),
        );
        listen(
            names::STATE,
            Box::new(move |data| {
                if let Ok(state) = serde_json::from_str::<RunState>(&data) {
                    live.state.set(Some(state));
                }
            }),
        );
        listen(
            names::JOB,
            Box::new(move |data| {
                if let Ok(job) = serde_json::from_str::<JobView>(&data) {
                    live.job.set(Some(job));
                }
            }),
        );
        listen(
            names::LOG,
            Box::new(move |data| {
                if let Ok(log) = serde_json::from_str::<LogMessage>(&data) {
                    live.push_log(log.n, log.line);
                }
            }),
        );
        let ender = source.clone();
        listen(
            names::END,
            Box::new(move |_| {
                ender.close();
                live.connected.set(false);
                on_end.run(());
            }),
        );
        // `open` and `error` carry no data: listen to them without the data filter.
        let on_error =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.connected.set(false));
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.connected.set(true));
        let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
        listeners.push(on_error);
        listeners.push(on_open);
        let open = SendWrapper::new(Open {
            source,
            _listeners: listeners,
        });
        on_cleanup(move || open.source.close());
    }
}
