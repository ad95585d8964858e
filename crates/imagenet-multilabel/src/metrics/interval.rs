//! 95% confidence intervals for the two shapes of accuracy the report holds.
//!
//! - A per-image rate `k / n` (the micro average, original top-1): the Wilson score interval.
//!   Unlike the textbook `p ± z·sqrt(p(1-p)/n)` it stays inside [0, 1] and keeps its coverage
//!   near 0 and 1, where strong models live.
//! - A mean of per-class rates `(1/C) Σ k_c / n_c` (the headline and its class-averaged
//!   companions): the stratified normal interval. Each class is a stratum sampled
//!   independently, so `Var = (1/C²) Σ Var(k_c / n_c)`; each term is estimated without bias
//!   by `p̂_c (1 - p̂_c) / (n_c - 1)`. With 1000 strata the mean is very nearly normal, so
//!   `value ± z·sqrt(Var)` (clipped to [0, 1]) covers as it should — closed form, no seed,
//!   the same bits on every machine. See docs/METRICS.md for why not a bootstrap.

/// The two-sided 95% normal quantile, `Φ⁻¹(0.975)`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `hits` successes in `n` trials, at 95%. `[0, 1]` when `n`
/// is 0 (nothing observed, nothing excluded).
pub fn wilson(hits: u64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    [clip(center - half), clip(center + half)]
}

/// The stratified normal interval, at 95%, for `mean`, the average over `hits.len()` classes
/// of `hits[c] / graded[c]`. Every `graded[c]` must be at least 1 (the caller checks).
///
/// A class with a single image has no variance estimate of its own; it is given the largest
/// possible, `1/4`, so the interval errs wide rather than narrow.
pub fn stratified(mean: f64, hits: &[u32], graded: &[u32]) -> [f64; 2] {
    let classes = hits.len() as f64;
    let mut var = 0.0;
    for (&k, &n) in hits.iter().zip(graded) {
        var += match n {
            0 => 0.0,
            1 => 0.25,
            n => {
                let p = f64::from(k) / f64::from(n);
                p * (1.0 - p) / f64::from(n - 1)
            }
        };
    }
    let half = Z95 * (var / (classes * classes)).sqrt();
    [clip(mean - half), clip(mean + half)]
}

fn clip(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Rng;

    /// A draw from Binomial(n, p), by n Bernoulli trials (n is small here).
    fn binomial(rng: &mut Rng, n: u32, p: f64) -> u32 {
        (0..n).filter(|_| rng.chance(p)).count() as u32
    }

    #[test]
    fn wilson_matches_published_values() {
        // Worked values (Newcombe 1998, Table I, method 3): 81/263 → 0.2553–0.3662,
        // 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
        let cases = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ];
        for (k, n, lo, hi) in cases {
            let [l, h] = wilson(k, n);
            assert!((l - lo).abs() < 5e-5, "{k}/{n}: low {l} vs {lo}");
            assert!((h - hi).abs() < 5e-5, "{k}/{n}: high {h} vs {hi}");
        }
        assert_eq!(wilson(0, 0), [0.0, 1.0]);
        let [l, h] = wilson(20, 20);
        assert!(l > 0.83 && l < 0.84 && h == 1.0, "{l} {h}");
    }

    #[test]
    fn stratified_reduces_to_the_binomial_formula_for_equal_classes() {
        // Two classes, each 3 hits of 4: Var = 2·(0.75·0.25/3)/4 = 0.03125.
        let [l, h] = stratified(0.75, &[3, 3], &[4, 4]);
        let half = Z95 * 0.03125f64.sqrt();
        assert!((l - (0.75 - half)).abs() < 1e-15 && (h - 1.0).abs() < 1e-15);
        // Perfect classes carry no variance; a single-image class carries the most.
        assert_eq!(stratified(1.0, &[5, 5], &[5, 5]), [1.0, 1.0]);
        let [l, _] = stratified(0.5, &[1, 0, 1, 0], &[1, 1, 1, 1]);
        assert!(
            (l - (0.5 - Z95 * (1.0f64 / 16.0).sqrt())).abs() < 1e-15,
            "{l}"
        );
        // The worked example of docs/METRICS.md: classes at 3/3 and 1/3 → [0.340, 0.993].
        let [l, h] = stratified(2.0 / 3.0, &[3, 1], &[3, 3]);
        assert!(
            (l - 0.340).abs() < 5e-4 && (h - 0.993).abs() < 5e-4,
            "{l} {h}"
        );
        // Clipped to [0, 1].
        assert_eq!(stratified(0.5, &[1, 0], &[1, 1]), [0.0, 1.0]);
    }

    /// The intervals are only worth printing if they cover the truth about 95% of the time:
    /// simulate models of known per-class accuracy on ImageNet-sized strata and count.
    #[test]
    fn both_intervals_cover_about_95_percent() {
        let mut rng = Rng::new(7);
        let classes = 1000;
        let truth: Vec<f64> = (0..classes).map(|_| 0.55 + 0.45 * rng.unit()).collect();
        let sizes: Vec<u32> = (0..classes).map(|_| 12 + rng.below(17) as u32).collect();
        let true_mean = truth.iter().sum::<f64>() / classes as f64;
        let replicates = 300;
        let (mut strat_cover, mut wilson_cover) = (0, 0);
        for _ in 0..replicates {
            let hits: Vec<u32> = (0..classes)
                .map(|c| binomial(&mut rng, sizes[c], truth[c]))
                .collect();
            let mean = hits
                .iter()
                .zip(&sizes)
                .map(|(&k, &n)| f64::from(k) / f64::from(n))
                .sum::<f64>()
                / classes as f64;
            let [l, h] = stratified(mean, &hits, &sizes);
            strat_cover += usize::from(l <= true_mean && true_mean <= h);
            // A per-image rate near 1 from 60 images: Wilson's hard case.
            let k = binomial(&mut rng, 60, 0.97);
            let [l, h] = wilson(u64::from(k), 60);
            wilson_cover += usize::from(l <= 0.97 && 0.97 <= h);
        }
        // 95% of 300 is 285; a binomial standard deviation is ≈ 3.8.
        assert!(
            (274..=296).contains(&strat_cover),
            "stratified {strat_cover}/300"
        );
        assert!(
            (274..=300).contains(&wilson_cover),
            "wilson {wilson_cover}/300"
        );
    }
}
