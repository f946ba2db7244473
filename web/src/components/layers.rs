//! Many small shapes as a few `<path>` elements: one per drawing class (a message kind and its
//! look), its `d` holding every shape of that class.
//!
//! Why: profiling 9 nodes under client load at 10× with 200 ms links (about 300 messages in
//! flight; e2e/tests/perf.test.js prints the figures) showed most of a 50–150 ms frame going to
//! creating, filling in and removing one SVG group per message (each lives a frame or two at
//! that speed), and to the browser styling and painting those elements. A handful of paths
//! whose `d` changes costs one attribute write each and keeps the element count flat. Below a
//! threshold the views keep one element per message instead, which a person can hover (a
//! tooltip) and click; above it a click is matched to the nearest shape by position.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A coordinate written with one decimal, as `{:.1}` writes it (but for halves, rounded away
/// from zero, and no `-0.0`). Written by hand: Rust's float formatting was 8% of the main
/// thread with 9 nodes and ~300 messages drawn (profile-page.mjs st); this rounds to an integer
/// number of tenths and writes that with integer formatting.
#[derive(Clone, Copy, Debug)]
pub struct Tenths(pub f64);

impl Tenths {
    /// The sign, whole part and tenth digit. Beyond ±1e15 (never a coordinate here) the value
    /// is clamped; NaN is written as 0.
    fn parts(self) -> (bool, u64, u8) {
        let t = (self.0 * 10.0).round().clamp(-1e15, 1e15);
        let t = if t.is_nan() { 0 } else { t as i64 };
        let a = t.unsigned_abs();
        (t < 0, a / 10, (a % 10) as u8)
    }

    /// Appends the text to `out` directly: the views write a few thousand coordinates a frame
    /// into path data (9 nodes, ~300 messages), and going through `write!` (the formatting
    /// machinery, three times per number) was a fifth of the page's script under that load
    /// (a sampling profile of the busy run of e2e/tests/perf.test.js).
    pub fn push_to(self, out: &mut String) {
        let (negative, whole, tenth) = self.parts();
        if negative {
            out.push('-');
        }
        out.push_str(itoa::Buffer::new().format(whole));
        out.push('.');
        out.push(char::from(b'0' + tenth));
    }
}

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (negative, whole, tenth) = self.parts();
        if negative {
            f.write_str("-")?;
        }
        f.write_str(itoa::Buffer::new().format(whole))?;
        f.write_str(".")?;
        f.write_char(char::from(b'0' + tenth))
    }
}

/// A number of whole tenths written as `{}` writes it: without the decimal when it is whole
/// ("2", "2.2"). Other values are rounded to tenths.
#[derive(Clone, Copy, Debug)]
pub struct Short(pub f64);

impl Short {
    /// Appends the text to `out` directly (see [`Tenths::push_to`]).
    pub fn push_to(self, out: &mut String) {
        let t = (self.0 * 10.0).round();
        if t.is_finite() && t % 10.0 == 0.0 && t.abs() < 1e15 {
            out.push_str(itoa::Buffer::new().format((t / 10.0) as i64));
        } else {
            Tenths(self.0).push_to(out);
        }
    }
}

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.push_to(&mut s);
        f.write_str(&s)
    }
}

/// `x` with one decimal ([`Tenths`]), for an SVG attribute.
pub fn tenths(x: f64) -> String {
    Tenths(x).to_string()
}

/// Path data of the shapes of one drawing class, appended one by one.
#[derive(Default)]
pub struct PathData(String);

impl PathData {
    /// The path text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Nothing drawn yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A path command `c` with one point.
    fn point(&mut self, c: char, x: f64, y: f64) {
        self.0.push(c);
        Tenths(x).push_to(&mut self.0);
        self.0.push(',');
        Tenths(y).push_to(&mut self.0);
    }

    /// The shape of a message of kind `base` (without `_resp`) at `(x, y)`, the same shapes as
    /// the separate elements draw (`cluster::shape`), grown outwards by `grow` (shrunk when
    /// negative; 0: the shape itself): the outline a stroke of width `2 × grow` centred on the
    /// shape's edge reaches (or, shrunk, the hole it leaves), for shapes filled instead of
    /// stroked. Polygons are scaled about the centre of the circle their edges touch by
    /// 1 + `grow` / its radius, which moves every edge by `grow` (a stroke's corners are
    /// mitred, so they are sharp too); dots change their radius.
    pub fn message(&mut self, base: &str, entries: bool, x: f64, y: f64, grow: f64) {
        const SQUARE: [(f64, f64); 3] = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)];
        // (first vertex, steps to the next ones (times `scale`), the centre of the circle the
        // edges touch and that circle's radius), relative to the message's position.
        type Shape = ((f64, f64), &'static [(f64, f64)], f64, (f64, f64), f64);
        let (start, steps, scale, centre, inradius): Shape = match base {
            "pre_vote" | "vote" => (
                (0.0, -7.0),
                &[(7.0, 7.0), (-7.0, 7.0), (-7.0, -7.0)],
                1.0,
                (0.0, 0.0),
                7.0 / std::f64::consts::SQRT_2,
            ),
            "append" if entries => ((-6.5, -6.5), &SQUARE, 13.0, (0.0, 0.0), 6.5),
            "append" => ((-4.5, -4.5), &SQUARE, 9.0, (0.0, 0.0), 4.5),
            // Base 15 and height 14: twice the area over the perimeter, above the base by it.
            "timeout_now" => (
                (0.0, -8.0),
                &[(7.5, 14.0), (-15.0, 0.0)],
                1.0,
                (0.0, 1.5098),
                4.4902,
            ),
            "snapshot" => (
                (-8.5, 0.0),
                &[
                    (4.0, -7.5),
                    (9.0, 0.0),
                    (4.0, 7.5),
                    (-4.0, 7.5),
                    (-9.0, 0.0),
                ],
                1.0,
                (0.0, 0.0),
                7.5,
            ),
            _ => return self.dot(x, y, (4.5 + grow).max(0.0)),
        };
        let k = (1.0 + grow / inradius).max(0.0);
        let (cx, cy) = (x + centre.0, y + centre.1);
        self.point(
            'M',
            cx + (start.0 - centre.0) * k,
            cy + (start.1 - centre.1) * k,
        );
        // Relative steps as `{}` writes tenths ("7", "7.5"): the shapes' own steps are whole
        // or half numbers, and a path of a few hundred shapes is shorter to write and to parse.
        for &(dx, dy) in steps {
            self.0.push('l');
            Short(dx * scale * k).push_to(&mut self.0);
            self.0.push(',');
            Short(dy * scale * k).push_to(&mut self.0);
        }
        self.0.push('z');
    }

    /// A straight line from `(x1, y1)` to `(x2, y2)`.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64) {
        self.point('M', x1, y1);
        self.point('L', x2, y2);
    }

    /// A dot of radius `r` at `(x, y)`.
    pub fn dot(&mut self, x: f64, y: f64, r: f64) {
        // The radius and diameter as `{}` writes a number of whole tenths ("2.2", "2"), in
        // integer formatting: the space-time diagram draws a dot per trip (~600 a frame at 9
        // nodes with ~300 in flight), and Rust's shortest float formatting of these six
        // numbers per dot was a third of the diagram's work.
        self.point('M', x - r, y);
        for sign in ["", "-"] {
            self.0.push('a');
            Short(r).push_to(&mut self.0);
            self.0.push(',');
            Short(r).push_to(&mut self.0);
            self.0.push_str(" 0 1,0 ");
            self.0.push_str(sign);
            Short(2.0 * r).push_to(&mut self.0);
            self.0.push_str(",0");
        }
        self.0.push('z');
    }

    /// A small cross (6 by 6) centred on `(x, y)`.
    pub fn cross(&mut self, x: f64, y: f64) {
        self.point('M', x - 3.0, y - 3.0);
        self.0.push_str("l6,6m0,-6l-6,6");
    }
}

/// Path data by drawing class, in a fixed order (the class string is also the key the view
/// gives the element, so a layer's element is reused from frame to frame). Each class has two
/// paths: the shapes, and what is drawn over them (the holes of hollow shapes drawn filled).
#[derive(Default)]
pub struct Layers(BTreeMap<String, [PathData; 2]>);

impl Layers {
    /// The path data of `class` (shapes, then what goes over them), created empty the first
    /// time.
    pub fn get(&mut self, class: String) -> &mut [PathData; 2] {
        self.0.entry(class).or_default()
    }

    /// (class, shapes, what goes over them) of every layer, in class order.
    pub fn paths(self) -> impl Iterator<Item = (String, String, String)> {
        self.0
            .into_iter()
            .map(|(k, [a, b])| (k, a.into_string(), b.into_string()))
    }
}

/// The one of `points` (id, x, y) nearest to `(x, y)`, if within `radius`.
pub fn nearest(
    points: impl Iterator<Item = (u64, f64, f64)>,
    x: f64,
    y: f64,
    radius: f64,
) -> Option<u64> {
    points
        .map(|(id, px, py)| (id, (px - x).powi(2) + (py - y).powi(2)))
        .filter(|&(_, d2)| d2 <= radius * radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

/// A point given in the page's (client) pixels, in the coordinates of an SVG whose viewBox is
/// `0 0 vw vh` drawn with `preserveAspectRatio="xMidYMid meet"` into the box
/// `(left, top, width, height)`.
pub fn client_to_view(
    (cx, cy): (f64, f64),
    (left, top, width, height): (f64, f64, f64, f64),
    (vw, vh): (f64, f64),
) -> (f64, f64) {
    let scale = (width / vw).min(height / vh).max(1e-9);
    let (ox, oy) = (
        left + (width - vw * scale) / 2.0,
        top + (height - vh * scale) / 2.0,
    );
    ((cx - ox) / scale, (cy - oy) / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_written_where_they_belong() {
        let mut p = PathData::default();
        p.message("vote", false, 10.0, 20.0, 0.0);
        p.message("append", true, 0.0, 0.0, 0.0);
        p.message("append", false, 0.0, 0.0, 0.75);
        p.line(1.0, 2.0, 3.0, 4.0);
        p.dot(5.0, 5.0, 2.0);
        assert_eq!(
            p.into_string(),
            "M10.0,13.0l7,7l-7,7l-7,-7zM-6.5,-6.5l13,0l0,13l-13,0z\
             M-5.3,-5.3l10.5,0l0,10.5l-10.5,0zM1.0,2.0L3.0,4.0\
             M3.0,5.0a2,2 0 1,0 4,0a2,2 0 1,0 -4,0z"
        );
    }

    /// Dots are written as they were with `{}` for the radius and diameter.
    #[test]
    fn dots_are_written_as_float_formatting_wrote_them() {
        for r in [2.0, 2.2, 3.5, 4.5, 1.0, 0.5, 12.0] {
            let mut p = PathData::default();
            p.dot(10.0, 20.0, r);
            let want = format!(
                "M{},{}a{r},{r} 0 1,0 {d},0a{r},{r} 0 1,0 -{d},0z",
                Tenths(10.0 - r),
                Tenths(20.0),
                d = 2.0 * r
            );
            assert_eq!(p.into_string(), want, "r = {r}");
        }
    }

    /// Tenths writes what `{:.1}` writes (ties aside: they round away from zero).
    #[test]
    fn tenths_are_written_as_format_writes_them() {
        for k in -20_000i64..20_000 {
            // Off the ties (k/10 + 0.05 would be one): 0.013 past each hundredth.
            let x = k as f64 / 100.0 + 0.0013;
            let want = format!("{x:.1}");
            assert_eq!(Tenths(x).to_string(), want.replace("-0.0", "0.0"), "{x}");
            let mut pushed = String::new();
            Tenths(x).push_to(&mut pushed);
            assert_eq!(pushed, want.replace("-0.0", "0.0"), "{x}");
        }
        assert_eq!(tenths(0.25), "0.3");
        assert_eq!(tenths(-0.25), "-0.3");
        assert_eq!(tenths(f64::NAN), "0.0");
    }

    #[test]
    fn layers_come_out_in_class_order_one_per_class() {
        let mut l = Layers::default();
        l.get("msg-vote".into())[0].message("vote", false, 0.0, 0.0, 0.0);
        l.get("msg-append".into())[0].message("append", false, 0.0, 0.0, 0.0);
        l.get("msg-vote".into())[0].message("vote", false, 1.0, 1.0, 0.0);
        l.get("msg-vote".into())[1].message("vote", false, 1.0, 1.0, 0.0);
        let got: Vec<_> = l
            .paths()
            .map(|(k, d, over)| (k, d.matches('M').count(), over.matches('M').count()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("msg-append".to_string(), 1, 0),
                ("msg-vote".to_string(), 2, 1)
            ]
        );
    }

    /// A shape grown by nothing is the shape; grown, every edge moves out by `grow` (in, shrunk);
    /// shrunk past its middle it is a point, never turned inside out.
    #[test]
    fn grown_shapes_move_their_edges_by_the_growth() {
        // The shape's vertices, read back from its path data (absolute start, relative steps).
        fn vertices(d: &str) -> Vec<(f64, f64)> {
            let nums: Vec<f64> = d
                .split(|c: char| c.is_ascii_alphabetic() || c == ',')
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect();
            let mut at = (nums[0], nums[1]);
            let mut out = vec![at];
            for p in nums[2..].chunks(2) {
                at = (at.0 + p[0], at.1 + p[1]);
                out.push(at);
            }
            out
        }
        // How far each edge of `b` lies outside the same edge of `a` (same directions).
        fn edge_moves(a: &[(f64, f64)], b: &[(f64, f64)]) -> Vec<f64> {
            (0..a.len())
                .map(|i| {
                    let (p, q) = (a[i], a[(i + 1) % a.len()]);
                    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
                    let len = (dx * dx + dy * dy).sqrt();
                    // The outward normal of a clockwise (on screen) polygon is (dy, -dx).
                    ((b[i].0 - p.0) * dy - (b[i].1 - p.1) * dx) / len
                })
                .collect()
        }
        for (base, entries) in [
            ("vote", false),
            ("append", true),
            ("append", false),
            ("timeout_now", false),
            ("snapshot", false),
        ] {
            let mut plain = PathData::default();
            plain.message(base, entries, 10.0, 20.0, 0.0);
            let plain = vertices(&plain.0);
            for grow in [-1.0, 0.75, 1.0] {
                let mut p = PathData::default();
                p.message(base, entries, 10.0, 20.0, grow);
                for m in edge_moves(&plain, &vertices(&p.0)) {
                    // Coordinates are written in tenths.
                    assert!(
                        (m - grow).abs() < 0.08,
                        "{base}: an edge moved {m}, not {grow}"
                    );
                }
            }
            let mut gone = PathData::default();
            gone.message(base, entries, 0.0, 0.0, -100.0);
            let v = vertices(&gone.0);
            assert!(v.iter().all(|&p| p == v[0]), "{base}: {v:?}");
        }
        // Grown by nothing, each shape is the one the separate elements draw (`cluster::shape`),
        // vertex for vertex, about the message's position.
        for (base, entries, want) in [
            (
                "vote",
                false,
                &[(0.0, -7.0), (7.0, 0.0), (0.0, 7.0), (-7.0, 0.0)][..],
            ),
            (
                "append",
                true,
                &[(-6.5, -6.5), (6.5, -6.5), (6.5, 6.5), (-6.5, 6.5)],
            ),
            (
                "append",
                false,
                &[(-4.5, -4.5), (4.5, -4.5), (4.5, 4.5), (-4.5, 4.5)],
            ),
            (
                "timeout_now",
                false,
                &[(0.0, -8.0), (7.5, 6.0), (-7.5, 6.0)],
            ),
            (
                "snapshot",
                false,
                &[
                    (-8.5, 0.0),
                    (-4.5, -7.5),
                    (4.5, -7.5),
                    (8.5, 0.0),
                    (4.5, 7.5),
                    (-4.5, 7.5),
                ],
            ),
        ] {
            let mut p = PathData::default();
            p.message(base, entries, 0.0, 0.0, 0.0);
            assert_eq!(vertices(&p.0), want, "{base}");
        }
        // Dots change their radius.
        let mut dot = PathData::default();
        dot.message("heartbeat", false, 10.0, 20.0, 1.0);
        assert_eq!(dot.0, "M4.5,20.0a5.5,5.5 0 1,0 11,0a5.5,5.5 0 1,0 -11,0z");
    }

    #[test]
    fn a_click_picks_the_nearest_shape_within_reach() {
        let pts = [(1, 0.0, 0.0), (2, 10.0, 0.0), (3, 30.0, 0.0)];
        assert_eq!(nearest(pts.into_iter(), 7.0, 0.0, 11.0), Some(2));
        assert_eq!(nearest(pts.into_iter(), 20.0, 0.0, 5.0), None);
    }

    #[test]
    fn client_pixels_map_to_the_view_box_letterboxed() {
        // A 600×600 view drawn into 1200×600 px at (100, 50): scale 1, centred with 300 px left.
        let p = client_to_view(
            (100.0 + 300.0 + 60.0, 50.0 + 30.0),
            (100.0, 50.0, 1200.0, 600.0),
            (600.0, 600.0),
        );
        assert_eq!(p, (60.0, 30.0));
    }
}
