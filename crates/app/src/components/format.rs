//! Small text formats the pages share: durations, prices, byte sizes.

/// `75` → `1m 15s`; `3725` → `1h 02m`; `9` → `9s`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Milliseconds as [`duration`], keeping one decimal under ten seconds.
pub fn duration_ms(ms: u64) -> String {
    if ms < 10_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        duration(ms / 1000)
    }
}

/// `0.6` → `$0.60`; a positive amount under a cent is `under $0.01` ([`runs::cost::usd`]).
pub fn usd(amount: f64) -> String {
    runs::cost::usd(amount)
}

/// `2048` → `2.0 KB`.
pub fn bytes(size: u64) -> String {
    match size {
        s if s < 1024 => format!("{s} B"),
        s if s < 1024 * 1024 => format!("{:.1} KB", s as f64 / 1024.0),
        s => format!("{:.1} MB", s as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_naturally() {
        assert_eq!(duration(9), "9s");
        assert_eq!(duration(75), "1m 15s");
        assert_eq!(duration(3725), "1h 02m");
        assert_eq!(duration_ms(1234), "1.2s");
        assert_eq!(duration_ms(65_000), "1m 05s");
        assert_eq!(usd(0.6), "$0.60");
        assert_eq!(usd(0.004), "under $0.01");
        assert_eq!(bytes(2048), "2.0 KB");
    }
}
