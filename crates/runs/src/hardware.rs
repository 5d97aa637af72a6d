//! Which hardware is a deliberate choice: a dedicated GPU bills by the hour for as long as
//! it runs (a Job until its timeout, a Space until it is paused), so choosing one takes a
//! confirmation of the cost, and a factory offers only the GPUs it allows. CPU flavors and
//! ZeroGPU are not such choices.

/// ZeroGPU: GPUs shared on demand, free within a plan's quota, for Gradio Spaces only.
pub const ZERO_GPU: &str = "zero-a10g";

/// The fixed GPU the article recipe asks for when ZeroGPU is refused and the user allowed
/// a fixed GPU (the wizard says so, and prices it).
pub const FALLBACK_GPU: &str = "t4-small";

/// Whether `flavor` is a dedicated GPU that bills by the hour.
pub fn is_paid_gpu(flavor: &str) -> bool {
    let flavor = flavor.trim();
    !flavor.is_empty() && !flavor.starts_with("cpu-") && flavor != ZERO_GPU
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dedicated_gpus_are_a_paid_choice() {
        for paid in ["t4-small", "a10g-large", "h100x8", "l4x1"] {
            assert!(is_paid_gpu(paid), "{paid}");
        }
        for free in ["", "cpu-basic", "cpu-upgrade", "zero-a10g"] {
            assert!(!is_paid_gpu(free), "{free}");
        }
    }
}
