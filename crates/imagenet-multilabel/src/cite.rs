//! How to cite what the reports show: the BibTeX of every work a figure rests on, and which
//! figure rests on which.
//!
//! The entries are the papers' own published BibTeX (the TFDS catalogue's citation blocks for
//! the first four; provenance in the `@comment` at the top of [`BIBTEX`]). Reports name their
//! sources by BibTeX key ([`sources`]), so a reader can go from a JSON field to the entry.

use std::collections::BTreeMap;

/// Every entry, as `info --cite` prints it.
pub const BIBTEX: &str = include_str!("../data/citations.bib");

/// Shankar et al. 2020, "Evaluating Machine Accuracy on ImageNet": the multi-label
/// annotations and the grading protocol.
pub const SHANKAR_2020: &str = "shankar2019evaluating";
/// Vasudevan et al. 2022, "When does dough become a bagel?": the v3.0.0 annotations and
/// ImageNet-M.
pub const VASUDEVAN_2022: &str = "vasudevan2022does";
/// Russakovsky et al. 2015, "ImageNet Large Scale Visual Recognition Challenge": the images
/// and their original labels.
pub const RUSSAKOVSKY_2015: &str = "ILSVRC15";
/// Beyer et al. 2020, "Are we done with ImageNet?": the ReaL labels and ReaL accuracy.
pub const BEYER_2020: &str = "beyer2020imagenet";
/// Peychev et al. 2023, "Automated Classification of Model Errors on ImageNet".
pub const PEYCHEV_2023: &str = "PeychevMFV2023";
/// Bertinetto et al. 2020, "Making Better Mistakes".
pub const BERTINETTO_2020: &str = "bertinetto2020making";

/// For each figure of [`crate::metrics::Report`] (by its JSON name), the BibTeX keys of the
/// works it rests on: the data, then the definition.
pub fn sources() -> BTreeMap<&'static str, Vec<&'static str>> {
    let multilabel = vec![SHANKAR_2020, VASUDEVAN_2022, RUSSAKOVSKY_2015];
    let real = vec![BEYER_2020, RUSSAKOVSKY_2015];
    BTreeMap::from([
        ("multilabel_accuracy", multilabel.clone()),
        ("multilabel_accuracy_strict", multilabel.clone()),
        ("multilabel_accuracy_per_image", multilabel.clone()),
        ("multilabel_top5_accuracy", multilabel.clone()),
        ("imagenet_m", vec![VASUDEVAN_2022, SHANKAR_2020]),
        ("top1_original_annotated", multilabel),
        ("top1_original_all", vec![RUSSAKOVSKY_2015]),
        ("real_accuracy", real.clone()),
        ("real_top5_accuracy", real),
        (
            "mistake_severity",
            vec![BERTINETTO_2020, SHANKAR_2020, VASUDEVAN_2022],
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_key_has_an_entry() {
        for (figure, keys) in sources() {
            for key in keys {
                assert!(
                    BIBTEX.contains(&format!("{{{key},")),
                    "{figure}: {key} has no entry"
                );
            }
        }
        for key in [PEYCHEV_2023, BERTINETTO_2020] {
            assert!(BIBTEX.contains(&format!("{{{key},")), "{key}");
        }
    }
}
