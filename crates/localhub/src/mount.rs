//! A Job's bucket mount, with the Hub's mount semantics (hf-mount) and no timing anywhere.
//!
//! On huggingface.co a bucket volume is a FUSE mount that uploads a file whole once it is
//! closed after writing; readers of the bucket see the previous version until then, and the
//! Job sees its own writes plus the bucket's files as they were when it started. Here:
//!
//! - **Staging.** A writable volume is a staging folder of the Job's own
//!   (`DATA/jobs/{id}/mounts/{n}`), seeded with a copy of the bucket's files and
//!   bind-mounted at the volume's `mountPath`. The bucket's own folder (the store, which
//!   `resolve` and `tree` read) is never written by the Job.
//! - **Publishing on close.** inotify reports every `IN_CLOSE_WRITE` (and rename into or
//!   out of, delete, new folder) in the staging tree. A closed file is read under a read
//!   lease (`F_SETLEASE F_RDLCK`): the kernel grants one only while nobody has the file
//!   open for writing, and makes a writer that opens it meanwhile wait until the lease is
//!   released. So the bytes read are always a whole, closed version, never a rewrite caught
//!   half-way. They reach the store atomically: a temp file in `DATA/incoming`, renamed into
//!   place. A file still open for writing is skipped; its own close publishes it.
//! - **The last word.** When the Job's process has exited, the whole staging tree is
//!   compared with what was published and every difference is published (or removed), before
//!   the Job is marked as ended. A reader that sees the Job ended sees its final files.
//!
//! Read-only volumes are the store itself, bind-mounted read-only: it only ever changes by
//! renames, so a Job reading it never sees a partial file either.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use futures_util::StreamExt;
use inotify::{EventMask, Inotify, WatchMask};
use sha2::{Digest, Sha256};

/// What inotify is asked to report in every staging folder.
fn watch_mask() -> WatchMask {
    WatchMask::CLOSE_WRITE
        | WatchMask::MOVED_TO
        | WatchMask::MOVED_FROM
        | WatchMask::DELETE
        | WatchMask::CREATE
        | WatchMask::DONT_FOLLOW
        | WatchMask::EXCL_UNLINK
}

/// A writable bucket volume of one Job, publishing into the store as the Job closes files.
#[derive(Debug)]
pub struct StagedMount {
    staging: PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl StagedMount {
    /// Seeds `staging` with the files of `store` and starts publishing what the Job closes
    /// there into `store` (via temp files in `incoming`, on the same file system).
    pub fn start(store: PathBuf, staging: PathBuf, incoming: PathBuf) -> io::Result<StagedMount> {
        tolerate_lease_breaks();
        fs::create_dir_all(&store)?;
        fs::create_dir_all(&incoming)?;
        let mut mirror = Mirror {
            staging: staging.clone(),
            store,
            incoming,
            published: HashMap::new(),
        };
        mirror.seed()?;
        let inotify = Inotify::init()?;
        let mut folders = Folders::default();
        let stream = inotify.into_event_stream(vec![0u8; 64 * 1024])?;
        folders.watch_tree(&stream.watches(), &staging, "")?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut stream = stream;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    event = stream.next() => match event {
                        Some(Ok(event)) => {
                            let watches = stream.watches();
                            mirror.on_event(&mut folders, &watches, event.wd.get_watch_descriptor_id(), event.mask, event.name.as_deref());
                        }
                        Some(Err(err)) => {
                            tracing::warn!(%err, "bucket mount: inotify read failed; files publish when the Job ends");
                            let _ = (&mut stopped).await;
                            break;
                        }
                        None => break,
                    },
                }
            }
            // The Job has ended: whatever differs from what was published goes now.
            mirror.reconcile();
        });
        Ok(StagedMount {
            staging,
            stop,
            task,
        })
    }

    /// The folder to bind-mount at the volume's `mountPath`.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Call once the Job's process has exited: publishes the staging tree's final state,
    /// then removes the staging folder.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::warn!(%err, "bucket mount: publisher task failed");
        }
        let _ = tokio::task::spawn_blocking(move || fs::remove_dir_all(&self.staging)).await;
    }
}

/// The staging folders being watched, by watch descriptor, as paths relative to the root.
#[derive(Debug, Default)]
struct Folders(HashMap<i32, String>);

impl Folders {
    /// Watches `dir` (at `rel` under the root) and every folder below it.
    fn watch_tree(&mut self, watches: &inotify::Watches, dir: &Path, rel: &str) -> io::Result<()> {
        let wd = watches.clone().add(dir, watch_mask())?;
        self.0.insert(wd.get_watch_descriptor_id(), rel.to_string());
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                let name = entry.file_name();
                self.watch_tree(watches, &entry.path(), &join_rel(rel, &name))?;
            }
        }
        Ok(())
    }
}

/// The staging tree and the store it publishes into.
#[derive(Debug)]
struct Mirror {
    staging: PathBuf,
    store: PathBuf,
    incoming: PathBuf,
    /// Digest of every file as last published (or seeded), by relative path.
    published: HashMap<String, [u8; 32]>,
}

impl Mirror {
    /// Copies the store's files into the (new) staging folder.
    fn seed(&mut self) -> io::Result<()> {
        fs::create_dir_all(&self.staging)?;
        for rel in files_under(&self.store) {
            let bytes = fs::read(self.store.join(&rel))?;
            let target = self.staging.join(&rel);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&target, &bytes)?;
            self.published.insert(rel, digest(&bytes));
        }
        Ok(())
    }

    fn on_event(
        &mut self,
        folders: &mut Folders,
        watches: &inotify::Watches,
        wd: i32,
        mask: EventMask,
        name: Option<&OsStr>,
    ) {
        if mask.contains(EventMask::Q_OVERFLOW) {
            // Events were lost: look at everything (new folders too).
            if let Err(err) = folders.watch_tree(watches, &self.staging.clone(), "") {
                tracing::warn!(%err, "bucket mount: re-watching after an overflow failed");
            }
            return self.reconcile();
        }
        let (Some(dir), Some(name)) = (folders.0.get(&wd).cloned(), name) else {
            return;
        };
        let rel = join_rel(&dir, name);
        let is_dir = mask.contains(EventMask::ISDIR);
        if mask.intersects(EventMask::DELETE | EventMask::MOVED_FROM) {
            self.remove_under(&rel);
        } else if is_dir && mask.intersects(EventMask::CREATE | EventMask::MOVED_TO) {
            // Files may have been written in it before its watch existed: watch, then look.
            let path = self.staging.join(&rel);
            if let Err(err) = folders.watch_tree(watches, &path, &rel) {
                tracing::warn!(%err, path = %rel, "bucket mount: cannot watch a new folder");
            }
            for file in files_under(&path) {
                self.publish(&join_rel(&rel, OsStr::new(&file)));
            }
        } else if !is_dir && mask.intersects(EventMask::CLOSE_WRITE | EventMask::MOVED_TO) {
            self.publish(&rel);
        }
    }

    /// Publishes the staging file `rel` if it is closed and differs from what was published.
    fn publish(&mut self, rel: &str) {
        let bytes = match read_closed(&self.staging.join(rel)) {
            Ok(Some(bytes)) => bytes,
            // Open for writing: its close will publish it. Gone: its delete removes it.
            Ok(None) => return,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return,
            Err(err) => {
                tracing::warn!(%err, path = rel, "bucket mount: cannot read a closed file");
                return;
            }
        };
        let sum = digest(&bytes);
        if self.published.get(rel) == Some(&sum) {
            return;
        }
        match replace_atomically(&self.store.join(rel), &self.incoming, &bytes) {
            Ok(()) => {
                self.published.insert(rel.to_string(), sum);
            }
            Err(err) => tracing::warn!(%err, path = rel, "bucket mount: cannot publish"),
        }
    }

    /// Removes `rel` (a file, or a folder and everything published below it) from the store.
    fn remove_under(&mut self, rel: &str) {
        let below = format!("{rel}/");
        let gone: Vec<String> = self
            .published
            .keys()
            .filter(|k| *k == rel || k.starts_with(&below))
            .cloned()
            .collect();
        for key in gone {
            self.published.remove(&key);
            let path = self.store.join(&key);
            if fs::remove_file(&path).is_ok() {
                remove_empty_parents(&path, &self.store);
            }
        }
    }

    /// Makes the store match the staging tree for every file this Job has seen.
    fn reconcile(&mut self) {
        let present: HashSet<String> = files_under(&self.staging).into_iter().collect();
        for rel in &present {
            self.publish(rel);
        }
        let missing: Vec<String> = self
            .published
            .keys()
            .filter(|k| !present.contains(k.as_str()))
            .cloned()
            .collect();
        for rel in missing {
            self.remove_under(&rel);
        }
    }
}

/// Reads a file whole if nobody has it open for writing (`None` if somebody has).
///
/// Under a read lease: granted only when no writer has the file open, and while it is held,
/// a writer's open (or truncate) waits for its release. Falls back to a plain read where the
/// file system has no leases.
fn read_closed(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = File::open(path)?;
    // SAFETY: fcntl on a descriptor this function owns, with integer arguments only.
    let leased = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLEASE, libc::F_RDLCK) } == 0;
    if !leased {
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EBUSY) => return Ok(None),
            _ => warn_no_leases(&err),
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    // Closing the file releases the lease.
    Ok(Some(bytes))
}

fn warn_no_leases(err: &io::Error) {
    static WARNED: OnceLock<()> = OnceLock::new();
    WARNED.get_or_init(|| {
        tracing::warn!(%err, "bucket mount: no file leases here; a reader may catch a file mid-rewrite");
    });
}

/// A lease holder is sent SIGIO when a writer wants the file; its default action would end
/// this process. A handler (installed once, reset for child programs by `exec`) makes it
/// harmless: the lease is released as soon as the read is done anyway.
fn tolerate_lease_breaks() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if let Err(err) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::io()) {
            tracing::warn!(%err, "bucket mount: cannot handle SIGIO");
        }
    });
}

/// Replaces `target` with `bytes` in one rename (a reader sees the old file or the new).
pub fn replace_atomically(target: &Path, incoming: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(incoming)?;
    tmp.write_all(bytes)?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

fn remove_empty_parents(path: &Path, root: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn join_rel(dir: &str, name: &OsStr) -> String {
    let name = name.to_string_lossy();
    if dir.is_empty() {
        name.into_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Every regular file below `root`, as relative paths.
fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let child = join_rel(&rel, &entry.file_name());
            if kind.is_dir() {
                stack.push((entry.path(), child));
            } else if kind.is_file() {
                out.push(child);
            }
        }
    }
    out
}
