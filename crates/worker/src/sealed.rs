//! The worker's secrets out of every process environment: a Job hands the worker its
//! secrets (the user's token, an endpoint's key) as environment variables, where any
//! process of the same user could read them in `/proc/<pid>/environ`. So the first thing
//! `main` does is [`environment`]: it moves every secret-named variable into an anonymous
//! memory file, re-executes the worker without them, and the new image reads them back and
//! closes the file. The worker is also made non-dumpable, so its memory, file descriptors
//! and environment cannot be read through `/proc` by the agent it starts.

use crate::engine::redact::SECRET_NAME_SUFFIXES;
use std::ffi::OsString;
use std::io::{Read, Seek, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::atomic::{AtomicBool, Ordering};

/// Names the file descriptor the re-executed worker reads its secrets from.
pub const SEALED_FD_ENV: &str = "SPACE_FACTORY_SEALED_FD";

static NON_DUMPABLE: AtomicBool = AtomicBool::new(false);

/// Whether this process made itself non-dumpable.
pub fn non_dumpable() -> bool {
    NON_DUMPABLE.load(Ordering::SeqCst)
}

/// Whether a variable of this name holds a secret (what the redactor also removes).
pub fn is_secret_name(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_SUFFIXES
        .iter()
        .any(|suffix| upper.ends_with(suffix.as_bytes()))
}

/// The worker's variables, secrets included, with no secret left in its environment:
/// re-executes the worker once without them (this call does not return then), and in the
/// re-executed worker reads them back. Call first, while the process has one thread.
/// When the memory file or the re-exec fails, says so on stderr and goes on with the
/// environment as it is.
pub fn environment() -> Vec<(OsString, OsString)> {
    make_non_dumpable();
    let vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    if let Some((_, fd)) = vars.iter().find(|(name, _)| name == SEALED_FD_ENV) {
        let mut vars: Vec<_> = vars
            .iter()
            .filter(|(name, _)| name != SEALED_FD_ENV)
            .cloned()
            .collect();
        match unseal(fd) {
            Ok(secrets) => vars.extend(secrets),
            Err(err) => eprintln!("worker: cannot read the sealed secrets: {err}"),
        }
        return vars;
    }
    let (secrets, plain): (Vec<_>, Vec<_>) = vars
        .iter()
        .cloned()
        .partition(|(name, _)| is_secret_name(name.as_bytes()));
    if secrets.is_empty() {
        return vars;
    }
    let err = reexec(&secrets, &plain);
    eprintln!("worker: cannot re-execute without the secrets in the environment: {err}");
    vars
}

fn make_non_dumpable() {
    if rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .is_ok()
    {
        NON_DUMPABLE.store(true, Ordering::SeqCst);
    }
}

/// `name NUL value NUL` for each secret, in a memory file left open across `exec`; then
/// the worker again, with the same arguments, without the secrets. Returns only on failure.
fn reexec(secrets: &[(OsString, OsString)], plain: &[(OsString, OsString)]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    let file =
        match rustix::fs::memfd_create(c"space-factory-secrets", rustix::fs::MemfdFlags::empty()) {
            Ok(fd) => std::fs::File::from(fd),
            Err(err) => return err.into(),
        };
    let mut file = file;
    let mut bytes = Vec::new();
    for (name, value) in secrets {
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
    }
    if let Err(err) = file.write_all(&bytes).and_then(|()| file.rewind()) {
        return err;
    }
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| "worker".into());
    let err = std::process::Command::new("/proc/self/exe")
        .arg0(arg0)
        .args(args)
        .env_clear()
        .envs(plain.iter().cloned())
        .env(SEALED_FD_ENV, file.as_raw_fd().to_string())
        .exec();
    drop(file);
    err
}

/// Reads the secrets back from the file descriptor `fd` names, and closes it.
fn unseal(fd: &OsString) -> Result<Vec<(OsString, OsString)>, String> {
    let fd: i32 = fd
        .to_str()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 2)
        .ok_or_else(|| format!("{SEALED_FD_ENV} is not a file descriptor"))?;
    // SAFETY: the worker before exec left this descriptor open for this image alone, and
    // nothing else here uses it; the `File` closes it.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    drop(file);
    let mut parts = bytes.split(|&b| b == 0);
    let mut secrets = Vec::new();
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        if !name.is_empty() {
            secrets.push((
                OsString::from_vec(name.to_vec()),
                OsString::from_vec(value.to_vec()),
            ));
        }
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_the_redactors() {
        assert!(is_secret_name(b"HF_TOKEN"));
        assert!(is_secret_name(b"space_factory_agent_api_key"));
        assert!(!is_secret_name(b"HF_ENDPOINT"));
        assert!(!is_secret_name(SEALED_FD_ENV.as_bytes()));
    }
}
