//! Which layers held the coding agent in: the worker records this for every agent run (an
//! event when the agent starts, and in its end report), so a run says what protected the
//! user's token and the bucket, not only that the agent ran.

use serde::{Deserialize, Serialize};

/// The containment layers in force for one agent run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Containment {
    /// The agent ran in a process group of its own, signalled as a whole.
    pub process_group: bool,
    /// The worker adopts what escapes that group (`setsid`, double forks) as a child
    /// subreaper, and kills every descendant it finds once the agent is done.
    pub subreaper: bool,
    /// Whether the agent could see the bucket mount.
    pub mount: MountAccess,
    /// What privileges the agent kept.
    pub privileges: Privileges,
    /// The worker's own process is not dumpable: its environment, memory and file
    /// descriptors cannot be read through `/proc` by the agent.
    pub worker_non_dumpable: bool,
    /// The agent's environment held no secret: it reached the model (and, when it needed
    /// to, the Hub) only through the worker's loopback gateway, with a key of the run's own.
    pub gateway: bool,
}

/// Whether the agent could reach the bucket mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum MountAccess {
    /// Covered by an empty read-only folder in a mount namespace of the agent's own.
    Hidden {
        /// `mount namespace` or `user and mount namespace`.
        how: String,
    },
    /// Visible to the agent (its working folder is elsewhere).
    Reachable {
        /// Why it could not be hidden.
        why: String,
    },
}

impl MountAccess {
    /// Whether the agent could not see the mount.
    pub fn is_hidden(&self) -> bool {
        matches!(self, MountAccess::Hidden { .. })
    }
}

/// The privileges the agent ran with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privileges {
    /// The worker ran as root; the agent ran with every capability dropped (bounding set
    /// included) and `no_new_privs`, so it cannot read other processes' memory or
    /// environment, nor override file permissions.
    CapabilitiesDropped,
    /// The worker itself was unprivileged, and so was the agent (`no_new_privs` set).
    Unprivileged,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Agent, AgentEvent};

    #[test]
    fn a_contained_event_reads_back_as_written() {
        let containment = Containment {
            process_group: true,
            subreaper: true,
            mount: MountAccess::Hidden {
                how: "mount namespace".into(),
            },
            privileges: Privileges::CapabilitiesDropped,
            worker_non_dumpable: true,
            gateway: true,
        };
        let event = AgentEvent::Contained {
            containment: containment.clone(),
        };
        let data = event.to_data(Agent::Pi);
        assert_eq!(data["kind"], "contained");
        assert_eq!(data["containment"]["mount"]["access"], "hidden");
        assert_eq!(data["containment"]["privileges"], "capabilities_dropped");
        let line = serde_json::json!({
            "time": "2026-01-01T00:00:00.000Z", "seq": 3, "stage": "agent_edit",
            "level": "info", "message": "Pi ran contained", "data": data
        });
        let parsed: crate::Event = serde_json::from_value(line).unwrap();
        assert_eq!(AgentEvent::of(&parsed), Some((Agent::Pi, event)));
        assert!(containment.mount.is_hidden());
        assert!(!MountAccess::Reachable { why: "x".into() }.is_hidden());
    }
}
