//! Plans and payment: what an account may host and run, refused as huggingface.co refuses it.
//!
//! - A Gradio or Docker Space on CPU hardware (none asked for, `cpu-basic`, `cpu-upgrade`)
//!   needs a PRO user or a paid organization, else **402** with the Hub's message (issue
//!   ed-donner/agents#1469 and huggingface/agents-course#733 quote the server; hub-docs
//!   `spaces-overview.md`; huggingface_hub's `create_repo` docs "402 if payment required (e.g.
//!   Gradio/Docker Space and free user)"). Static Spaces are free for everyone.
//! - ZeroGPU (`zero-a10g`) Spaces: at most 2 for a free user, 10 for PRO, 50 for a paid
//!   organization, none for an unpaid one (hub-docs `spaces-zerogpu.md` "Hosting
//!   Limitations"; huggingface/skills PR #218). Past the cap: **402**; the Hub's status and
//!   wording for this refusal are not recorded anywhere we could read, so the message is ours.
//! - Jobs need an account that can pay (hub-docs `jobs-pricing.md`: "available to any user
//!   or organization with a positive credit balance"), else **402** (ml-intern treats 402
//!   on Job creation as "no credits"); the message is ours.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::errors::{ApiError, ApiResult};

/// A user's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Plan {
    /// A free personal account.
    #[default]
    Free,
    /// A PRO subscription.
    Pro,
}

/// A local organization: its members, and whether it is on a paid plan (Team/Enterprise).
#[derive(Debug, Clone)]
pub struct Org {
    /// The org's namespace.
    pub name: String,
    /// Stable id.
    pub id: String,
    /// Member user names (all may write in the org's namespace).
    pub members: Vec<String>,
    /// Team/Enterprise: it may host Gradio/Docker Spaces on CPU, 50 ZeroGPU Spaces, run Jobs.
    pub paid: bool,
}

impl Org {
    /// A paid organization with no members yet.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            id: format!("{:024x}", rand::random::<u128>() >> 32),
            members: Vec::new(),
            paid: true,
        }
    }
    /// Same org with one more member.
    pub fn member(mut self, user: &str) -> Self {
        self.members.push(user.into());
        self
    }
    /// Same org, on a paid plan or not.
    pub fn paid(mut self, paid: bool) -> Self {
        self.paid = paid;
        self
    }
    /// Whether `user` belongs to the org.
    pub fn has_member(&self, user: &str) -> bool {
        self.members.iter().any(|m| m == user)
    }
    /// The org as `whoami-v2` lists it (`canPay` only with billing rights).
    pub fn whoami_json(&self, billing: bool) -> Value {
        let mut v = json!({
            "type": "org",
            "id": self.id,
            "name": self.name,
            "fullname": self.name,
            "plan": if self.paid { "team" } else { "free" },
            "roleInOrg": "admin",
            "isEnterprise": false,
        });
        if billing {
            v["canPay"] = json!(self.paid);
        }
        v
    }
}

/// Who pays for what is created in a namespace: its user or its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// A user account.
    User {
        /// PRO.
        pro: bool,
        /// Has a payment method or credits.
        can_pay: bool,
    },
    /// An organization.
    Org {
        /// On a Team/Enterprise plan.
        paid: bool,
    },
}

/// The ZeroGPU hardware name (huggingface_hub's `SpaceHardware.ZERO_A10G`).
pub const ZERO_GPU: &str = "zero-a10g";

/// The 402 the Hub answers a free account creating a Gradio/Docker Space on CPU (quoted
/// from the server in ed-donner/agents#1469).
pub const CPU_SPACE_NEEDS_PRO: &str = "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription. Subscribe at https://huggingface.co/pro";

impl Payer {
    /// How many ZeroGPU Spaces the account may host.
    pub fn zero_gpu_cap(self) -> usize {
        match self {
            Payer::User { pro: false, .. } => 2,
            Payer::User { pro: true, .. } => 10,
            Payer::Org { paid: true } => 50,
            Payer::Org { paid: false } => 0,
        }
    }
    fn hosts_cpu_apps(self) -> bool {
        matches!(
            self,
            Payer::User { pro: true, .. } | Payer::Org { paid: true }
        )
    }
    fn can_pay(self) -> bool {
        match self {
            Payer::User { can_pay, .. } => can_pay,
            Payer::Org { paid } => paid,
        }
    }
}

/// Whether `hardware` (as asked for at create; `None` means the default `cpu-basic`) is CPU.
fn is_cpu(hardware: Option<&str>) -> bool {
    hardware.is_none_or(|h| h.starts_with("cpu-"))
}

/// May `payer` create a Space with this SDK and hardware, holding `zero_gpu_now` ZeroGPU
/// Spaces already? The Hub's refusal otherwise.
pub fn check_space(
    payer: Payer,
    sdk: &str,
    hardware: Option<&str>,
    zero_gpu_now: usize,
) -> ApiResult<()> {
    if sdk == "static" {
        return Ok(());
    }
    if hardware == Some(ZERO_GPU) {
        if sdk != "gradio" {
            return Err(ApiError::bad_request(
                "ZeroGPU hardware is only available for Gradio Spaces",
            ));
        }
        return zero_gpu_slot(payer, zero_gpu_now);
    }
    if is_cpu(hardware) && !payer.hosts_cpu_apps() {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            CPU_SPACE_NEEDS_PRO,
        ));
    }
    Ok(())
}

/// Whether one more ZeroGPU Space fits in `payer`'s cap, `now` being hosted.
fn zero_gpu_slot(payer: Payer, now: usize) -> ApiResult<()> {
    let cap = payer.zero_gpu_cap();
    if now < cap {
        return Ok(());
    }
    let message = match payer {
        Payer::User { pro: false, .. } => format!(
            "Free accounts can host up to {cap} ZeroGPU Spaces. Subscribe to PRO to host up to 10: https://huggingface.co/pro"
        ),
        Payer::User { pro: true, .. } => {
            format!("PRO accounts can host up to {cap} ZeroGPU Spaces.")
        }
        Payer::Org { paid: true } => {
            format!("Organizations can host up to {cap} ZeroGPU Spaces.")
        }
        Payer::Org { paid: false } => "Subscribe to a Team or Enterprise plan to host ZeroGPU Spaces in this organization: https://huggingface.co/enterprise".into(),
    };
    Err(ApiError::new(StatusCode::PAYMENT_REQUIRED, message))
}

/// May `payer` run a Job? 402 unless it can pay.
pub fn check_job(payer: Payer) -> ApiResult<()> {
    if payer.can_pay() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PAYMENT_REQUIRED,
        "Jobs are available to users and organizations with a positive credit balance. Add credits or a payment method at https://huggingface.co/settings/billing",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREE: Payer = Payer::User {
        pro: false,
        can_pay: true,
    };
    const PRO: Payer = Payer::User {
        pro: true,
        can_pay: true,
    };

    #[test]
    fn a_free_account_is_refused_a_gradio_or_docker_space_on_cpu_but_not_a_static_one() {
        for sdk in ["gradio", "docker"] {
            for hw in [None, Some("cpu-basic"), Some("cpu-upgrade")] {
                let e = check_space(FREE, sdk, hw, 0).unwrap_err();
                assert_eq!(e.status, StatusCode::PAYMENT_REQUIRED);
                assert_eq!(e.message, CPU_SPACE_NEEDS_PRO);
            }
        }
        assert!(check_space(FREE, "static", None, 0).is_ok());
        assert!(check_space(PRO, "gradio", None, 0).is_ok());
        assert!(check_space(Payer::Org { paid: true }, "docker", None, 0).is_ok());
        assert!(check_space(Payer::Org { paid: false }, "gradio", None, 0).is_err());
    }

    #[test]
    fn zero_gpu_slots_are_two_free_ten_pro_fifty_for_a_paid_org() {
        for (payer, cap) in [(FREE, 2), (PRO, 10), (Payer::Org { paid: true }, 50)] {
            assert!(check_space(payer, "gradio", Some(ZERO_GPU), cap - 1).is_ok());
            let e = check_space(payer, "gradio", Some(ZERO_GPU), cap).unwrap_err();
            assert_eq!(e.status, StatusCode::PAYMENT_REQUIRED);
            assert!(
                e.message.contains(&format!("up to {cap} ZeroGPU")),
                "{}",
                e.message
            );
        }
        let docker = check_space(PRO, "docker", Some(ZERO_GPU), 0).unwrap_err();
        assert_eq!(docker.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_job_needs_an_account_that_can_pay() {
        assert!(check_job(FREE).is_ok());
        let e = check_job(Payer::User {
            pro: false,
            can_pay: false,
        })
        .unwrap_err();
        assert_eq!(e.status, StatusCode::PAYMENT_REQUIRED);
        assert!(
            e.message.contains("positive credit balance"),
            "{}",
            e.message
        );
    }
}
