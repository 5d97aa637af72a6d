//! Phase 6's judgement: which Space hardware a model needs, from its size, dtype, pipeline
//! and library, priced from the Hub's hardware list, with every step of the reasoning kept.
//!
//! The rules, in order:
//! 1. CPU (`cpu-basic`, free) when the model is small enough to answer at interactive speed
//!    on two vCPUs (≤ [`CPU_MAX_PARAMETERS`]) and its float32 weights, with headroom, fit in
//!    three quarters of the flavor's RAM.
//! 2. ZeroGPU when the library runs on PyTorch (ZeroGPU lends a GPU to PyTorch code in
//!    Gradio apps) and the weights, with headroom, fit in its accelerator memory.
//! 3. Otherwise the cheapest fixed GPU flavor whose accelerator memory holds them.
//!
//! Headroom: weights × [`HEADROOM`] + [`RUNTIME_OVERHEAD_GB`] (activations, KV cache, the
//! CUDA context or the Python process).

use serde::Serialize;

use super::hardware::{Flavor, FlavorKind, ZERO_GPU};
use super::{ModelFacts, ModelSize};

/// The most parameters a text model should have to answer at interactive speed on
/// `cpu-basic`'s two vCPUs.
pub const CPU_MAX_PARAMETERS: u64 = 1_000_000_000;
/// Multiplier on the weights' size for what inference needs besides them.
pub const HEADROOM: f64 = 1.2;
/// Fixed memory of the runtime itself, in GB.
pub const RUNTIME_OVERHEAD_GB: f64 = 1.0;
/// The share of a CPU flavor's RAM a model may take.
pub const CPU_RAM_SHARE: f64 = 0.75;

/// Libraries whose models run on PyTorch (so on ZeroGPU).
const PYTORCH_LIBRARIES: &[&str] = &[
    "transformers",
    "diffusers",
    "sentence-transformers",
    "timm",
    "peft",
    "open_clip",
    "pyannote-audio",
    "speechbrain",
    "flair",
    "pytorch",
];

/// How sure the recommendation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Exact parameter count and a flavor that fits.
    High,
    /// An estimated count, or a flavor at its limit.
    Medium,
    /// Size unknown, or nothing fits.
    Low,
}

/// How one flavor fared.
#[derive(Debug, Clone, Serialize)]
pub struct Considered {
    /// The flavor.
    pub hardware: String,
    /// Its kind.
    pub kind: FlavorKind,
    /// Price per hour (USD), from the list.
    pub hourly_usd: Option<f64>,
    /// Whether the model fits on it.
    pub fits: bool,
    /// Why or why not.
    pub why: String,
}

/// A fixed GPU to fall back on, with its price.
#[derive(Debug, Clone, Serialize)]
pub struct Fallback {
    /// The flavor.
    pub hardware: String,
    /// Its display name.
    pub pretty_name: String,
    /// Its price per hour in USD.
    pub hourly_usd: Option<f64>,
}

/// The recommendation written to `runtime_recommendation.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The flavor to request (`cpu-basic`, `zero-a10g`, `t4-small`, …).
    pub hardware: String,
    /// Its display name.
    pub pretty_name: String,
    /// Its kind.
    pub kind: FlavorKind,
    /// Its price per hour in USD (ZeroGPU and cpu-basic are listed at 0).
    pub hourly_usd: Option<f64>,
    /// Memory the model needs on it, GB.
    pub memory_needed_gb: Option<f64>,
    /// Memory the flavor offers for it (RAM share for CPU, accelerator memory for GPU), GB.
    pub memory_available_gb: Option<f64>,
    /// Whether the model fits.
    pub fits: bool,
    /// When the choice is ZeroGPU: the cheapest fixed GPU that also holds the model, for
    /// accounts that cannot host (more) ZeroGPU Spaces.
    pub fixed_gpu_fallback: Option<Fallback>,
    /// How sure this is.
    pub confidence: Confidence,
    /// The reasoning, one sentence a step.
    pub reasoning: Vec<String>,
    /// Every flavor of the list and how it fared, cheapest first.
    pub considered: Vec<Considered>,
}

/// Recommends hardware for `facts` of size `size` among `flavors`.
pub fn recommend(
    facts: &ModelFacts,
    size: &ModelSize,
    flavors: &[Flavor],
) -> Option<Recommendation> {
    let library = facts.library();
    let pytorch = library
        .as_deref()
        .is_some_and(|l| PYTORCH_LIBRARIES.contains(&l));
    let gpu_need = size
        .weights_gb()
        .map(|w| round2(w * HEADROOM + RUNTIME_OVERHEAD_GB));
    let cpu_need = size
        .cpu_gb()
        .map(|w| round2(w * HEADROOM + RUNTIME_OVERHEAD_GB));
    let mut reasoning = vec![size_sentence(facts, size, library.as_deref())];
    if let (Some(g), Some(c)) = (gpu_need, cpu_need) {
        reasoning.push(format!(
            "With headroom (weights × {HEADROOM} + {RUNTIME_OVERHEAD_GB} GB) it needs ≈{g} GB on a GPU, ≈{c} GB on a CPU (float32 there)."
        ));
    }

    let mut sorted: Vec<&Flavor> = flavors.iter().collect();
    sorted.sort_by(|a, b| {
        a.hourly_usd
            .unwrap_or(f64::MAX)
            .total_cmp(&b.hourly_usd.unwrap_or(f64::MAX))
            .then(
                a.vram_gb
                    .unwrap_or(0.0)
                    .total_cmp(&b.vram_gb.unwrap_or(0.0)),
            )
    });
    let considered: Vec<Considered> = sorted
        .iter()
        .map(|f| judge(f, size, cpu_need, gpu_need, pytorch))
        .collect();
    let fits = |name: &str| considered.iter().any(|c| c.hardware == name && c.fits);

    let cpu = sorted
        .iter()
        .find(|f| f.kind == FlavorKind::Cpu && fits(&f.name));
    let zero = sorted
        .iter()
        .find(|f| f.kind == FlavorKind::ZeroGpu && fits(&f.name));
    let gpu = sorted
        .iter()
        .find(|f| f.kind == FlavorKind::Gpu && fits(&f.name));
    let small = size.parameters.is_some_and(|p| p <= CPU_MAX_PARAMETERS);

    let (choice, confidence) = if size.parameters.is_none() {
        reasoning.push(
            "The size is unknown (no safetensors metadata, no usable config.json), so the choice below is a guess."
                .into(),
        );
        let guess = if pytorch {
            sorted.iter().find(|f| f.kind == FlavorKind::ZeroGpu)
        } else {
            None
        }
        .or_else(|| sorted.iter().find(|f| f.kind == FlavorKind::Cpu));
        (guess.copied(), Confidence::Low)
    } else if let (Some(cpu), true) = (cpu, small) {
        reasoning.push(format!(
            "{} parameters run at interactive speed on {} ({}), and the weights fit in its RAM: no GPU needed.",
            size.human_parameters(),
            cpu.name,
            cpu.pretty_name
        ));
        (Some(*cpu), Confidence::High)
    } else if let Some(zero) = zero {
        let lead = if small {
            "No CPU flavor of the list holds it".to_owned()
        } else {
            format!(
                "At {} parameters CPU inference is too slow (the limit here is ≈{}B)",
                size.human_parameters(),
                CPU_MAX_PARAMETERS / 1_000_000_000
            )
        };
        reasoning.push(format!(
            "{lead}, so it needs a GPU. ZeroGPU ({ZERO_GPU}) holds it in {} GB of accelerator memory, free of hourly charges and lent per call: the app must be a Gradio app with `import spaces` and `@spaces.GPU` on its inference function.",
            fmt_gb(zero.vram_gb)
        ));
        if let Some(gpu) = gpu {
            reasoning.push(format!(
                "Where ZeroGPU is not available (free accounts host at most 2 ZeroGPU Spaces, PRO accounts 10), the cheapest fixed GPU that holds it is {} ({}) at ${}/hour.",
                gpu.name,
                gpu.pretty_name,
                gpu.hourly_usd.map_or("?".into(), |p| p.to_string())
            ));
        }
        (Some(*zero), Confidence::High)
    } else if let Some(gpu) = gpu {
        if !pytorch {
            reasoning.push(format!(
                "ZeroGPU is ruled out: it runs PyTorch code, and the library is {}.",
                library.as_deref().unwrap_or("unknown")
            ));
        } else if sorted.iter().any(|f| f.kind == FlavorKind::ZeroGpu) {
            reasoning.push("ZeroGPU's accelerator memory is too small for it.".into());
        }
        reasoning.push(format!(
            "The cheapest fixed GPU that holds it is {} ({}, {} GB), at ${}/hour while the Space runs.",
            gpu.name,
            gpu.pretty_name,
            fmt_gb(gpu.vram_gb),
            gpu.hourly_usd.map_or("?".into(), |p| p.to_string())
        ));
        (Some(*gpu), Confidence::High)
    } else {
        reasoning.push(
            "No single flavor of the list holds it: it needs quantization, sharding across GPUs, or an Inference Provider instead of a Space."
                .into(),
        );
        let biggest = sorted
            .iter()
            .filter(|f| f.vram_gb.is_some())
            .max_by(|a, b| {
                a.vram_gb
                    .unwrap_or(0.0)
                    .total_cmp(&b.vram_gb.unwrap_or(0.0))
            });
        (biggest.copied(), Confidence::Low)
    };
    let choice = choice?;
    let chosen = considered
        .iter()
        .find(|c| c.hardware == choice.name)
        .expect("the choice was considered");
    let confidence = match (confidence, size.source) {
        (Confidence::High, super::size::SizeSource::ConfigEstimate) => Confidence::Medium,
        (c, _) => c,
    };
    let (needed, available) = match choice.kind {
        FlavorKind::Cpu => (cpu_need, choice.ram_gb.map(|r| round2(r * CPU_RAM_SHARE))),
        _ => (gpu_need, choice.vram_gb),
    };
    let fixed_gpu_fallback = (choice.kind == FlavorKind::ZeroGpu)
        .then_some(gpu)
        .flatten()
        .map(|g| Fallback {
            hardware: g.name.clone(),
            pretty_name: g.pretty_name.clone(),
            hourly_usd: g.hourly_usd,
        });
    Some(Recommendation {
        hardware: choice.name.clone(),
        pretty_name: choice.pretty_name.clone(),
        kind: choice.kind,
        hourly_usd: choice.hourly_usd,
        memory_needed_gb: needed,
        memory_available_gb: available,
        fits: chosen.fits,
        fixed_gpu_fallback,
        confidence,
        reasoning,
        considered,
    })
}

fn judge(
    f: &Flavor,
    size: &ModelSize,
    cpu_need: Option<f64>,
    gpu_need: Option<f64>,
    pytorch: bool,
) -> Considered {
    let verdict = |fits: bool, why: String| Considered {
        hardware: f.name.clone(),
        kind: f.kind,
        hourly_usd: f.hourly_usd,
        fits,
        why,
    };
    match f.kind {
        FlavorKind::Cpu => match (cpu_need, f.ram_gb) {
            (Some(need), Some(ram)) => {
                let room = round2(ram * CPU_RAM_SHARE);
                let slow = size.parameters.is_some_and(|p| p > CPU_MAX_PARAMETERS);
                match (need <= room, slow) {
                    (true, false) => verdict(true, format!("needs ≈{need} GB of {room} GB usable RAM")),
                    (true, true) => verdict(false, format!("fits in RAM (≈{need} of {room} GB) but {} parameters are too slow on CPU", size.human_parameters())),
                    (false, _) => verdict(false, format!("needs ≈{need} GB, only {room} GB of RAM usable")),
                }
            }
            _ => verdict(false, "size or RAM unknown".into()),
        },
        FlavorKind::ZeroGpu | FlavorKind::Gpu => {
            if f.kind == FlavorKind::ZeroGpu && !pytorch {
                return verdict(false, "ZeroGPU runs PyTorch code only".into());
            }
            match (gpu_need, f.vram_gb) {
                (Some(need), Some(vram)) if need <= vram => verdict(
                    true,
                    format!("needs ≈{need} GB of {vram} GB accelerator memory"),
                ),
                (Some(need), Some(vram)) => verdict(
                    false,
                    format!("needs ≈{need} GB, has {vram} GB accelerator memory"),
                ),
                _ => verdict(false, "size or accelerator memory unknown".into()),
            }
        }
    }
}

fn size_sentence(facts: &ModelFacts, size: &ModelSize, library: Option<&str>) -> String {
    let source = match size.source {
        super::size::SizeSource::Safetensors => "counted from its safetensors metadata",
        super::size::SizeSource::ConfigEstimate => "estimated from config.json",
        super::size::SizeSource::Unknown => "unknown",
    };
    format!(
        "{} has {} parameters ({source}) in {} ({} bytes each, ≈{} GB of weights); pipeline {}, library {}.",
        facts.id,
        size.human_parameters(),
        size.dtype.as_deref().unwrap_or("an unknown dtype (float32 assumed)"),
        size.bytes_per_parameter,
        fmt_gb(size.weights_gb().map(round2)),
        facts.info.pipeline_tag.as_deref().unwrap_or("unknown"),
        library.unwrap_or("unknown"),
    )
}

fn fmt_gb(v: Option<f64>) -> String {
    v.map_or("?".into(), |v| {
        if v < 0.01 {
            format!("{v:.4}")
        } else {
            format!("{}", round2(v))
        }
    })
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::size::SizeSource;
    use serde_json::json;

    fn facts(library: &str) -> ModelFacts {
        ModelFacts {
            id: "alice/m".parse().unwrap(),
            info: serde_json::from_value(json!({"id": "alice/m", "library_name": library}))
                .unwrap(),
            card_body: None,
            config: None,
            unreadable: Vec::new(),
        }
    }

    fn size(parameters: Option<u64>) -> ModelSize {
        ModelSize {
            parameters,
            source: if parameters.is_some() {
                SizeSource::Safetensors
            } else {
                SizeSource::Unknown
            },
            dtype: Some("BF16".into()),
            bytes_per_parameter: 2.0,
        }
    }

    fn flavor(name: &str, kind: FlavorKind, ram: f64, vram: Option<f64>, usd: f64) -> Flavor {
        Flavor {
            name: name.into(),
            pretty_name: name.into(),
            kind,
            ram_gb: Some(ram),
            vram_gb: vram,
            accelerator: vram.map(|_| "GPU".into()),
            hourly_usd: Some(usd),
        }
    }

    fn list() -> Vec<Flavor> {
        vec![
            flavor("cpu-basic", FlavorKind::Cpu, 16.0, None, 0.0),
            flavor(ZERO_GPU, FlavorKind::ZeroGpu, 16.0, Some(24.0), 0.0),
            flavor("big-gpu", FlavorKind::Gpu, 100.0, Some(80.0), 4.0),
            flavor("small-gpu", FlavorKind::Gpu, 30.0, Some(16.0), 0.5),
        ]
    }

    #[test]
    fn unknown_size_is_a_low_confidence_guess() {
        let r = recommend(&facts("transformers"), &size(None), &list()).unwrap();
        assert_eq!(r.hardware, ZERO_GPU);
        assert_eq!(r.confidence, Confidence::Low);
        assert!(r.reasoning.iter().any(|s| s.contains("guess")));
    }

    #[test]
    fn a_model_nothing_holds_gets_the_largest_gpu_and_says_it_does_not_fit() {
        let r = recommend(&facts("transformers"), &size(Some(70_000_000_000)), &list()).unwrap();
        assert_eq!(r.hardware, "big-gpu");
        assert!(!r.fits);
        assert_eq!(r.confidence, Confidence::Low);
        assert!(r.reasoning.last().unwrap().contains("quantization"));
    }

    #[test]
    fn considered_flavors_are_sorted_by_price_and_explained() {
        let r = recommend(&facts("transformers"), &size(Some(7_000_000_000)), &list()).unwrap();
        assert_eq!(r.hardware, ZERO_GPU);
        let prices: Vec<f64> = r.considered.iter().map(|c| c.hourly_usd.unwrap()).collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        let small = r
            .considered
            .iter()
            .find(|c| c.hardware == "small-gpu")
            .unwrap();
        assert!(!small.fits && small.why.contains("16"), "{small:?}");
        assert_eq!(r.memory_needed_gb, Some(17.8));
        let fallback = r
            .fixed_gpu_fallback
            .as_ref()
            .expect("a fixed GPU to fall back on");
        assert_eq!(fallback.hardware, "big-gpu");
        assert_eq!(fallback.hourly_usd, Some(4.0));
        assert_eq!(r.memory_available_gb, Some(24.0));
    }
}
