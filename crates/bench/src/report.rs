//! One row per figure: ours, the reference, their ratio; printed and written to
//! `bench/RESULTS.md` with the machine, the date and the commit, each row beside its
//! earlier figure and goal ([`crate::baseline`]) and the command that measures it again.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::baseline::{command_of, Baselines, BASELINE_FILE};

/// One measured (or not yet measured) figure.
pub struct Row {
    /// The item number of the list.
    pub item: &'static str,
    /// What is measured.
    pub what: String,
    /// Our figure, formatted.
    pub ours: String,
    /// The reference figure, formatted.
    pub reference: String,
    /// ours / reference.
    pub ratio: Option<f64>,
    /// Where the figure comes from or why it is missing.
    pub note: String,
}

impl Row {
    /// Milliseconds, ours vs the reference.
    pub fn ms(item: &'static str, what: &str, ours: f64, reference: f64) -> Row {
        Row::pair(item, what, ours, reference, "ms")
    }

    /// KiB, ours vs the reference.
    pub fn kib(item: &'static str, what: &str, ours: f64, reference: f64) -> Row {
        Row::pair(item, what, ours / 1024.0, reference / 1024.0, "MiB")
    }

    fn pair(item: &'static str, what: &str, ours: f64, reference: f64, unit: &str) -> Row {
        Row {
            item,
            what: what.into(),
            ours: format!("{ours:.1} {unit}"),
            reference: format!("{reference:.1} {unit}"),
            ratio: Some(ours / reference),
            note: String::new(),
        }
    }

    /// A figure with no reference counterpart.
    pub fn ours_only(item: &'static str, what: &str, ours: f64, note: &str) -> Row {
        Row {
            item,
            what: what.into(),
            ours: format!("{ours:.1}"),
            reference: "—".into(),
            ratio: None,
            note: note.into(),
        }
    }

    /// A figure that could not be taken.
    pub fn missing(item: &'static str, what: &str, why: &str) -> Row {
        Row {
            item,
            what: what.into(),
            ours: "not measured".into(),
            reference: "—".into(),
            ratio: None,
            note: why.into(),
        }
    }
}

/// The ratio with two decimals; a ratio below 0.1 also as a fraction, so a large gap does
/// not print as "0.00×".
fn ratio(r: &Row) -> String {
    match r.ratio {
        Some(x) if x > 0.0 && x < 0.1 => format!("{x:.3}× (1/{:.0})", 1.0 / x),
        Some(x) => format!("{x:.2}×"),
        None => "—".into(),
    }
}

/// How the harness itself was compiled: a debug build makes our Rust figures pessimistic.
fn harness_build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug (unoptimised; our Rust client figures are pessimistic)"
    } else {
        "release"
    }
}

/// The table on stdout.
pub fn print(rows: &[Row]) {
    println!("bench build: {}", harness_build());
    println!(
        "{:<4} {:<70} {:>14} {:>14} {:>8}",
        "item", "what", "ours", "reference", "ratio"
    );
    for r in rows {
        println!(
            "{:<4} {:<70} {:>14} {:>14} {:>8}",
            r.item,
            r.what,
            r.ours,
            r.reference,
            ratio(r)
        );
        if !r.note.is_empty() {
            println!("     {}", r.note);
        }
    }
}

fn output_of(program: &str, args: &[&str], dir: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// `bench/RESULTS.md`: machine, date, commit, then the table.
pub fn write(path: &Path, rows: &[Row], root: &Path) -> std::io::Result<()> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark results\n");
    let _ = writeln!(
        md,
        "Written by `scripts/bench.sh` (see `bench/README.md` for what each item measures).\n"
    );
    let _ = writeln!(
        md,
        "- machine: {} ({cpu}, {cores} cores visible)",
        output_of("uname", &["-srm"], root)
    );
    let _ = writeln!(
        md,
        "- date: {}",
        output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root)
    );
    let _ = writeln!(
        md,
        "- commit: {}",
        output_of("git", &["rev-parse", "--short", "HEAD"], root)
    );
    let _ = writeln!(md, "- bench build: {}", harness_build());
    let baselines = Baselines::read(root).map_err(std::io::Error::other)?;
    let _ = writeln!(
        md,
        "\nEarlier: the figure before (where from in brackets: issue 16's table, or the \
         results of an earlier commit), from `{BASELINE_FILE}`; goal: what it should be.\n"
    );
    let _ = writeln!(
        md,
        "| item | what | earlier | now | goal | reference | ratio | reproduce | note |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for r in rows {
        let (earlier, goal) = match baselines.of(r) {
            Some(b) => (format!("{} ({})", b.earlier, b.from), b.goal.clone()),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {earlier} | {} | {goal} | {} | {} | `{}` | {} |",
            r.item,
            r.what,
            r.ours,
            r.reference,
            ratio(r),
            command_of(r),
            r.note
        );
    }
    std::fs::create_dir_all(path.parent().unwrap_or(root))?;
    std::fs::write(path, md)
}
