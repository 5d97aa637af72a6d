//! Launches a real Gradio app (4.x, 5.x or 6.x) in a venv set-up prepared
//! (`localhub prepare-venvs`), at most [`GRADIO_AT_ONCE`] at a time, and kills it when the
//! guard drops.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use localhub::python_env::VenvRecipe;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many Gradio processes (launched here or as a localhub Space) run at once.
pub const GRADIO_AT_ONCE: usize = 2;
static GRADIO_SLOTS: Semaphore = Semaphore::const_new(GRADIO_AT_ONCE);

/// A permit to run Gradio; hold it as long as the Gradio process (or the Space) lives.
pub async fn gradio_slot() -> SemaphorePermit<'static> {
    GRADIO_SLOTS
        .acquire()
        .await
        .expect("the Gradio semaphore is never closed")
}

/// The test app: text, number, multi-output, file output, and an endpoint raising
/// `gr.Error`. Blocks with explicit `api_name`s, so the names are the same in 4, 5 and 6.
pub const APP: &str = r#"
import gradio as gr

def upper(text):
    return text.upper()

def double(x):
    return x * 2

def combine(name, count):
    return f"{name} x {int(count)}", {"name": name, "count": count}

def fail(text):
    raise gr.Error("bad input")

def make_file(text):
    with open("result.txt", "w") as f:
        f.write(text)
    return "result.txt"

with gr.Blocks() as demo:
    t = gr.Textbox()
    n = gr.Number()
    o = gr.Textbox()
    on = gr.Number()
    j = gr.JSON()
    f = gr.File()
    gr.Button("u").click(upper, t, o, api_name="upper")
    gr.Button("d").click(double, n, on, api_name="double")
    gr.Button("c").click(combine, [t, n], [o, j], api_name="combine")
    gr.Button("e").click(fail, t, o, api_name="fail")
    gr.Button("f").click(make_file, t, f, api_name="make_file")

demo.queue().launch()
"#;

/// A running Gradio process; killed on drop, which frees its slot.
pub struct GradioProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _dir: TempDir,
    _slot: SemaphorePermit<'static>,
}

impl Drop for GradioProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary folder removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("hub-test-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What Gradio 4, 5 and 6 print once `launch()` has checked that its own page answers
/// (under load that check can time out, and Gradio then exits).
const READY_LINE: &str = "To create a public link, set `share=True`";
/// What Gradio says when that check timed out: worth starting it again.
const SELF_CHECK_FAILED: &str = "When localhost is not accessible";
/// Starts beyond the first when Gradio's self-check times out.
const RESTARTS: usize = 2;

/// Starts `source` as `app.py` in the prepared `venv` once a slot is free, and waits until
/// Gradio has checked its own page ([`READY_LINE`]); starts it again when that check timed
/// out on a busy machine. Panics, naming the set-up step, when the venv is not prepared.
pub async fn launch(venv: VenvRecipe, source: &str) -> GradioProcess {
    let env = venv.prepared().unwrap_or_else(|e| panic!("{e}"));
    let venv = venv.name;
    let slot = gradio_slot().await;
    let source = source.to_owned();
    tokio::task::spawn_blocking(move || {
        for attempt in 0..=RESTARTS {
            match start_once(&env.python(), venv, &source) {
                Ok((child, url, dir)) => {
                    return GradioProcess {
                        child,
                        url,
                        _dir: dir,
                        _slot: slot,
                    }
                }
                Err(log) if log.contains(SELF_CHECK_FAILED) && attempt < RESTARTS => {
                    eprintln!("gradio ({venv}) failed its self-check on a busy machine; starting it again");
                }
                Err(log) => panic!("gradio ({venv}): {log}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    })
    .await
    .unwrap()
}

/// One start of `app.py`: the ready process, its URL and folder, or why it is not ready.
fn start_once(
    python: &std::path::Path,
    venv: &str,
    source: &str,
) -> Result<(Child, String, TempDir), String> {
    let dir = TempDir::new(venv);
    std::fs::write(dir.0.join("app.py"), source).unwrap();
    let tmp = dir.0.join("gradio-tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let port = free_port();
    let mut child = Command::new(python)
        .arg("app.py")
        .current_dir(&dir.0)
        .env("GRADIO_SERVER_NAME", "127.0.0.1")
        .env("GRADIO_SERVER_PORT", port.to_string())
        .env("GRADIO_NUM_PORTS", "1")
        .env("GRADIO_ANALYTICS_ENABLED", "False")
        .env("HF_HUB_OFFLINE", "1")
        .env("GRADIO_TEMP_DIR", &tmp)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains(READY_LINE) {
                let _ = tx.send(());
            }
        }
    });
    let stderr = child.stderr.take().unwrap();
    let errlog = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let errlog2 = errlog.clone();
    let stderr_reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            errlog2.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let started = Instant::now();
    loop {
        if rx.recv_timeout(Duration::from_millis(100)).is_ok() {
            return Ok((child, format!("http://127.0.0.1:{port}"), dir));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let _ = stderr_reader.join();
            return Err(format!("exited {status}: {}", errlog.lock().unwrap()));
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("not ready in 90 s: {}", errlog.lock().unwrap()));
        }
    }
}
