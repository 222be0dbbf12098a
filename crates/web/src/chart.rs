//! Trajectory charts: one inline SVG per instrument, drawn on the server.
//!
//! Pure: a [`Plot`] in, SVG markup out. The severity bands of the
//! instrument's band model are shaded behind the scores (colour by
//! severity, through CSS classes), the baseline and the target (remission
//! threshold) are lines, and every point carries a `<title>` tooltip. The
//! page pairs each chart with a table of the same numbers for screen
//! readers.

use std::fmt::Write;
use time::OffsetDateTime;

/// One shaded band, inclusive of both ends.
#[derive(Clone, Debug)]
pub struct Area {
    pub min: i32,
    pub max: i32,
    pub label: String,
    /// `none`, `mild`, `moderate`, `moderately_severe` or `severe`.
    pub severity: String,
}

/// One score.
#[derive(Clone, Debug)]
pub struct Mark {
    pub at: OffsetDateTime,
    pub score: i32,
    /// The band's label, if the score has one.
    pub band: Option<String>,
    /// The band's severity, for the point's colour.
    pub severity: Option<String>,
}

/// Everything one chart shows.
#[derive(Clone, Debug)]
pub struct Plot {
    /// The instrument's display name, e.g. "PHQ-9".
    pub name: String,
    /// The instrument's score range.
    pub min: i32,
    pub max: i32,
    pub bands: Vec<Area>,
    /// Oldest first.
    pub marks: Vec<Mark>,
    pub baseline: Option<i32>,
    /// Remission means a score below this.
    pub target_below: Option<i32>,
}

// Sized near the width a chart card shows, so 12-unit text reads as ~12px.
pub const WIDTH: f64 = 530.0;
pub const HEIGHT: f64 = 210.0;
const LEFT: f64 = 30.0;
const RIGHT: f64 = 380.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 182.0;
/// Points keep this far from the plot's left and right edges.
const PAD: f64 = 16.0;

/// Escapes text for SVG content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A severity id as a CSS class name: only the known ids pass, anything
/// else is neutral.
pub fn sev_class(s: Option<&str>) -> &'static str {
    match s {
        Some("none") => "sev-none",
        Some("mild") => "sev-mild",
        Some("moderate") => "sev-moderate",
        Some("moderately_severe") => "sev-moderately_severe",
        Some("severe") => "sev-severe",
        _ => "sev-unknown",
    }
}

fn day(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// `2026-11-22` → `22 Nov`, the axis's short form.
fn short_day(t: OffsetDateTime) -> String {
    let d = t.date();
    let m = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(d.month())) - 1];
    format!("{} {m}", d.day())
}

/// Rounds to one decimal for compact, stable output.
fn r(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{:.1}", v);
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

impl Plot {
    fn lo(&self) -> i32 {
        self.min.min(self.max)
    }

    fn hi(&self) -> i32 {
        self.max.max(self.min)
    }

    /// The y of a score value; half a point of room above and below the
    /// range so each whole score owns a stripe.
    pub fn y(&self, v: f64) -> f64 {
        let lo = f64::from(self.lo()) - 0.5;
        let span = f64::from(self.hi() - self.lo()) + 1.0;
        let v = v.clamp(lo, lo + span);
        BOTTOM - (v - lo) / span * (BOTTOM - TOP)
    }

    /// The x of every mark, by time; one mark, or all at the same instant,
    /// sit in the middle.
    pub fn xs(&self) -> Vec<f64> {
        let ts: Vec<f64> = self
            .marks
            .iter()
            .map(|m| m.at.unix_timestamp() as f64)
            .collect();
        let first = ts.iter().copied().fold(f64::INFINITY, f64::min);
        let last = ts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = last - first;
        ts.iter()
            .map(|t| {
                if span > 0.0 {
                    LEFT + PAD + (t - first) / span * (RIGHT - LEFT - 2.0 * PAD)
                } else {
                    (LEFT + RIGHT) / 2.0
                }
            })
            .collect()
    }

    fn summary(&self) -> String {
        let mut s = format!("{} scores over time", self.name);
        match (self.marks.first(), self.marks.last()) {
            (Some(a), Some(b)) if self.marks.len() > 1 => {
                let _ = write!(
                    s,
                    ": {} on {} to {} on {}",
                    a.score,
                    day(a.at),
                    b.score,
                    day(b.at)
                );
            }
            (Some(a), _) => {
                let _ = write!(s, ": {} on {}", a.score, day(a.at));
            }
            _ => s.push_str(": none yet"),
        }
        if let Some(t) = self.target_below {
            let _ = write!(s, "; target below {t}");
        }
        s
    }
}

/// Renders the chart as an inline SVG element.
pub fn svg(p: &Plot) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg class="trajectory" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">"#,
        w = WIDTH,
        h = HEIGHT,
        label = esc(&p.summary())
    );
    // Bands, with their labels in the right margin where there is room.
    for b in &p.bands {
        let lo = f64::from(b.min.max(p.lo())) - 0.5;
        let hi = f64::from(b.max.min(p.hi())) + 0.5;
        if hi <= lo {
            continue;
        }
        let (y_top, y_bottom) = (p.y(hi), p.y(lo));
        let _ = write!(
            o,
            r#"<rect class="band {c}" x="{x}" y="{y}" width="{w}" height="{h}"><title>{label}: {min}–{max}</title></rect>"#,
            c = sev_class(Some(&b.severity)),
            x = r(LEFT),
            y = r(y_top),
            w = r(RIGHT - LEFT),
            h = r(y_bottom - y_top),
            label = esc(&b.label),
            min = b.min,
            max = b.max
        );
        if y_bottom - y_top >= 13.0 {
            let _ = write!(
                o,
                r#"<text class="band-label {c}" x="{x}" y="{y}">{label}</text>"#,
                c = sev_class(Some(&b.severity)),
                x = r(RIGHT + 6.0),
                y = r((y_top + y_bottom) / 2.0 + 4.0),
                label = esc(&b.label)
            );
        }
    }
    // Frame and the y axis: the range's ends and every band's start.
    let _ = write!(
        o,
        r#"<rect class="frame" x="{x}" y="{y}" width="{w}" height="{h}"/>"#,
        x = r(LEFT),
        y = r(TOP),
        w = r(RIGHT - LEFT),
        h = r(BOTTOM - TOP)
    );
    let mut ticks: Vec<i32> = vec![p.lo(), p.hi()];
    ticks.extend(p.bands.iter().map(|b| b.min).filter(|v| *v > p.lo()));
    ticks.sort_unstable();
    ticks.dedup();
    let mut last_y = f64::INFINITY;
    for t in ticks {
        let y = p.y(f64::from(t));
        if (last_y - y).abs() < 13.0 && t != p.hi() {
            continue;
        }
        last_y = y;
        let _ = write!(
            o,
            r#"<text class="tick" x="{x}" y="{y}" text-anchor="end">{t}</text>"#,
            x = r(LEFT - 5.0),
            y = r(y + 4.0)
        );
    }
    // Target and baseline.
    if let Some(t) = p.target_below {
        let y = p.y(f64::from(t) - 0.5);
        let _ = write!(
            o,
            r#"<line class="target" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/><text class="line-label target-label" x="{x}" y="{ty}">Target &lt; {t}</text>"#,
            x1 = r(LEFT),
            x2 = r(RIGHT),
            y = r(y),
            x = r(LEFT + 4.0),
            ty = r((y + 14.0).min(BOTTOM - 3.0))
        );
    }
    if let Some(b) = p.baseline {
        let y = p.y(f64::from(b));
        let _ = write!(
            o,
            r#"<line class="baseline" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/><text class="line-label" x="{x}" y="{ty}" text-anchor="end">Baseline {b}</text>"#,
            x1 = r(LEFT),
            x2 = r(RIGHT),
            y = r(y),
            x = r(RIGHT - 4.0),
            ty = r((y - 4.0).max(TOP + 12.0))
        );
    }
    // The course, then the points on top.
    let xs = p.xs();
    if p.marks.len() > 1 {
        let pts: Vec<String> = p
            .marks
            .iter()
            .zip(&xs)
            .map(|(m, x)| format!("{},{}", r(*x), r(p.y(f64::from(m.score)))))
            .collect();
        let _ = write!(
            o,
            r#"<polyline class="course" points="{}"/>"#,
            pts.join(" ")
        );
    }
    for (m, x) in p.marks.iter().zip(&xs) {
        let y = p.y(f64::from(m.score));
        let band = m
            .band
            .as_deref()
            .map(|b| format!(" ({})", esc(b)))
            .unwrap_or_default();
        let _ = write!(
            o,
            r#"<circle class="point {c}" cx="{x}" cy="{y}" r="5"><title>{d}: {s}{band}</title></circle>"#,
            c = sev_class(m.severity.as_deref()),
            x = r(*x),
            y = r(y),
            d = day(m.at),
            s = m.score
        );
    }
    // Dates under the points, skipping those that would overlap.
    let mut last_x = f64::NEG_INFINITY;
    let n = xs.len();
    for (i, (m, x)) in p.marks.iter().zip(&xs).enumerate() {
        let is_last = i + 1 == n;
        if *x - last_x < 60.0 && !is_last {
            continue;
        }
        if is_last && *x - last_x < 60.0 && n > 1 {
            // The latest date wins over the one before it.
            if let Some(pos) = o.rfind(r#"<text class="date""#) {
                o.truncate(pos);
            }
        }
        last_x = *x;
        let _ = write!(
            o,
            r#"<text class="date" x="{x}" y="{y}" text-anchor="middle">{d}</text>"#,
            x = r(*x),
            y = r(BOTTOM + 19.0),
            d = short_day(m.at)
        );
    }
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn phq9(marks: &[(OffsetDateTime, i32)]) -> Plot {
        let band = |min, max, label: &str, sev: &str| Area {
            min,
            max,
            label: label.into(),
            severity: sev.into(),
        };
        Plot {
            name: "PHQ-9".into(),
            min: 0,
            max: 27,
            bands: vec![
                band(0, 4, "None–minimal", "none"),
                band(5, 9, "Mild", "mild"),
                band(10, 14, "Moderate", "moderate"),
                band(15, 19, "Moderately severe", "moderately_severe"),
                band(20, 27, "Severe", "severe"),
            ],
            marks: marks
                .iter()
                .map(|(at, score)| Mark {
                    at: *at,
                    score: *score,
                    band: Some("Mild".into()),
                    severity: Some("mild".into()),
                })
                .collect(),
            baseline: marks.first().map(|m| m.1),
            target_below: Some(5),
        }
    }

    /// Every number in an attribute of the given name.
    fn attr(svg: &str, name: &str) -> Vec<f64> {
        let key = format!(" {name}=\"");
        svg.match_indices(&key)
            .map(|(i, _)| {
                let rest = &svg[i + key.len()..];
                rest[..rest.find('"').unwrap()].parse::<f64>().unwrap()
            })
            .collect()
    }

    fn within_view(svg: &str) {
        assert!(!svg.contains("NaN"), "{svg}");
        assert!(!svg.contains("inf"), "{svg}");
        for x in attr(svg, "cx").into_iter().chain(attr(svg, "x")) {
            assert!((0.0..=WIDTH).contains(&x), "x {x} outside the view");
        }
        for y in attr(svg, "cy").into_iter().chain(attr(svg, "y")) {
            assert!((0.0..=HEIGHT).contains(&y), "y {y} outside the view");
        }
    }

    #[test]
    fn points_sit_inside_the_view_in_date_order() {
        let p = phq9(&[
            (datetime!(2026-09-01 10:00 UTC), 16),
            (datetime!(2026-10-01 10:00 UTC), 12),
            (datetime!(2026-11-22 10:00 UTC), 8),
        ]);
        let s = svg(&p);
        within_view(&s);
        let cx = attr(&s, "cx");
        assert_eq!(cx.len(), 3);
        assert!(cx[0] < cx[1] && cx[1] < cx[2]);
        let cy = attr(&s, "cy");
        assert!(cy[0] < cy[1] && cy[1] < cy[2], "lower scores sit lower");
        assert!(s.contains("<polyline"));
        assert!(s.contains("<title>2026-11-22: 8 (Mild)</title>"));
        assert!(s.contains(r#"role="img""#));
        assert!(s.contains("aria-label=\"PHQ-9 scores over time: 16 on 2026-09-01 to 8 on 2026-11-22; target below 5\""));
    }

    #[test]
    fn every_band_is_shaded_with_its_severity() {
        let s = svg(&phq9(&[(datetime!(2026-11-22 10:00 UTC), 8)]));
        for c in [
            "sev-none",
            "sev-mild",
            "sev-moderate",
            "sev-moderately_severe",
            "sev-severe",
        ] {
            assert!(s.contains(&format!("class=\"band {c}\"")), "{c}");
        }
        // The bands tile the plot from bottom to top.
        let p = phq9(&[]);
        assert_eq!(p.y(-0.5), BOTTOM);
        assert_eq!(p.y(27.5), TOP);
        assert!(s.contains(r#"class="target""#));
        assert!(s.contains(r#"class="baseline""#));
    }

    #[test]
    fn one_point_or_equal_dates_or_zero_range_never_make_nan() {
        let one = svg(&phq9(&[(datetime!(2026-11-22 10:00 UTC), 8)]));
        within_view(&one);
        assert_eq!(attr(&one, "cx"), vec![(LEFT + RIGHT) / 2.0]);
        assert!(!one.contains("<polyline"));

        let t = datetime!(2026-11-22 10:00 UTC);
        let same = svg(&phq9(&[(t, 8), (t, 9), (t, 10)]));
        within_view(&same);

        let mut flat = phq9(&[(t, 0), (t + time::Duration::days(7), 0)]);
        flat.min = 0;
        flat.max = 0;
        flat.bands = vec![Area {
            min: 0,
            max: 0,
            label: "Only".into(),
            severity: "none".into(),
        }];
        within_view(&svg(&flat));

        let mut empty = phq9(&[]);
        empty.baseline = None;
        let e = svg(&empty);
        within_view(&e);
        assert!(e.contains("none yet"));
    }

    #[test]
    fn scores_outside_the_range_are_clamped_and_text_is_escaped() {
        let mut p = phq9(&[(datetime!(2026-11-22 10:00 UTC), 99)]);
        p.name = "<b>&".into();
        p.marks[0].band = Some("\"quoted\"".into());
        let s = svg(&p);
        within_view(&s);
        assert!(s.contains("&lt;b&gt;&amp;"));
        assert!(s.contains("(&quot;quoted&quot;)"));
        assert!(!s.contains("<b>"));
    }

    #[test]
    fn crowded_dates_do_not_overlap() {
        let start = datetime!(2026-01-01 10:00 UTC);
        let marks: Vec<_> = (0..40)
            .map(|i| (start + time::Duration::days(i), 10))
            .collect();
        let s = svg(&phq9(&marks));
        within_view(&s);
        let mut xs: Vec<f64> = s
            .match_indices(r#"<text class="date" x=""#)
            .map(|(i, _)| {
                let rest = &s[i + r#"<text class="date" x=""#.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        xs.sort_by(f64::total_cmp);
        assert!(xs.len() >= 2);
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= 50.0), "{xs:?}");
        assert!(s.contains(">9 Feb<"), "the latest date is shown");
    }
}
