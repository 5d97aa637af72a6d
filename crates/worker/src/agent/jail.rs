//! Holding Pi in: its own process group, the bucket mount out of its sight, no privileges,
//! and nothing it started left alive once it is done.
//!
//! - Pi starts in a process group of its own, and the worker (when `main` made it a child
//!   subreaper with [`adopt_orphans`]) inherits whatever escapes that group (`setsid`,
//!   double forks): [`sweep`] kills every descendant it finds through `/proc`.
//! - Where the machine allows a mount namespace (as root; else a user and mount namespace),
//!   Pi's view of the bucket mount is an empty read-only `tmpfs`; otherwise the mount stays
//!   reachable and the run says so.
//! - As root, Pi loses every capability (the bounding set too, so `exec` gives none back)
//!   and gets `no_new_privs`: it cannot read the non-dumpable worker's `/proc` files nor
//!   override file permissions.
//!
//! What held is a [`runs::Containment`], recorded with the run.

use runs::{Containment, MountAccess, Privileges};
use std::collections::HashMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Set once `main` made the worker a child subreaper: every descendant is then the agent's.
static SUBREAPER: AtomicBool = AtomicBool::new(false);

/// Makes this process the child subreaper of everything it starts, so what Pi's commands
/// detach (`setsid … &`) is reparented here rather than to init, and [`sweep`] can find and
/// kill it. Only for a process all of whose descendants are the agent's (the worker binary),
/// never a test harness that runs other programs beside.
pub fn adopt_orphans() -> std::io::Result<()> {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    SUBREAPER.store(true, Ordering::SeqCst);
    Ok(())
}

/// Whether [`adopt_orphans`] succeeded in this process.
pub fn adopts_orphans() -> bool {
    SUBREAPER.load(Ordering::SeqCst)
}

/// How far Pi's process is shut in, decided before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Namespace {
    /// A mount namespace (the worker is root).
    Mount,
    /// A user namespace mapping this uid to root, and a mount namespace in it.
    UserAndMount,
    /// None: the mount stays visible.
    None,
}

impl Namespace {
    fn describe(self) -> &'static str {
        match self {
            Namespace::Mount => "mount namespace",
            Namespace::UserAndMount => "user and mount namespace",
            Namespace::None => "none",
        }
    }
}

/// What the child does between `fork` and `exec`, prepared beforehand (the child may not
/// allocate).
struct Confinement {
    namespace: Namespace,
    /// The bucket mount, to cover.
    mount: Option<CString>,
    /// `/proc/self/uid_map` and `gid_map` lines for a user namespace.
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    root: bool,
}

/// Starts `build()`'s command contained: its own process group, the bucket mount `mount`
/// hidden where a namespace allows it (else left visible, and said so), privileges dropped.
/// `workspace` must lie outside the mount (if it does not, the mount is not hidden: Pi
/// needs its workspace). Tries the strongest containment the machine allows first.
pub fn spawn(
    build: impl Fn() -> tokio::process::Command,
    mount: Option<&Path>,
    workspace: &Path,
) -> std::io::Result<(tokio::process::Child, Containment)> {
    let root = rustix::process::geteuid().is_root();
    let mount = mount.map(absolute);
    let hideable = match &mount {
        None => Err("the run has no bucket mount".to_owned()),
        Some(m) if workspace.starts_with(m) => {
            Err("the agent's workspace lies under the bucket mount".to_owned())
        }
        Some(m) if !m.is_dir() => Err(format!("{} is not a folder", m.display())),
        Some(_) => Ok(()),
    };
    let mut tries = Vec::new();
    if hideable.is_ok() {
        // A container may refuse a plain mount namespace to root and allow a user one.
        if root {
            tries.push(Namespace::Mount);
        }
        tries.push(Namespace::UserAndMount);
    }
    tries.push(Namespace::None);
    let mut why_not = hideable.err();
    for namespace in tries {
        match start(build(), namespace, mount.as_deref(), root) {
            Ok(child) => {
                let containment = Containment {
                    process_group: true,
                    subreaper: adopts_orphans(),
                    mount: match (namespace, why_not) {
                        (Namespace::None, why) => MountAccess::Reachable {
                            why: why.unwrap_or_else(|| "no namespace".into()),
                        },
                        (ns, _) => MountAccess::Hidden {
                            how: ns.describe().into(),
                        },
                    },
                    privileges: if root {
                        Privileges::CapabilitiesDropped
                    } else {
                        Privileges::Unprivileged
                    },
                    worker_non_dumpable: crate::sealed::non_dumpable(),
                    gateway: false,
                };
                return Ok((child, containment));
            }
            Err(err) if namespace != Namespace::None => {
                why_not = Some(format!("no {} here: {err}", namespace.describe()));
            }
            Err(err) => return Err(err),
        }
    }
    unreachable!("the last try has no namespace and returns")
}

/// Starts `command` in its own process group, confined as `namespace` says.
fn start(
    mut command: tokio::process::Command,
    namespace: Namespace,
    mount: Option<&Path>,
    root: bool,
) -> std::io::Result<tokio::process::Child> {
    let plan = Confinement::new(namespace, mount, root);
    command.process_group(0);
    // SAFETY: `confine` makes only raw system calls on data prepared before the fork.
    unsafe {
        command.pre_exec(move || plan.confine());
    }
    command.spawn()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

impl Confinement {
    fn new(namespace: Namespace, mount: Option<&Path>, root: bool) -> Confinement {
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        Confinement {
            namespace,
            mount: mount.and_then(|m| CString::new(m.as_os_str().as_bytes()).ok()),
            uid_map: format!("0 {uid} 1\n").into_bytes(),
            gid_map: format!("0 {gid} 1\n").into_bytes(),
            root,
        }
    }

    /// In the child, before `exec`.
    fn confine(&self) -> std::io::Result<()> {
        use rustix::mount::{MountFlags, MountPropagationFlags};
        use rustix::thread::UnshareFlags;
        match self.namespace {
            Namespace::None => {}
            // SAFETY (both): the forked child has one thread, which is about to exec.
            Namespace::Mount => unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS)? },
            Namespace::UserAndMount => {
                unsafe {
                    rustix::thread::unshare_unsafe(UnshareFlags::NEWUSER | UnshareFlags::NEWNS)?
                };
                write_proc(c"/proc/self/setgroups", b"deny")?;
                write_proc(c"/proc/self/uid_map", &self.uid_map)?;
                write_proc(c"/proc/self/gid_map", &self.gid_map)?;
            }
        }
        if let (Some(mount), false) = (&self.mount, self.namespace == Namespace::None) {
            rustix::mount::mount_change(
                c"/",
                MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
            )?;
            rustix::mount::mount(
                c"tmpfs",
                mount.as_c_str(),
                c"tmpfs",
                MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
                c"size=4k,mode=0555",
            )?;
        }
        if self.root || self.namespace == Namespace::UserAndMount {
            drop_capabilities()?;
        }
        rustix::thread::set_no_new_privs(true)?;
        Ok(())
    }
}

/// Every capability out of the bounding set (so `exec` as root grants none), then out of
/// the effective, permitted and inheritable sets.
fn drop_capabilities() -> std::io::Result<()> {
    use rustix::thread::{CapabilitySet, CapabilitySets};
    for bit in 0..64 {
        // Past the kernel's last capability the call fails: nothing to drop there.
        let _ = rustix::thread::remove_capability_from_bounding_set(
            CapabilitySet::from_bits_retain(1 << bit),
        );
    }
    rustix::thread::set_capabilities(
        None,
        CapabilitySets {
            effective: CapabilitySet::empty(),
            permitted: CapabilitySet::empty(),
            inheritable: CapabilitySet::empty(),
        },
    )?;
    Ok(())
}

fn write_proc(path: &std::ffi::CStr, bytes: &[u8]) -> std::io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    rustix::io::write(&fd, bytes)?;
    Ok(())
}

/// One sentence for the run's record: which layers held Pi in.
pub fn describe(c: &Containment) -> String {
    let mount = match &c.mount {
        MountAccess::Hidden { how } => format!("the bucket mount hidden ({how})"),
        MountAccess::Reachable { why } => format!("the bucket mount reachable ({why})"),
    };
    let privileges = match c.privileges {
        Privileges::CapabilitiesDropped => "no capabilities",
        Privileges::Unprivileged => "unprivileged",
    };
    let mut layers = vec![
        "its own process group".to_owned(),
        mount,
        privileges.to_owned(),
    ];
    if c.subreaper {
        layers.push("escaped processes adopted and killed".into());
    }
    if c.worker_non_dumpable {
        layers.push("the worker not dumpable".into());
    }
    if c.gateway {
        layers.push("no secret in its environment (gateway)".into());
    }
    format!("Pi ran contained: {}", layers.join(", "))
}

/// Kills what is left of an agent run: Pi's process group, every descendant of `pi` still
/// there, and, when this process adopts orphans, every descendant of its own (what escaped
/// the group with `setsid` ends up here). Repeats until none is left (a dying shell may
/// fork once more), within a bound. Returns how many processes it killed.
pub async fn sweep(pi: Option<u32>) -> usize {
    let me = std::process::id() as i32;
    let pi = pi.map(|p| p as i32);
    if let Some(pgid) = pi.and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
    let mut killed = 0;
    for _ in 0..50 {
        let tree = ProcessTree::read();
        let mut doomed = pi.map(|p| tree.descendants(p)).unwrap_or_default();
        if adopts_orphans() {
            doomed.extend(tree.descendants(me).into_iter().filter(|&p| Some(p) != pi));
        }
        doomed.sort_unstable();
        doomed.dedup();
        if doomed.is_empty() {
            break;
        }
        for &pid in &doomed {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                if rustix::process::kill_process(pid, rustix::process::Signal::KILL).is_ok() {
                    killed += 1;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Orphans adopted here are this process's children now: reap them (for the
        // others, the call fails harmlessly).
        for pid in doomed
            .iter()
            .filter_map(|&pid| rustix::process::Pid::from_raw(pid))
        {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
        }
    }
    killed
}

/// The live processes (zombies left out) and their parents, read from `/proc`.
struct ProcessTree {
    parents: HashMap<i32, i32>,
}

impl ProcessTree {
    fn read() -> ProcessTree {
        let mut parents = HashMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            let mut fields = rest.split_whitespace();
            let state = fields.next();
            let ppid = fields.next().and_then(|p| p.parse::<i32>().ok());
            if let (Some(state), Some(ppid)) = (state, ppid) {
                if state != "Z" && state != "X" {
                    parents.insert(pid, ppid);
                }
            }
        }
        ProcessTree { parents }
    }

    /// Every live process below `root` (not `root` itself).
    fn descendants(&self, root: i32) -> Vec<i32> {
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        for (&pid, &ppid) in &self.parents {
            children.entry(ppid).or_default().push(pid);
        }
        let mut found = Vec::new();
        let mut queue = vec![root];
        while let Some(pid) = queue.pop() {
            for &child in children.get(&pid).into_iter().flatten() {
                found.push(child);
                queue.push(child);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a shell started as `namespace` reports: whether it can write into `mount`,
    /// what it sees there, and its capability sets.
    async fn confined_view(namespace: Namespace, mount: &Path) -> String {
        let mut command = tokio::process::Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(
                "touch \"$0/forged\" 2>/dev/null && echo wrote || echo refused; \
                 ls -A \"$0\"; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; \
                 echo \"group $(ps -o pgid= -p $$) self $$\"",
            )
            .arg(mount)
            .stdout(std::process::Stdio::piped());
        let root = rustix::process::geteuid().is_root();
        let child = start(command, namespace, Some(mount), root).unwrap();
        let out = child.wait_with_output().await.unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    /// Confines a shell as `namespace` beside a mount holding a file, and checks it sees
    /// nothing there, writes nothing, keeps no capability and leads its own group.
    async fn assert_confines(namespace: Namespace) {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path();
        std::fs::write(mount.join("kept"), "the bucket").unwrap();
        let view = confined_view(namespace, mount).await;
        assert!(view.starts_with("refused\n"), "{view}");
        assert!(
            !view.contains("kept"),
            "the mount's files are out of sight: {view}"
        );
        for set in ["CapEff", "CapPrm", "CapBnd"] {
            assert!(
                view.contains(&format!("{set}:\t0000000000000000")),
                "{set}: {view}"
            );
        }
        assert!(!mount.join("forged").exists());
        let group = regex::Regex::new(r"group +(\d+) self (\d+)").unwrap();
        let ids = group.captures(&view).expect("the group line");
        assert_eq!(ids[1], ids[2], "its own process group: {view}");
    }

    #[tokio::test]
    async fn a_confined_process_cannot_see_or_write_the_mount_and_has_no_capabilities() {
        if !rustix::process::geteuid().is_root() {
            return; // The plain mount namespace is root's; the user namespace is tried next.
        }
        assert_confines(Namespace::Mount).await;
    }

    #[tokio::test]
    async fn a_user_namespace_confines_as_well() {
        assert_confines(Namespace::UserAndMount).await;
    }

    #[tokio::test]
    async fn without_a_namespace_the_mount_is_reachable_and_the_run_says_why() {
        let mount = tempfile::tempdir().unwrap();
        let workspace = mount.path().join("workspace");
        std::fs::create_dir(&workspace).unwrap();
        let build = || {
            let mut command = tokio::process::Command::new("/bin/true");
            command.stdout(std::process::Stdio::null());
            command
        };
        let (mut child, containment) = spawn(build, Some(mount.path()), &workspace).unwrap();
        child.wait().await.unwrap();
        assert_eq!(
            containment.mount,
            MountAccess::Reachable {
                why: "the agent's workspace lies under the bucket mount".into()
            }
        );
        assert!(containment.process_group);
        assert!(describe(&containment).contains("the bucket mount reachable"));
    }

    #[test]
    fn the_process_tree_finds_a_grandchild_and_skips_the_root() {
        let tree = ProcessTree {
            parents: HashMap::from([(10, 1), (11, 10), (12, 11), (20, 1)]),
        };
        let mut below = tree.descendants(10);
        below.sort_unstable();
        assert_eq!(below, [11, 12]);
        assert!(tree.descendants(12).is_empty());
    }

    #[test]
    fn this_process_is_in_the_tree_below_its_parent() {
        let tree = ProcessTree::read();
        let me = std::process::id() as i32;
        let parent = rustix::process::getppid().unwrap().as_raw_nonzero().get();
        assert!(tree.descendants(parent).contains(&me));
        assert!(!tree.descendants(me).contains(&me));
    }
}
