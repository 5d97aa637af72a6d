//! Finding the Pi coding agent, or installing the pinned version with npm.
//!
//! Pi is a Node program published on npm. The worker uses one pinned version (package and
//! version are configurable), looked for in this order: an explicit binary
//! (`SPACE_FACTORY_PI_BIN`), then an npm prefix folder that already holds the pinned version
//! (`SPACE_FACTORY_PI_PREFIX`, `tools/pi` in the repository for tests and CI, a Job image's
//! own folder), and only then an `npm install` of the pinned version into that prefix.

use std::path::PathBuf;
use std::time::Duration;

/// The npm package the factory drives by default (frozen at its last release under this
/// scope; Node ≥ 20.6 is enough).
pub const DEFAULT_PACKAGE: &str = "@mariozechner/pi-coding-agent";
/// The pinned version of [`DEFAULT_PACKAGE`].
pub const DEFAULT_VERSION: &str = "0.73.1";

/// Environment variable naming a `pi` binary to use as-is.
pub const PI_BIN_ENV: &str = "SPACE_FACTORY_PI_BIN";
/// Environment variable naming the npm prefix folder Pi is found in or installed into.
pub const PI_PREFIX_ENV: &str = runs::job::PI_PREFIX_ENV;

/// How long an `npm install` may take before it is given up.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Which Pi to use and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiInstall {
    /// The npm package name.
    pub package: String,
    /// The exact version.
    pub version: String,
    /// The npm prefix folder (`<prefix>/node_modules/.bin/pi`).
    pub prefix: PathBuf,
    /// A `pi` executable to use as-is instead ([`PI_BIN_ENV`]), when one is named.
    pub binary: Option<PathBuf>,
}

/// A Pi binary ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiBinary {
    /// The `pi` executable.
    pub path: PathBuf,
    /// Its version, as its `package.json` says (`None` for an explicit binary).
    pub version: Option<String>,
}

/// Why no Pi could be found or installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// `SPACE_FACTORY_PI_BIN` names a file that is not there.
    #[error("{PI_BIN_ENV} names {0}, which does not exist")]
    MissingBinary(PathBuf),
    /// npm could not be started.
    #[error("cannot run npm to install {package}@{version}: {source}")]
    NoNpm {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// npm ran and failed, or left no `pi` behind.
    #[error("npm install {package}@{version} into {prefix} failed: {detail}")]
    Failed {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// The prefix folder.
        prefix: PathBuf,
        /// npm's last lines, or what is missing.
        detail: String,
    },
}

impl PiInstall {
    /// The pinned default package in `prefix`.
    pub fn pinned(prefix: impl Into<PathBuf>) -> PiInstall {
        PiInstall {
            package: DEFAULT_PACKAGE.into(),
            version: DEFAULT_VERSION.into(),
            prefix: prefix.into(),
            binary: None,
        }
    }

    /// The configured Pi: an explicit binary ([`PI_BIN_ENV`]) when one is named, else the
    /// pinned default package in the configured prefix ([`PI_PREFIX_ENV`], else
    /// `~/.cache/space-factory/pi`).
    pub fn from_config(config: &crate::config::WorkerConfig) -> PiInstall {
        PiInstall {
            binary: config.pi_bin.clone(),
            ..PiInstall::pinned(config.pi_prefix.clone())
        }
    }

    /// `<prefix>/node_modules/.bin/pi`.
    pub fn binary_path(&self) -> PathBuf {
        self.prefix.join("node_modules").join(".bin").join("pi")
    }

    /// The version installed in the prefix, read from the package's `package.json`.
    pub fn installed_version(&self) -> Option<String> {
        let manifest = self
            .prefix
            .join("node_modules")
            .join(&self.package)
            .join("package.json");
        let text = std::fs::read_to_string(manifest).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value["version"].as_str().map(str::to_owned)
    }

    /// The explicit [`PiInstall::binary`], else the pinned version in the prefix, else
    /// installs it there with npm (`--ignore-scripts`: Pi needs none of its dependencies'
    /// install scripts).
    pub async fn find_or_install(&self) -> Result<PiBinary, InstallError> {
        if let Some(path) = self.binary.clone() {
            if !path.is_file() {
                return Err(InstallError::MissingBinary(path));
            }
            return Ok(PiBinary {
                path,
                version: None,
            });
        }
        if let Some(found) = self.find() {
            return Ok(found);
        }
        self.install().await?;
        self.find().ok_or_else(|| InstallError::Failed {
            package: self.package.clone(),
            version: self.version.clone(),
            prefix: self.prefix.clone(),
            detail: format!(
                "no {} with version {} afterwards",
                self.binary_path().display(),
                self.version
            ),
        })
    }

    /// The pinned version in the prefix, if it is there.
    pub fn find(&self) -> Option<PiBinary> {
        let path = self.binary_path();
        let version = self.installed_version()?;
        (version == self.version && path.is_file()).then_some(PiBinary {
            path,
            version: Some(version),
        })
    }

    async fn install(&self) -> Result<(), InstallError> {
        std::fs::create_dir_all(&self.prefix).map_err(|source| InstallError::NoNpm {
            package: self.package.clone(),
            version: self.version.clone(),
            source,
        })?;
        let spec = format!("{}@{}", self.package, self.version);
        let mut command = tokio::process::Command::new("npm");
        command
            .arg("install")
            .arg("--prefix")
            .arg(&self.prefix)
            .args([
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .arg(&spec)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(INSTALL_TIMEOUT, command.output())
            .await
            .map_err(|_| self.failed(format!("no answer within {} s", INSTALL_TIMEOUT.as_secs())))?
            .map_err(|source| InstallError::NoNpm {
                package: self.package.clone(),
                version: self.version.clone(),
                source,
            })?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        Err(self.failed(format!(
            "{}: {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )))
    }

    fn failed(&self, detail: String) -> InstallError {
        InstallError::Failed {
            package: self.package.clone(),
            version: self.version.clone(),
            prefix: self.prefix.clone(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_with_another_version_is_not_taken_for_the_pinned_one() {
        let dir = tempfile::tempdir().unwrap();
        let install = PiInstall::pinned(dir.path());
        assert_eq!(install.find(), None);
        let pkg = dir.path().join("node_modules").join(DEFAULT_PACKAGE);
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("package.json"), r#"{"version":"0.1.0"}"#).unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/.bin")).unwrap();
        std::fs::write(install.binary_path(), "").unwrap();
        assert_eq!(install.installed_version().as_deref(), Some("0.1.0"));
        assert_eq!(install.find(), None);
        std::fs::write(
            pkg.join("package.json"),
            format!(r#"{{"version":"{DEFAULT_VERSION}"}}"#),
        )
        .unwrap();
        assert_eq!(
            install.find(),
            Some(PiBinary {
                path: install.binary_path(),
                version: Some(DEFAULT_VERSION.into())
            })
        );
    }

    #[test]
    fn the_repository_pins_the_same_version_as_the_worker() {
        let manifest =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pi/package.json");
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
        assert_eq!(value["dependencies"][DEFAULT_PACKAGE], DEFAULT_VERSION);
    }
}
