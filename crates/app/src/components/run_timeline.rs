//! The run's timeline: each step, and the coding agent's turns under its step, on one
//! time axis with durations and outcomes, as inline SVG rendered by the server (the same
//! markup in the hydrated page: no script, no chart library), with the same as a table for
//! screen readers and plain text.

use crate::components::format::duration_ms;
use crate::components::timeline_layout::{
    layout, Bar, BarKind, Outcome, Timeline, AXIS_HEIGHT, BARS_WIDTH, BARS_X, VIEW_WIDTH,
};
use leptos::prelude::*;
use runs::{Event, StepRecord};

/// The timeline panel; nothing until a step has started.
#[component]
pub fn RunTimeline(
    #[prop(into)] steps: Signal<Vec<StepRecord>>,
    #[prop(into)] events: Signal<Vec<Event>>,
) -> impl IntoView {
    // One signal read at a time (never one inside another's).
    let timeline = move || {
        let steps = steps.get();
        events.with(|events| layout(&steps, events))
    };
    move || {
        timeline().map(|timeline| {
            view! {
                <section class="panel run-timeline" aria-labelledby="timeline-heading">
                    <h2 id="timeline-heading">"Timeline"</h2>
                    <TimelineChart timeline />
                </section>
            }
            .into_any()
        })
    }
}

/// The SVG of `timeline` and its table.
#[component]
pub fn TimelineChart(timeline: Timeline) -> impl IntoView {
    let height = timeline.height;
    let axis_bottom = height - 4.0;
    let rows = timeline.bars.clone();
    view! {
        <figure class="timeline">
            <svg
                class="timeline-chart"
                viewBox=format!("0 0 {VIEW_WIDTH} {height:.0}")
                role="img"
                aria-labelledby="timeline-title"
            >
                <title id="timeline-title">
                    {format!(
                        "Timeline of {} steps over {}",
                        timeline.bars.iter().filter(|b| b.kind == BarKind::Step).count(),
                        duration_ms(timeline.span_ms),
                    )}
                </title>
                <g class="tl-axis">
                    {timeline
                        .ticks
                        .into_iter()
                        .map(|tick| {
                            view! {
                                <line
                                    x1=format!("{:.1}", tick.x)
                                    x2=format!("{:.1}", tick.x)
                                    y1="18"
                                    y2=format!("{axis_bottom:.0}")
                                ></line>
                                <text x=format!("{:.1}", tick.x) y="13" text-anchor="middle">
                                    {tick.label}
                                </text>
                            }
                        })
                        .collect_view()}
                </g>
                {timeline.bars.into_iter().map(bar).collect_view()}
                <line
                    class="tl-baseline"
                    x1=format!("{BARS_X}")
                    x2=format!("{}", BARS_X + BARS_WIDTH)
                    y1=format!("{AXIS_HEIGHT}")
                    y2=format!("{AXIS_HEIGHT}")
                ></line>
            </svg>
            <details class="timeline-table">
                <summary>"The timeline as a table"</summary>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Step"</th>
                            <th scope="col">"Starts after"</th>
                            <th scope="col">"Duration"</th>
                            <th scope="col">"Outcome"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|b| {
                                view! {
                                    <tr class=format!("tl-row tl-{}", b.outcome.slug())>
                                        <th scope="row">{b.label}</th>
                                        <td>{duration_ms(b.start_ms)}</td>
                                        <td>{duration_ms(b.duration_ms)}</td>
                                        <td>{b.outcome.slug()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

/// One bar with its label, duration and `<title>`; a failed one marked `✕`.
fn bar(b: Bar) -> impl IntoView {
    let slug = b.outcome.slug();
    let kind = match b.kind {
        BarKind::Step => "step",
        BarKind::Turn => "turn",
    };
    let (label_x, bar_y, bar_h) = match b.kind {
        BarKind::Step => (8.0, b.y + 5.0, b.height - 10.0),
        BarKind::Turn => (24.0, b.y + 4.0, b.height - 8.0),
    };
    let text_y = b.y + b.height / 2.0 + 4.0;
    let after = b.x + b.width + 6.0;
    let shown = format!(
        "{}{}",
        duration_ms(b.duration_ms),
        if b.outcome == Outcome::Failed {
            " ✕"
        } else {
            ""
        }
    );
    let title = format!(
        "{}: {slug}, {} (from {} to {})",
        b.label,
        duration_ms(b.duration_ms),
        duration_ms(b.start_ms),
        duration_ms(b.start_ms + b.duration_ms)
    );
    view! {
        <g class=format!("tl-bar tl-{kind} tl-{slug}") data-label=b.label.clone() data-outcome=slug>
            <title>{title}</title>
            <text class="tl-label" x=format!("{label_x:.0}") y=format!("{text_y:.1}")>
                {shorten_label(&b.label)}
            </text>
            <rect
                x=format!("{:.2}", b.x)
                y=format!("{bar_y:.1}")
                width=format!("{:.2}", b.width)
                height=format!("{bar_h:.1}")
                rx="2"
            ></rect>
            <text class="tl-duration" x=format!("{after:.1}") y=format!("{text_y:.1}")>
                {shown}
            </text>
        </g>
    }
}

/// A label that fits left of the bars.
fn shorten_label(label: &str) -> String {
    const MAX: usize = 26;
    if label.chars().count() <= MAX {
        label.to_owned()
    } else {
        format!("{}…", label.chars().take(MAX - 1).collect::<String>())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use runs::StepStatus;

    fn step(name: &str, status: StepStatus, start: &str, end: &str) -> StepRecord {
        StepRecord {
            name: name.into(),
            status,
            started_at: start.into(),
            finished_at: Some(end.into()),
            duration_ms: None,
            message: None,
        }
    }

    /// The `width` of each `<rect>`, in document order.
    fn widths(html: &str) -> Vec<f64> {
        html.split("<rect")
            .skip(1)
            .map(|r| {
                let w = &r[r.find("width=\"").unwrap() + 7..];
                w[..w.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn the_svg_draws_the_steps_in_order_proportionally_and_marks_the_failed_one() {
        let steps = [
            step(
                "upload",
                StepStatus::Passed,
                "2026-11-25T08:00:00Z",
                "2026-11-25T08:00:10Z",
            ),
            step(
                "wait_running",
                StepStatus::Passed,
                "2026-11-25T08:00:10Z",
                "2026-11-25T08:00:40Z",
            ),
            step(
                "api_call",
                StepStatus::Failed,
                "2026-11-25T08:00:40Z",
                "2026-11-25T08:01:20Z",
            ),
        ];
        let timeline = layout(&steps, &[]).unwrap();
        let owner = Owner::new();
        owner.set();
        let html = view! { <TimelineChart timeline /> }.to_html();

        // Ordered: the bars come in the steps' order, top to bottom.
        let at = |label: &str| html.find(&format!("data-label=\"{label}\"")).unwrap();
        assert!(at("upload") < at("wait_running") && at("wait_running") < at("api_call"));
        // Proportional: 10 s, 30 s and 40 s of an 80 s run on a 640-unit axis.
        assert_eq!(widths(&html), [80.0, 240.0, 320.0]);
        // The failed one is marked, in its class, its text and its title.
        let failed = &html[at("api_call")..];
        let failed = &failed[..failed.find("</g>").unwrap()];
        assert!(failed.contains("data-outcome=\"failed\""), "{failed}");
        assert!(failed.contains("40s ✕"), "{failed}");
        assert!(failed.contains("<title>api_call: failed, 40s"), "{failed}");
        let passed = &html[at("upload")..at("wait_running")];
        assert!(!passed.contains('✕') && passed.contains("data-outcome=\"passed\""));
        // Accessible: a title for the chart and one per bar, and the table beside it.
        assert_eq!(html.matches("<title").count(), 1 + 3, "{html}");
        assert!(html.contains("role=\"img\""));
        assert_eq!(html.matches("<tr class=\"tl-row").count(), 3);
        assert!(html.contains("<th scope=\"row\">api_call"), "{html}");
        // No script and no style element: the CSP allows neither inline.
        assert!(!html.contains("<script") && !html.contains("<style"));
    }

    #[test]
    fn untrusted_step_names_are_text_not_markup() {
        let steps = [step(
            "<img src=x onerror=alert(1)>",
            StepStatus::Passed,
            "2026-11-25T08:00:00Z",
            "2026-11-25T08:00:01Z",
        )];
        let owner = Owner::new();
        owner.set();
        let timeline = layout(&steps, &[]).unwrap();
        let html = view! { <TimelineChart timeline /> }.to_html();
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img"), "{html}");
    }
}
