//! The Space hardware list as the Hub gives it (`GET /api/spaces/hardware`), read into
//! what a recommendation needs: kind, memory, accelerator memory and hourly price.

use hub::jobs::HardwareFlavor;
use serde::Serialize;
use serde_json::Value;

/// The ZeroGPU flavor's name (its legacy name: the hardware behind it changes).
pub const ZERO_GPU: &str = "zero-a10g";

/// What kind of machine a flavor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlavorKind {
    /// CPU only.
    Cpu,
    /// ZeroGPU: a GPU lent per call to Gradio apps on PyTorch.
    ZeroGpu,
    /// A GPU of its own, billed while the Space runs.
    Gpu,
}

/// One flavor, read for sizing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flavor {
    /// `cpu-basic`, `t4-small`, …
    pub name: String,
    /// Display name.
    pub pretty_name: String,
    /// Kind.
    pub kind: FlavorKind,
    /// RAM in GB, when the list says.
    pub ram_gb: Option<f64>,
    /// Accelerator memory in GB (per flavor, all accelerators together), when any.
    pub vram_gb: Option<f64>,
    /// Accelerator model, e.g. `T4`.
    pub accelerator: Option<String>,
    /// Price per hour in USD, from the list's unit price.
    pub hourly_usd: Option<f64>,
}

impl Flavor {
    /// Reads one entry of the list.
    pub fn from_hub(f: &HardwareFlavor) -> Flavor {
        let acc = f.accelerator.as_ref().filter(|a| !a.is_null());
        let quantity = acc
            .and_then(|a| a.get("quantity"))
            .and_then(number)
            .unwrap_or(1.0);
        let vram = acc.and_then(|a| a.get("vram")).and_then(gigabytes);
        let kind = if f.name == ZERO_GPU {
            FlavorKind::ZeroGpu
        } else if acc.is_some() {
            FlavorKind::Gpu
        } else {
            FlavorKind::Cpu
        };
        let unit = f.unit_cost_usd.or(f.unit_cost_micro_usd.map(|m| m / 1e6));
        let per_hour = match f.unit_label.as_deref() {
            Some("minute") => 60.0,
            Some("second") => 3600.0,
            _ => 1.0,
        };
        Flavor {
            name: f.name.clone(),
            pretty_name: f.pretty_name.clone().unwrap_or_else(|| f.name.clone()),
            kind,
            ram_gb: f.ram.as_ref().and_then(gigabytes),
            vram_gb: vram.map(|v| v * quantity),
            accelerator: acc
                .and_then(|a| a.get("model"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            hourly_usd: unit.map(|u| (u * per_hour * 10_000.0).round() / 10_000.0),
        }
    }
}

/// `"16 GB"`, `"16GB"`, `"16 GiB"`, `"512 MB"` or a bare number (GB) as GB.
pub fn gigabytes(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let digits: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: f64 = digits.parse().ok()?;
    let unit = s[digits.len()..].trim().to_ascii_uppercase();
    Some(match unit.as_str() {
        "TB" | "TIB" => n * 1000.0,
        "MB" | "MIB" => n / 1000.0,
        _ => n,
    })
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_memory_and_prices() {
        let f: HardwareFlavor = serde_json::from_value(json!({
            "name": "t4-small", "prettyName": "Nvidia T4 - small", "ram": "15 GB",
            "accelerator": {"type": "gpu", "model": "T4", "quantity": "1", "vram": "16 GB"},
            "unitCostUSD": 0.006667, "unitLabel": "minute"
        }))
        .unwrap();
        let f = Flavor::from_hub(&f);
        assert_eq!(f.kind, FlavorKind::Gpu);
        assert_eq!(f.vram_gb, Some(16.0));
        assert_eq!(f.ram_gb, Some(15.0));
        assert_eq!(f.hourly_usd, Some(0.4));
        assert_eq!(gigabytes(&json!("512 MB")), Some(0.512));
        assert_eq!(gigabytes(&json!(24)), Some(24.0));
    }
}
