//! The processes the hub starts (Job commands, Space apps). Each leads a process group of
//! its own, so a signal to the group reaches everything it started, and the hub can stop
//! them all when it stops (on drop, or on its owner's signal): nothing outlives it.

/// The signals the hub sends its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ask to stop (`SIGTERM`): a cancel, a timeout, a Space restarted by a commit.
    Ask,
    /// Stop now (`SIGKILL`): a cancel or timeout that was not heeded, or the hub stopping.
    Force,
}

/// Sends `stop` to the process group led by `pgid` (a process spawned with
/// `process_group(0)`).
pub fn signal_group(pgid: u32, stop: Stop) {
    let signal = match stop {
        Stop::Ask => libc::SIGTERM,
        Stop::Force => libc::SIGKILL,
    };
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
    unsafe {
        libc::kill(-pgid, signal);
    }
}
