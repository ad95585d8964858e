//! The published field: multi-label accuracy, top-1 and ImageNet-M errors of the 962 models
//! Peychev et al. (2023) graded with the same protocol (data/README.md has the provenance and
//! licence). Embedded, so the report needs no network.

use std::sync::OnceLock;

const CSV: &str = include_str!("../data/peychev2023_mla_anchors.csv");

/// How many ImageNet-M images the published error counts are out of.
pub const IMAGENET_M_TOTAL: u32 = 68;

/// One published model.
#[derive(Clone, Debug, PartialEq)]
pub struct Anchor {
    /// The authors' model id (`timm--convnext_base.fb_in1k`).
    pub model: &'static str,
    /// What it was trained on (`ImageNet-1k (1.2M)`).
    pub training_data: &'static str,
    /// Top-1 on all 50,000 validation images, in percent.
    pub top1: f64,
    /// Multi-label accuracy (the TFDS recipe), in percent.
    pub mla: f64,
    /// ImageNet-M images it gets right (of 68).
    pub imagenet_m_correct: u32,
}

/// The 962 published models, in the file's order.
pub fn all() -> &'static [Anchor] {
    static ANCHORS: OnceLock<Vec<Anchor>> = OnceLock::new();
    ANCHORS.get_or_init(parse)
}

// The embedded table is checked by the tests below; a malformed row is a build defect, not
// user input.
fn parse() -> Vec<Anchor> {
    CSV.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&'static str> = line.split(',').collect();
            assert_eq!(f.len(), 7, "embedded anchors row {line}");
            let errors: u32 = f[6].parse().expect("embedded anchors: ImageNet-M errors");
            Anchor {
                model: f[0],
                training_data: f[1],
                top1: f[3].parse().expect("embedded anchors: top-1"),
                mla: f[4].parse().expect("embedded anchors: MLA"),
                imagenet_m_correct: IMAGENET_M_TOTAL - errors,
            }
        })
        .collect()
}

/// The least-squares line `mla = a + b · top1` through the published models.
pub fn trend() -> (f64, f64) {
    let anchors = all();
    let n = anchors.len() as f64;
    let mx = anchors.iter().map(|a| a.top1).sum::<f64>() / n;
    let my = anchors.iter().map(|a| a.mla).sum::<f64>() / n;
    let sxy: f64 = anchors.iter().map(|a| (a.top1 - mx) * (a.mla - my)).sum();
    let sxx: f64 = anchors.iter().map(|a| (a.top1 - mx).powi(2)).sum();
    let b = sxy / sxx;
    (my - b * mx, b)
}

/// The percentage of published models whose multi-label accuracy is below `mla` (percent).
pub fn percentile(mla: f64) -> f64 {
    let below = all().iter().filter(|a| a.mla < mla).count();
    100.0 * below as f64 / all().len() as f64
}

/// The `n` published models nearest to `mla` (percent) in multi-label accuracy.
pub fn nearest(mla: f64, n: usize) -> Vec<&'static Anchor> {
    let mut sorted: Vec<&Anchor> = all().iter().collect();
    sorted.sort_by(|a, b| (a.mla - mla).abs().total_cmp(&(b.mla - mla).abs()));
    sorted.truncate(n);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_the_962_published_models() {
        let anchors = all();
        assert_eq!(anchors.len(), 962);
        // Rows the data README quotes.
        let resnet50 = anchors
            .iter()
            .find(|a| a.model == "torchvision--resnet50")
            .unwrap();
        assert_eq!((resnet50.top1, resnet50.mla), (80.856, 90.1554));
        assert_eq!(resnet50.imagenet_m_correct, 68 - 49);
        let best = anchors.iter().map(|a| a.mla).fold(0.0, f64::max);
        let worst = anchors.iter().map(|a| a.mla).fold(100.0, f64::min);
        assert_eq!((worst, best), (64.2858, 97.7962));
    }

    #[test]
    fn trend_percentile_and_neighbours() {
        let (a, b) = trend();
        // Multi-label accuracy rises with top-1, a little under one for one.
        assert!(b > 0.5 && b < 1.5, "slope {b}");
        assert!((a + b * 80.856 - 90.1554).abs() < 3.0);
        assert_eq!(percentile(0.0), 0.0);
        assert_eq!(percentile(100.0), 100.0);
        let near = nearest(90.1554, 3);
        assert_eq!(near.len(), 3);
        assert_eq!(near[0].mla, 90.1554);
        assert!(near
            .windows(2)
            .all(|w| (w[0].mla - 90.1554).abs() <= (w[1].mla - 90.1554).abs()));
    }
}
