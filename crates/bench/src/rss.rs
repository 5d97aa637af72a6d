//! Resident memory as the kernel reports it in `/proc/PID/status`.

use std::path::Path;

/// Peak resident memory of the current process (`VmHWM`), in KiB (0 where there is no
/// procfs).
pub fn peak_rss_kib() -> u64 {
    status_field_kib(Path::new("/proc/self/status"), "VmHWM:")
}

/// A `kB` field (`VmRSS:`, `VmHWM:`, …) of a `status` file, in KiB; 0 when absent.
pub fn status_field_kib(status_file: &Path, field: &str) -> u64 {
    std::fs::read_to_string(status_file)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
