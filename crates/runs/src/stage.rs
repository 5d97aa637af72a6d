//! The stages the Hub reports for a Job and for a Space, as enums with an `Other` arm for
//! stages the Hub adds later (HUB_API.md §2 and §5: the Hub's own clients parse them as open
//! strings). On the wire they stay the Hub's strings. They live here, not in `hub`, because
//! the browser shows them and `runs` is the crate that compiles to wasm; `hub` re-exports
//! them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares a stage enum whose variants map one-to-one to the Hub's upper-case names, plus
/// `Other(String)` keeping an unknown name as sent.
macro_rules! hub_stage {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A stage this code does not know, as the Hub sent it.
            Other(String),
        }

        impl $name {
            /// The Hub's name for the stage.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(name) => name,
                }
            }

            fn known(name: &str) -> Option<$name> {
                match name {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> $name {
                $name::parse(name)
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> $name {
                $name::parse(name.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(stage: $name) -> String {
                match stage {
                    $name::Other(name) => name,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

hub_stage! {
    /// Where a Job stands (HUB_API.md §2).
    JobStage {
        /// Waiting for hardware.
        Scheduling = "SCHEDULING",
        /// The command runs.
        Running = "RUNNING",
        /// Being changed; not over.
        Updating = "UPDATING",
        /// The command exited (with any code).
        Completed = "COMPLETED",
        /// Cancelled by its owner.
        Canceled = "CANCELED",
        /// Failed: a non-zero exit, a timeout, or the Hub could not run it.
        Error = "ERROR",
        /// Deleted.
        Deleted = "DELETED",
    }
}

impl JobStage {
    /// Reads a Hub stage name; case does not matter, and `CANCELLED` is `CANCELED`.
    fn parse(name: String) -> JobStage {
        let upper = name.to_ascii_uppercase();
        match upper.as_str() {
            "CANCELLED" => JobStage::Canceled,
            known => JobStage::known(known).unwrap_or(JobStage::Other(name)),
        }
    }

    /// Whether the Job is over (COMPLETED, CANCELED, ERROR or DELETED).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStage::Completed | JobStage::Canceled | JobStage::Error | JobStage::Deleted
        )
    }
}

hub_stage! {
    /// Where a Space stands (HUB_API.md §5).
    SpaceStage {
        /// The repository has no app file (yet: right after a commit the Hub may not have
        /// seen it).
        NoAppFile = "NO_APP_FILE",
        /// The README's configuration is invalid.
        ConfigError = "CONFIG_ERROR",
        /// The image is being built.
        Building = "BUILDING",
        /// The image build failed.
        BuildError = "BUILD_ERROR",
        /// The app is being started.
        AppStarting = "APP_STARTING",
        /// A new version's app is starting while the old one runs.
        RunningAppStarting = "RUNNING_APP_STARTING",
        /// A new version builds while the old one runs.
        RunningBuilding = "RUNNING_BUILDING",
        /// The app is up.
        Running = "RUNNING",
        /// The app crashed.
        RuntimeError = "RUNTIME_ERROR",
        /// Being deleted.
        Deleting = "DELETING",
        /// Stopped by its owner.
        Stopped = "STOPPED",
        /// Paused by its owner.
        Paused = "PAUSED",
        /// Asleep after its sleep time; a visit wakes it.
        Sleeping = "SLEEPING",
    }
}

/// One classification of Space stages, for everyone who waits on a Space: running, failed
/// (waiting will not help), starting (built, the app coming up), or else building. A Space
/// with no app file counts as building, because right after a commit the Hub may not have
/// seen it yet; [`SpaceStage::lacks_app_file`] lets a waiter give up on it after a grace.
impl SpaceStage {
    fn parse(name: String) -> SpaceStage {
        SpaceStage::known(&name).unwrap_or(SpaceStage::Other(name))
    }

    /// Whether the app is up (`RUNNING`; that is not "working": call its API to know).
    pub fn is_running(&self) -> bool {
        *self == SpaceStage::Running
    }

    /// Stages after which waiting will not help without a new commit or the owner acting.
    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            SpaceStage::BuildError
                | SpaceStage::RuntimeError
                | SpaceStage::ConfigError
                | SpaceStage::Deleting
                | SpaceStage::Paused
                | SpaceStage::Stopped
        )
    }

    /// Built, the app coming up: counts against a start budget, not a build budget.
    pub fn is_starting(&self) -> bool {
        matches!(
            self,
            SpaceStage::AppStarting | SpaceStage::RunningAppStarting | SpaceStage::RunningBuilding
        )
    }

    /// Queued or building (also: no app file yet, asleep, and stages added later).
    pub fn is_building(&self) -> bool {
        !self.is_running() && !self.is_failed() && !self.is_starting()
    }

    /// No app file: building for a short while after a commit, a failure after that.
    pub fn lacks_app_file(&self) -> bool {
        *self == SpaceStage::NoAppFile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_and_write_the_hubs_strings() {
        let stage: JobStage = serde_json::from_str("\"RUNNING\"").unwrap();
        assert_eq!(stage, JobStage::Running);
        assert_eq!(serde_json::to_string(&stage).unwrap(), "\"RUNNING\"");
        let new: SpaceStage = serde_json::from_str("\"WARMING_UP\"").unwrap();
        assert_eq!(new, SpaceStage::Other("WARMING_UP".into()));
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"WARMING_UP\"");
        assert_eq!(new, "WARMING_UP");
        assert_eq!(SpaceStage::NoAppFile.to_string(), "NO_APP_FILE");
    }

    #[test]
    fn job_stages_ignore_case_and_the_british_spelling() {
        assert_eq!(JobStage::from("canceled"), JobStage::Canceled);
        assert_eq!(JobStage::from("CANCELLED"), JobStage::Canceled);
        assert_eq!(JobStage::from("Later"), JobStage::Other("Later".into()));
        for (stage, over) in [
            ("COMPLETED", true),
            ("CANCELED", true),
            ("ERROR", true),
            ("DELETED", true),
            ("RUNNING", false),
            ("UPDATING", false),
            ("SCHEDULING", false),
            ("SOMETHING_NEW", false),
        ] {
            assert_eq!(JobStage::from(stage).is_terminal(), over, "{stage}");
        }
    }

    #[test]
    fn every_space_stage_has_one_class() {
        use SpaceStage::*;
        let all = [
            NoAppFile,
            ConfigError,
            Building,
            BuildError,
            AppStarting,
            RunningAppStarting,
            RunningBuilding,
            Running,
            RuntimeError,
            Deleting,
            Stopped,
            Paused,
            Sleeping,
            Other("SOME_NEW_STAGE".into()),
        ];
        for stage in all {
            let classes = [
                stage.is_running(),
                stage.is_failed(),
                stage.is_starting(),
                stage.is_building(),
            ];
            assert_eq!(classes.iter().filter(|c| **c).count(), 1, "{stage}");
        }
        assert!(NoAppFile.is_building() && NoAppFile.lacks_app_file());
        assert!(Sleeping.is_building() && Other("X".into()).is_building());
        for failed in [
            BuildError,
            RuntimeError,
            ConfigError,
            Deleting,
            Paused,
            Stopped,
        ] {
            assert!(failed.is_failed(), "{failed}");
        }
    }
}
