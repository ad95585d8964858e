//! A small SVG writer for the report's plots: a frame with ticked, labelled axes in data
//! units, and the marks drawn into it. Colours are CSS classes, so the page's light, dark and
//! print styles apply to the plots too; text is escaped.

use std::fmt::Write as _;

use crate::html::esc;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 52.0;

/// One plot being drawn: data ranges mapped onto a fixed frame.
pub struct Plot {
    x: (f64, f64),
    y: (f64, f64),
    body: String,
}

impl Plot {
    /// A plot of the data ranges `x` and `y` (min, max).
    pub fn new(x: (f64, f64), y: (f64, f64)) -> Plot {
        Plot {
            x,
            y,
            body: String::new(),
        }
    }

    /// The horizontal pixel of data `v`.
    pub fn px(&self, v: f64) -> f64 {
        LEFT + (v - self.x.0) / (self.x.1 - self.x.0) * (WIDTH - LEFT - RIGHT)
    }

    /// The vertical pixel of data `v`.
    pub fn py(&self, v: f64) -> f64 {
        HEIGHT - BOTTOM - (v - self.y.0) / (self.y.1 - self.y.0) * (HEIGHT - TOP - BOTTOM)
    }

    /// A dot at (x, y) with a hover title.
    pub fn dot(&mut self, x: f64, y: f64, r: f64, class: &str, title: &str) {
        let _ = write!(
            self.body,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\"><title>{}</title></circle>",
            self.px(x),
            self.py(y),
            esc(title)
        );
    }

    /// A line between two data points.
    pub fn line(&mut self, a: (f64, f64), b: (f64, f64), class: &str) {
        let _ = write!(
            self.body,
            "<line class=\"{class}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
            self.px(a.0),
            self.py(a.1),
            self.px(b.0),
            self.py(b.1)
        );
    }

    /// A bar from `x0` to `x1` (data), from the bottom of the y range up to `y`.
    pub fn bar(&mut self, x0: f64, x1: f64, y: f64, class: &str, title: &str) {
        let (left, right) = (self.px(x0), self.px(x1));
        let (top, bottom) = (self.py(y), self.py(self.y.0));
        let _ = write!(
            self.body,
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            left + 1.0,
            top,
            (right - left - 2.0).max(1.0),
            (bottom - top).max(0.0),
            esc(title)
        );
    }

    /// Text at a data point, moved by (dx, dy) pixels, `anchor` start / middle / end.
    #[allow(clippy::too_many_arguments)]
    pub fn label(
        &mut self,
        x: f64,
        y: f64,
        dx: f64,
        dy: f64,
        anchor: &str,
        class: &str,
        text: &str,
    ) {
        let _ = write!(
            self.body,
            "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            self.px(x) + dx,
            self.py(y) + dy,
            esc(text)
        );
    }

    /// The finished `<svg>`: title on top, axes ticked at `x_step` / `y_step` in data units
    /// with tick labels made by `x_tick` / `y_tick`, axis titles (with their units) below and
    /// left.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        self,
        title: &str,
        x_title: &str,
        y_title: &str,
        x_step: f64,
        y_step: f64,
        x_tick: impl Fn(f64) -> String,
        y_tick: impl Fn(f64) -> String,
    ) -> String {
        let mut s = format!(
            "<svg class=\"plot\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
            t = esc(title)
        );
        let (left, right) = (LEFT, WIDTH - RIGHT);
        let (top, bottom) = (TOP, HEIGHT - BOTTOM);
        for v in ticks(self.y, y_step) {
            let y = self.py(v);
            let _ = write!(
                s,
                "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                y + 4.0,
                esc(&y_tick(v))
            );
        }
        for v in ticks(self.x, x_step) {
            let x = self.px(v);
            let _ = write!(
                s,
                "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{bottom}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                bottom + 5.0,
                bottom + 18.0,
                esc(&x_tick(v))
            );
        }
        s.push_str(&self.body);
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>\
             <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\"/>\
             <text class=\"ptitle\" x=\"{:.1}\" y=\"20\" text-anchor=\"middle\">{}</text>\
             <text class=\"atitle\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"atitle\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text></svg>",
            WIDTH / 2.0,
            esc(title),
            (left + right) / 2.0,
            HEIGHT - 10.0,
            esc(x_title),
            (top + bottom) / 2.0,
            esc(y_title)
        );
        s
    }
}

/// The multiples of `step` within `range` (inclusive).
fn ticks(range: (f64, f64), step: f64) -> Vec<f64> {
    let first = (range.0 / step).ceil() as i64;
    let last = (range.1 / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A figure: the plot and, under it, what it shows and where the data comes from.
pub fn figure(svg: &str, caption: &str) -> String {
    format!("<figure class=\"chart\">{svg}<figcaption>{caption}</figcaption></figure>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_the_multiples_inside_the_range() {
        assert_eq!(
            ticks((0.0, 100.0), 25.0),
            vec![0.0, 25.0, 50.0, 75.0, 100.0]
        );
        assert_eq!(ticks((62.0, 91.0), 10.0), vec![70.0, 80.0, 90.0]);
    }

    #[test]
    fn data_maps_onto_the_frame() {
        let p = Plot::new((0.0, 10.0), (0.0, 1.0));
        assert_eq!(p.px(0.0), LEFT);
        assert_eq!(p.px(10.0), WIDTH - RIGHT);
        assert_eq!(p.py(0.0), HEIGHT - BOTTOM);
        assert_eq!(p.py(1.0), TOP);
    }
}
