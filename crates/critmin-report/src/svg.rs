//! Hand-written inline SVG charts: stacked bars, line charts with goal bands
//! and a labelled scatter matrix. The SVG is inline in HTML, so it needs no
//! `xmlns`. Each chart is plain data with a
//! `render()` that returns an `<svg>` element sized by its `viewBox`, so it
//! scales with the page and needs no script, font or network. Later
//! sections (simulation, Monte Carlo, optimisation) reuse these types.
//!
//! Why hand-written: the three chart kinds need a few hundred lines, and a
//! plotting crate would bring fonts, raster back ends or JavaScript the
//! report must not depend on.

use std::fmt::Write as _;

/// Escapes text for SVG and HTML.
pub fn esc(s: &str) -> String {
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

/// The report's colours.
pub mod colour {
    /// China.
    pub const CHINA: &str = "#c2413b";
    /// The allied group, when shown as one.
    pub const ALLIED: &str = "#2563a8";
    /// Everyone else.
    pub const OTHER: &str = "#a3a8b0";
    /// Goal band fill.
    pub const GOAL: &str = "#3f9b6a";
    /// On track.
    pub const ON_TRACK: &str = "#2f8f5b";
    /// At risk.
    pub const AT_RISK: &str = "#d08a1e";
    /// Off track.
    pub const OFF_TRACK: &str = "#c2413b";
    /// Axis and grid lines.
    pub const GRID: &str = "#e3e6ea";
    /// Secondary text.
    pub const MUTED: &str = "#6b7280";
    /// Main text.
    pub const INK: &str = "#1f2933";

    /// A stable colour for a country code: China red, the partnership in
    /// blues and greens, others in warm greys and ambers.
    pub fn country(code: &str) -> &'static str {
        match code {
            "CN" => CHINA,
            "US" => "#1f4e8c",
            "JP" => "#4f86c6",
            "AU" => "#2f8f83",
            "CA" => "#64a88f",
            "GB" => "#7a6fb0",
            "KR" => "#8fb3de",
            "EU" | "FR" | "EE" | "DE" => "#3b6f9e",
            "MY" => "#d39b2a",
            "MM" => "#b0714a",
            "VN" => "#c9a76b",
            "TH" => "#d8b98a",
            "IN" => "#e0a458",
            "RU" => "#8c5a5a",
            "BR" => "#9aa65a",
            "NG" => "#b79c7a",
            "MG" => "#a58d6f",
            _ => OTHER,
        }
    }
}

/// Formats a number for an axis: `0.5` as `50%` when `percent`, else with
/// thousands separators.
pub fn axis_label(v: f64, percent: bool) -> String {
    if percent {
        format!("{:.0}%", v * 100.0)
    } else if v.abs() >= 1000.0 {
        thousands(v)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// `12345.6` → `12,346`.
pub fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < -0.5 { format!("-{out}") } else { out }
}

/// "Nice" tick step for a range, so ticks land on 1, 2 or 5 × 10ⁿ.
fn nice_step(range: f64, ticks: usize) -> f64 {
    let raw = range / ticks.max(1) as f64;
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// One segment series of a stacked bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Legend label.
    pub label: String,
    /// Fill colour.
    pub colour: String,
    /// One value per bar (same order as the bars).
    pub values: Vec<f64>,
}

/// Horizontal stacked bars, e.g. country shares of each stage's output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StackedBars {
    /// Title above the chart.
    pub title: String,
    /// One label per bar.
    pub bars: Vec<String>,
    /// The stacked series, drawn left to right in this order.
    pub segments: Vec<Segment>,
    /// Values are fractions of the bar (axis 0–100 %).
    pub percent: bool,
    /// Text at the right end of each bar (e.g. the total), optional.
    pub notes: Vec<String>,
}

impl StackedBars {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let w = 640.0;
        // Room for the longest bar label at ~6.6 px a character.
        let longest = self
            .bars
            .iter()
            .map(|b| b.chars().count())
            .max()
            .unwrap_or(0);
        let left = (longest as f64 * 6.6 + 14.0).max(60.0);
        let right = 70.0;
        let bar_h = 22.0;
        let gap = 12.0;
        let top = 34.0;
        let n = self.bars.len() as f64;
        let legend_rows = self.segments.len().div_ceil(5) as f64;
        let h = top + n * (bar_h + gap) + 22.0 + legend_rows * 18.0 + 8.0;
        let plot_w = w - left - right;
        let max = if self.percent {
            1.0
        } else {
            (0..self.bars.len())
                .map(|i| {
                    self.segments
                        .iter()
                        .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                        .sum::<f64>()
                })
                .fold(0.0, f64::max)
                .max(1e-9)
        };
        let mut s = svg_open(w, h, &self.title);
        title(&mut s, &self.title, 0.0);
        for k in 0..=4 {
            let x = left + plot_w * f64::from(k) / 4.0;
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{}" />"#,
                top - 4.0,
                top + n * (bar_h + gap) - gap + 4.0,
                colour::GRID
            );
            let _ = write!(
                s,
                r#"<text x="{x:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
                top + n * (bar_h + gap) - gap + 18.0,
                axis_label(max * f64::from(k) / 4.0, self.percent)
            );
        }
        for (i, label) in self.bars.iter().enumerate() {
            let y = top + i as f64 * (bar_h + gap);
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
                left - 8.0,
                y + bar_h * 0.68,
                esc(label)
            );
            let mut x = left;
            for seg in &self.segments {
                let v = seg.values.get(i).copied().unwrap_or(0.0).max(0.0);
                let bw = plot_w * v / max;
                if bw <= 0.05 {
                    continue;
                }
                let _ = write!(
                    s,
                    r#"<rect x="{x:.2}" y="{y:.1}" width="{bw:.2}" height="{bar_h}" fill="{}"><title>{}: {}</title></rect>"#,
                    seg.colour,
                    esc(&seg.label),
                    esc(&if self.percent {
                        format!("{:.1}%", v * 100.0)
                    } else {
                        thousands(v)
                    })
                );
                if bw > 34.0 {
                    let _ = write!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" class="inbar" text-anchor="middle">{}</text>"#,
                        x + bw / 2.0,
                        y + bar_h * 0.68,
                        esc(&if self.percent {
                            format!("{:.0}%", v * 100.0)
                        } else {
                            seg.label.clone()
                        })
                    );
                }
                x += bw;
            }
            if let Some(note) = self.notes.get(i) {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="note">{}</text>"#,
                    left + plot_w + 6.0,
                    y + bar_h * 0.68,
                    esc(note)
                );
            }
        }
        let ly = top + n * (bar_h + gap) + 30.0;
        legend(
            &mut s,
            left,
            ly,
            w - left - 10.0,
            self.segments
                .iter()
                .map(|g| (g.label.as_str(), g.colour.as_str(), false)),
        );
        s.push_str("</svg>");
        s
    }
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend label.
    pub label: String,
    /// Stroke colour.
    pub colour: String,
    /// One value per x (missing points break the line).
    pub values: Vec<Option<f64>>,
    /// Dashed stroke (e.g. a projection or a comparison case).
    pub dashed: bool,
    /// Optional marker colour per point (e.g. a status), drawn as dots.
    pub markers: Vec<Option<String>>,
}

/// A shaded horizontal band: a goal range, or an uncertainty band when
/// `lower`/`upper` vary with x.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// Fill colour (drawn at low opacity).
    pub colour: String,
    /// Lower edge per x.
    pub lower: Vec<f64>,
    /// Upper edge per x.
    pub upper: Vec<f64>,
}

impl Band {
    /// A constant band from `lo` to `hi` over `n` points.
    pub fn flat(label: &str, colour: &str, lo: f64, hi: f64, n: usize) -> Band {
        Band {
            label: label.to_string(),
            colour: colour.to_string(),
            lower: vec![lo; n],
            upper: vec![hi; n],
        }
    }
}

/// A line chart over numeric x (years), with shaded bands and an optional
/// vertical marker (e.g. the goal year).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// The x values (years), ascending.
    pub x: Vec<f64>,
    /// Lines.
    pub lines: Vec<Line>,
    /// Bands, drawn under the lines.
    pub bands: Vec<Band>,
    /// Y values are fractions (axis in %).
    pub percent: bool,
    /// Axis maximum; computed from the data if `None`.
    pub y_max: Option<f64>,
    /// Unit shown above the y axis.
    pub y_unit: String,
    /// A vertical marker at this x with its label.
    pub marker: Option<(f64, String)>,
    /// Tick labels, one per x (e.g. months `2026-03`); empty = the x values.
    /// At most about eight are shown, counted back from the last.
    pub x_labels: Vec<String>,
}

impl LineChart {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let (w, h) = (420.0, 250.0);
        let (left, right, top, bottom) = (46.0, 14.0, 40.0, 50.0);
        let pw = w - left - right;
        let ph = h - top - bottom;
        let x0 = self.x.first().copied().unwrap_or(0.0);
        let x1 = self.x.last().copied().unwrap_or(1.0).max(x0 + 1.0);
        let data_max = self
            .lines
            .iter()
            .flat_map(|l| l.values.iter().flatten().copied())
            .chain(self.bands.iter().flat_map(|b| b.upper.iter().copied()))
            .fold(0.0, f64::max);
        let mut y_max = self.y_max.unwrap_or(data_max * 1.08).max(1e-9);
        let step = nice_step(y_max, 4);
        y_max = (y_max / step).ceil() * step;
        let sx = |x: f64| left + pw * (x - x0) / (x1 - x0);
        let sy = |y: f64| top + ph * (1.0 - (y / y_max).clamp(0.0, 1.02));
        let mut s = svg_open(w, h, &self.title);
        title(&mut s, &self.title, 0.0);
        if !self.y_unit.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{left}" y="{:.1}" class="tick" text-anchor="start">{}</text>"#,
                top - 8.0,
                esc(&self.y_unit)
            );
        }
        let mut v = 0.0;
        while v <= y_max + 1e-9 {
            let y = sy(v);
            let _ = write!(
                s,
                r#"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" /><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
                left + pw,
                colour::GRID,
                left - 6.0,
                y + 4.0,
                axis_label(v, self.percent)
            );
            v += step;
        }
        self.x_ticks(&mut s, &sx, top + ph + 16.0);
        for b in &self.bands {
            let mut pts: Vec<String> = self
                .x
                .iter()
                .zip(&b.upper)
                .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
                .collect();
            pts.extend(
                self.x
                    .iter()
                    .zip(&b.lower)
                    .rev()
                    .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y))),
            );
            let _ = write!(
                s,
                r#"<polygon points="{}" fill="{}" fill-opacity="0.16" stroke="none"><title>{}</title></polygon>"#,
                pts.join(" "),
                b.colour,
                esc(&b.label)
            );
        }
        if let Some((mx, label)) = &self.marker {
            let x = sx(*mx);
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="{}" stroke-dasharray="3 3" /><text x="{:.1}" y="{:.1}" class="tick" text-anchor="start">{}</text>"#,
                top + ph,
                colour::MUTED,
                x + 4.0,
                top + 10.0,
                esc(label)
            );
        }
        for l in &self.lines {
            self.draw_line(&mut s, l, &sx, &sy);
        }
        let items: Vec<(&str, &str, bool)> = self
            .lines
            .iter()
            .map(|l| (l.label.as_str(), l.colour.as_str(), true))
            .chain(
                self.bands
                    .iter()
                    .map(|b| (b.label.as_str(), b.colour.as_str(), false)),
            )
            .collect();
        legend(&mut s, left, h - 12.0, pw, items.into_iter());
        s.push_str("</svg>");
        s
    }

    /// The x-axis labels at height `y`.
    fn x_ticks(&self, s: &mut String, sx: &dyn Fn(f64) -> f64, y: f64) {
        // Ticks counted back from the last x, so the last is always shown
        // and never crowds its neighbour.
        let n = self.x.len();
        let longest = self
            .x_labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        let xstep = if !self.x_labels.is_empty() {
            // About six labels, five when they are long.
            n.div_ceil(if longest > 7 { 5 } else { 6 }).max(1)
        } else if n > 8 {
            2
        } else {
            1
        };
        for (i, x) in self.x.iter().enumerate() {
            if (n - 1 - i) % xstep == 0 {
                let text = match self.x_labels.get(i) {
                    Some(l) => esc(l),
                    None => format!("{x:.0}"),
                };
                // A month label at the right edge would be clipped.
                let anchor = if !self.x_labels.is_empty() && i + 1 == n {
                    "end"
                } else {
                    "middle"
                };
                let _ = write!(
                    *s,
                    r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="{anchor}">{text}</text>"#,
                    sx(*x),
                    y
                );
            }
        }
    }

    /// One line, with its markers.
    fn draw_line(
        &self,
        s: &mut String,
        l: &Line,
        sx: &dyn Fn(f64) -> f64,
        sy: &dyn Fn(f64) -> f64,
    ) {
        let mut d = String::new();
        let mut pen = false;
        for (x, y) in self.x.iter().zip(&l.values) {
            match y {
                Some(y) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen { "L" } else { "M" },
                        sx(*x),
                        sy(*y)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        let dash = if l.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<path d="{}" fill="none" stroke="{}" stroke-width="2.4" stroke-linejoin="round"{dash} />"#,
            d.trim_end(),
            l.colour
        );
        for ((x, y), m) in self
            .x
            .iter()
            .zip(&l.values)
            .zip(l.markers.iter().chain(std::iter::repeat(&None)))
        {
            if let (Some(y), Some(c)) = (y, m) {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.6" fill="{c}" stroke="white" stroke-width="1.2"><title>{x:.0}: {}</title></circle>"#,
                    sx(*x),
                    sy(*y),
                    axis_label(*y, self.percent)
                );
            }
        }
    }
}

/// One point of a [`Scatter`].
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Label drawn beside the point.
    pub label: String,
    /// X value.
    pub x: f64,
    /// Y value.
    pub y: f64,
    /// Fill colour.
    pub colour: String,
    /// Radius in chart units.
    pub radius: f64,
    /// Tooltip text.
    pub tip: String,
}

/// A labelled scatter matrix with optional threshold lines that split it
/// into quadrants (e.g. the EU criticality matrix: economic importance ×
/// supply risk).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scatter {
    /// Title above the chart.
    pub title: String,
    /// Points.
    pub points: Vec<Point>,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Threshold lines `(x, y)`; the upper-right quadrant is shaded.
    pub thresholds: Option<(f64, f64)>,
    /// Label of the shaded quadrant.
    pub quadrant_label: String,
    /// Legend entries `(label, colour)`.
    pub legend: Vec<(String, String)>,
}

impl Scatter {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let (w, h) = (640.0, 420.0);
        let (left, right, top, bottom) = (56.0, 20.0, 40.0, 66.0);
        let pw = w - left - right;
        let ph = h - top - bottom;
        let xm = self
            .points
            .iter()
            .map(|p| p.x)
            .chain(self.thresholds.map(|t| t.0))
            .fold(0.0, f64::max)
            * 1.12;
        let ym = self
            .points
            .iter()
            .map(|p| p.y)
            .chain(self.thresholds.map(|t| t.1))
            .fold(0.0, f64::max)
            * 1.12;
        let (xs, ys) = (nice_step(xm.max(1e-9), 5), nice_step(ym.max(1e-9), 5));
        let (xm, ym) = ((xm / xs).ceil() * xs, (ym / ys).ceil() * ys);
        let sx = |x: f64| left + pw * x / xm;
        let sy = |y: f64| top + ph * (1.0 - y / ym);
        let mut s = svg_open(w, h, &self.title);
        title(&mut s, &self.title, 0.0);
        if let Some((tx, ty)) = self.thresholds {
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{top}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.07" /><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
                sx(tx),
                left + pw - sx(tx),
                sy(ty) - top,
                colour::CHINA,
                left + pw - 6.0,
                top + 14.0,
                esc(&self.quadrant_label)
            );
        }
        let mut v = 0.0;
        while v <= ym + 1e-9 {
            let y = sy(v);
            let _ = write!(
                s,
                r#"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" /><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
                left + pw,
                colour::GRID,
                left - 6.0,
                y + 4.0,
                axis_label(v, false)
            );
            v += ys;
        }
        let mut v = 0.0;
        while v <= xm + 1e-9 {
            let x = sx(v);
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="{}" /><text x="{x:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
                top + ph,
                colour::GRID,
                top + ph + 16.0,
                axis_label(v, false)
            );
            v += xs;
        }
        if let Some((tx, ty)) = self.thresholds {
            let _ = write!(
                s,
                r#"<line x1="{:.1}" y1="{top}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-dasharray="5 4" /><line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-dasharray="5 4" />"#,
                sx(tx),
                sx(tx),
                top + ph,
                colour::MUTED,
                sy(ty),
                left + pw,
                sy(ty),
                colour::MUTED
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text><text transform="translate(14 {:.1}) rotate(-90)" class="axis" text-anchor="middle">{}</text>"#,
            left + pw / 2.0,
            top + ph + 34.0,
            esc(&self.x_label),
            top + ph / 2.0,
            esc(&self.y_label)
        );
        // Points first, then labels placed greedily: right, left, above,
        // below, then further out, avoiding other labels and points.
        for p in &self.points {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{}" fill-opacity="0.85" stroke="white" stroke-width="1.5"><title>{}</title></circle>"#,
                sx(p.x),
                sy(p.y),
                p.radius,
                p.colour,
                esc(&p.tip)
            );
        }
        let circles: Vec<(f64, f64, f64)> = self
            .points
            .iter()
            .map(|p| (sx(p.x), sy(p.y), p.radius))
            .collect();
        let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
        for p in &self.points {
            let (cx, cy, r) = (sx(p.x), sy(p.y), p.radius);
            let tw = p.label.chars().count() as f64 * 7.0;
            let th = 11.0;
            let mut cands = vec![
                (cx + r + 3.0, cy + 4.0),
                (cx - r - 3.0 - tw, cy + 4.0),
                (cx - tw / 2.0, cy - r - 3.0),
                (cx - tw / 2.0, cy + r + th + 1.0),
            ];
            for k in 1..6 {
                let d = f64::from(k) * 11.0;
                cands.push((cx + r + 3.0, cy + 4.0 + d));
                cands.push((cx + r + 3.0, cy + 4.0 - d));
                cands.push((cx - r - 3.0 - tw, cy + 4.0 + d));
                cands.push((cx - r - 3.0 - tw, cy + 4.0 - d));
            }
            let free = |(x, y): (f64, f64)| {
                let (x0, y0, x1, y1) = (x, y - th + 2.0, x + tw, y + 2.0);
                let clear_boxes = boxes
                    .iter()
                    .all(|&(a0, b0, a1, b1)| x1 <= a0 || x0 >= a1 || y1 <= b0 || y0 >= b1);
                let clear_points = circles.iter().all(|&(px, py, pr)| {
                    let nx = px.clamp(x0, x1);
                    let ny = py.clamp(y0, y1);
                    (nx - px).powi(2) + (ny - py).powi(2) > pr * pr
                });
                clear_boxes && clear_points && x0 >= left && x1 <= left + pw + 16.0
            };
            let (lx, ly) = cands.iter().copied().find(|c| free(*c)).unwrap_or(cands[0]);
            boxes.push((lx, ly - th + 2.0, lx + tw, ly + 2.0));
            let _ = write!(
                s,
                r#"<text x="{lx:.1}" y="{ly:.1}" class="plabel">{}</text>"#,
                esc(&p.label)
            );
        }
        legend(
            &mut s,
            left,
            h - 10.0,
            pw,
            self.legend
                .iter()
                .map(|(l, c)| (l.as_str(), c.as_str(), false)),
        );
        s.push_str("</svg>");
        s
    }
}

fn svg_open(w: f64, h: f64, label: &str) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}">"#,
        esc(label)
    )
}

fn title(s: &mut String, text: &str, y: f64) {
    let _ = write!(
        s,
        r#"<text x="0" y="{:.1}" class="ctitle">{}</text>"#,
        y + 16.0,
        esc(text)
    );
}

/// Legend entries in rows starting at `(x, y)`, wrapping at `width`.
fn legend<'a>(
    s: &mut String,
    x: f64,
    y: f64,
    width: f64,
    items: impl Iterator<Item = (&'a str, &'a str, bool)>,
) {
    let (mut cx, mut cy) = (x, y);
    for (label, c, line) in items {
        let wlen = 18.0 + label.chars().count() as f64 * 6.2 + 14.0;
        if cx + wlen > x + width && cx > x {
            cx = x;
            cy += 18.0;
        }
        if line {
            let _ = write!(
                s,
                r#"<line x1="{cx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="2.4" />"#,
                cy - 4.0,
                cx + 12.0,
                cy - 4.0
            );
        } else {
            let _ = write!(
                s,
                r#"<rect x="{cx:.1}" y="{:.1}" width="12" height="10" rx="2" fill="{c}" />"#,
                cy - 9.0
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{cy:.1}" class="legend">{}</text>"#,
            cx + 17.0,
            esc(label)
        );
        cx += wlen;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_render_well_formed_svg() {
        let bars = StackedBars {
            title: "A & B".into(),
            bars: vec!["mining".into(), "magnet".into()],
            segments: vec![
                Segment {
                    label: "CN".into(),
                    colour: colour::CHINA.into(),
                    values: vec![0.7, 0.9],
                },
                Segment {
                    label: "other".into(),
                    colour: colour::OTHER.into(),
                    values: vec![0.3, 0.1],
                },
            ],
            percent: true,
            notes: vec![],
        }
        .render();
        assert!(bars.starts_with("<svg") && bars.ends_with("</svg>"));
        assert!(bars.contains("A &amp; B") && bars.contains("70%"));
        let line = LineChart {
            title: "t".into(),
            x: vec![2024.0, 2025.0, 2026.0],
            lines: vec![Line {
                label: "v".into(),
                colour: "#000".into(),
                values: vec![Some(0.1), None, Some(0.3)],
                dashed: false,
                markers: vec![Some("#f00".into()), None, None],
            }],
            bands: vec![Band::flat("goal", colour::GOAL, 0.5, 0.7, 3)],
            percent: true,
            ..LineChart::default()
        }
        .render();
        // The gap breaks the line into two moves.
        assert_eq!(line.matches('M').count(), 2, "{line}");
        assert!(line.contains("<polygon") && line.contains("<circle"));
        let sc = Scatter {
            title: "m".into(),
            points: vec![Point {
                label: "Dy".into(),
                x: 4.0,
                y: 6.0,
                colour: "#c00".into(),
                radius: 5.0,
                tip: "Dy".into(),
            }],
            thresholds: Some((2.8, 1.0)),
            ..Scatter::default()
        }
        .render();
        assert!(sc.contains(">Dy<") && sc.contains("stroke-dasharray"));
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(axis_label(0.25, true), "25%");
    }
}

/// One bar of a [`Timeline`]: a span of time, in fractional years.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Row label (left).
    pub label: String,
    /// Start (e.g. a financing decision), fractional year (`2026.5`).
    pub from: f64,
    /// End (e.g. first output), fractional year.
    pub to: f64,
    /// Fill colour.
    pub colour: String,
    /// Text right of the bar (e.g. the capacity).
    pub note: String,
    /// Hover text.
    pub tooltip: String,
}

/// A Gantt-style timeline: one row per span over a range of years, with
/// an optional vertical marker (e.g. the goal year).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// Title above the chart.
    pub title: String,
    /// First and last year on the axis.
    pub years: (i32, i32),
    /// The rows, top to bottom.
    pub spans: Vec<Span>,
    /// A marked year and its label.
    pub marker: Option<(f64, String)>,
    /// Legend entries: label and colour.
    pub legend: Vec<(String, String)>,
}

impl Timeline {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let w = 900.0;
        // Labels of up to 36 characters; longer ones are cut with an
        // ellipsis (the whole name is in the bar's hover text).
        let short = |l: &str| -> String {
            if l.chars().count() > 36 {
                format!("{}…", l.chars().take(35).collect::<String>())
            } else {
                l.to_string()
            }
        };
        let longest = self
            .spans
            .iter()
            .map(|s| short(&s.label).chars().count())
            .max()
            .unwrap_or(0);
        let left = (longest as f64 * 6.9 + 14.0).clamp(80.0, 270.0);
        let right = 150.0;
        let row = 17.0;
        let top = 40.0;
        let n = self.spans.len() as f64;
        let h = top + n * row + 48.0;
        let (y0, y1) = (f64::from(self.years.0), f64::from(self.years.1 + 1));
        let plot_w = w - left - right;
        let x_of = |t: f64| left + plot_w * ((t.clamp(y0, y1) - y0) / (y1 - y0));
        let mut s = svg_open(w, h, &self.title);
        title(&mut s, &self.title, 0.0);
        for y in self.years.0..=self.years.1 + 1 {
            let x = x_of(f64::from(y));
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{}" />"#,
                top - 6.0,
                top + n * row + 2.0,
                colour::GRID
            );
            if y <= self.years.1 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{y}</text>"#,
                    x_of(f64::from(y) + 0.5),
                    top + n * row + 16.0
                );
            }
        }
        if let Some((year, label)) = &self.marker {
            let x = x_of(*year);
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#c2413b" stroke-dasharray="4 3" /><text x="{:.1}" y="{:.1}" class="note">{}</text>"##,
                top - 10.0,
                top + n * row + 4.0,
                x + 4.0,
                top - 12.0,
                esc(label)
            );
        }
        for (i, sp) in self.spans.iter().enumerate() {
            let y = top + i as f64 * row;
            let (a, b) = (x_of(sp.from), x_of(sp.to.max(sp.from)));
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2" fill="{}"><title>{}</title></rect><text x="{:.1}" y="{:.1}" class="note">{}</text>"#,
                left - 8.0,
                y + row * 0.7,
                esc(&short(&sp.label)),
                y + 3.0,
                (b - a).max(2.0),
                row - 6.0,
                sp.colour,
                esc(&sp.tooltip),
                b + 6.0,
                y + row * 0.7,
                esc(&sp.note)
            );
        }
        legend(
            &mut s,
            left,
            top + n * row + 34.0,
            w - left - 10.0,
            self.legend
                .iter()
                .map(|(l, c)| (l.as_str(), c.as_str(), false)),
        );
        s.push_str("</svg>");
        s
    }
}
