//! Where every example goes: the order TFDS stores a split in, the number of shards, their
//! boundaries and every record's byte offset. All of it follows from the file names and
//! serialized lengths alone, so it is planned before any image is read.

use md5::{Digest, Md5};

use crate::classes::ImageId;
use crate::example::Split;
use crate::tfds::record::OVERHEAD;

/// TFDS's smallest and largest target shard sizes (64 MiB, 1 GiB).
const MIN_SHARD_SIZE: u64 = 64 << 20;
const MAX_SHARD_SIZE: u64 = 1 << 30;

/// The sort key of an example: MD5 of `split name ‖ file name`, read as a big-endian
/// 128-bit integer. TFDS stores each split in ascending key order.
pub fn order_key(split: Split, file_name: &str) -> u128 {
    let mut h = Md5::new();
    h.update(split.name().as_bytes());
    h.update(file_name.as_bytes());
    u128::from_be_bytes(h.finalize().into())
}

/// The number of shards TFDS writes for `num_examples` examples whose serialized lengths
/// sum to `example_bytes` (framing excluded): TFDS's `calculate_number_shards`.
pub fn num_shards(example_bytes: u64, num_examples: u64) -> u64 {
    // Saturating: no argument can make it panic (no real split comes near u64::MAX bytes).
    let total = example_bytes.saturating_add(OVERHEAD.saturating_mul(num_examples));
    let max_shards = total / MIN_SHARD_SIZE;
    let min_shards = total / MAX_SHARD_SIZE;
    if min_shards <= 1024 && 1024 <= max_shards && num_examples >= 1024 {
        return 1024;
    }
    if min_shards > 1024 {
        // TFDS loops forever when no multiple of 1024 fits (> 1 TiB in fewer examples than
        // shards); we fall back to one shard per example instead.
        let n = min_shards.div_ceil(1024).max(2) * 1024;
        return if n <= num_examples {
            n
        } else {
            num_examples.max(1)
        };
    }
    [512, 256, 128, 64, 32, 16, 8, 4, 2]
        .into_iter()
        .find(|&n| min_shards <= n && n <= max_shards && num_examples >= n)
        .unwrap_or(1)
}

/// The cumulative example counts at the end of each of `num_shards` shards:
/// `round(n·i/k)` for i in 1..=k, rounding halves to even as Python's `round` does.
pub fn shard_boundaries(num_examples: u64, num_shards: u64) -> Vec<u64> {
    (1..=num_shards)
        .map(|i| ((num_examples as f64 * i as f64) / num_shards as f64).round_ties_even() as u64)
        .collect()
}

/// One example's place in the written split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The image.
    pub image: ImageId,
    /// Its shard.
    pub shard: u32,
    /// Byte offset of its record (framing included) in the shard file.
    pub offset: u64,
    /// Length of its serialized Example (framing excluded).
    pub len: u64,
}

/// The layout of one split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitLayout {
    /// The split.
    pub split: Split,
    /// Every example, in stored order.
    pub examples: Vec<Placed>,
    /// Examples per shard.
    pub shard_lengths: Vec<u64>,
    /// Bytes per shard file (framing included).
    pub shard_sizes: Vec<u64>,
    /// Σ serialized Example lengths (`numBytes` in `dataset_info.json`).
    pub num_bytes: u64,
}

impl SplitLayout {
    /// Lays out `examples` (image, serialized Example length; any order, each image once).
    pub fn plan(split: Split, examples: &[(ImageId, u64)]) -> SplitLayout {
        let mut keyed: Vec<(u128, ImageId, u64)> = examples
            .iter()
            .map(|&(image, len)| (order_key(split, &image.file_name()), image, len))
            .collect();
        keyed.sort_unstable_by_key(|k| k.0);
        let n = keyed.len() as u64;
        let num_bytes = keyed.iter().fold(0u64, |sum, k| sum.saturating_add(k.2));
        let k = if n == 0 { 0 } else { num_shards(num_bytes, n) };
        let ends = shard_boundaries(n, k);
        let mut placed = Vec::with_capacity(keyed.len());
        let mut shard_lengths = Vec::with_capacity(ends.len());
        let mut shard_sizes = Vec::with_capacity(ends.len());
        let mut start = 0u64;
        for (shard, &end) in ends.iter().enumerate() {
            let mut offset = 0;
            for &(_, image, len) in &keyed[start as usize..end as usize] {
                placed.push(Placed {
                    image,
                    shard: shard as u32,
                    offset,
                    len,
                });
                offset = offset.saturating_add(len).saturating_add(OVERHEAD);
            }
            shard_lengths.push(end - start);
            shard_sizes.push(offset);
            start = end;
        }
        SplitLayout {
            split,
            examples: placed,
            shard_lengths,
            shard_sizes,
            num_bytes,
        }
    }

    /// The shard file name: `imagenet2012_multilabel-{split}.tfrecord-{i:05}-of-{k:05}`.
    pub fn shard_file_name(&self, shard: usize) -> String {
        shard_file_name(self.split.name(), shard, self.shard_lengths.len())
    }
}

/// The file name TFDS gives shard `shard` of `num_shards` of a split.
pub fn shard_file_name(split: &str, shard: usize, num_shards: usize) -> String {
    format!(
        "{}-{split}.tfrecord-{shard:05}-of-{num_shards:05}",
        crate::tfds::DATASET_NAME
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_key_is_md5_of_split_and_name() {
        // md5("validationILSVRC2012_val_00000001.JPEG"), computed independently with
        // Python's hashlib.
        let k = order_key(Split::Validation, "ILSVRC2012_val_00000001.JPEG");
        assert_eq!(format!("{k:032x}"), KEY_VAL_1);
        assert_ne!(
            k,
            order_key(Split::ImagenetM, "ILSVRC2012_val_00000001.JPEG")
        );
    }
    const KEY_VAL_1: &str = "71070e5045e9b377aa2625ba3872b12d";

    #[test]
    fn shard_counts_for_the_documented_cases() {
        // Real size: 20,000 × ~112 KB serialized → 2,241,875,698 bytes → 32 shards.
        assert_eq!(num_shards(2_241_875_698, 20_000), 32);
        // ImageNet-M at real size (7.6 MB) and any small split: one shard.
        assert_eq!(num_shards(7_600_005, 68), 1);
        assert_eq!(num_shards(27_574_158, 20_000), 1);
        // Exactly 64 MiB including framing is the smallest size with 2 shards.
        assert_eq!(num_shards(2 * (64 << 20) - 16 * 10, 10), 2);
        assert_eq!(num_shards(2 * (64 << 20) - 16 * 10 - 1, 10), 1);
        // Not more shards than examples; when no candidate fits, one shard.
        assert_eq!(num_shards(2 << 30, 3), 2);
        assert_eq!(num_shards(100 << 30, 3), 1);
        // Between 64 GiB and 1 TiB with enough examples: 1024.
        assert_eq!(num_shards(100 << 30, 50_000), 1024);
        // Over 1 TiB: the smallest multiple of 1024 (at least 2048) reaching min_shards.
        assert_eq!(num_shards(3000 << 30, 50_000), 3072);
    }

    #[test]
    fn boundaries_round_half_to_even() {
        assert_eq!(shard_boundaries(20_000, 32)[..3], [625, 1250, 1875]);
        assert_eq!(*shard_boundaries(20_000, 32).last().unwrap(), 20_000);
        // 5·1/2 = 2.5 → 2; 7·1/2 = 3.5 → 4; 10·{1,2,3}/4 = 2.5, 5, 7.5 → 2, 5, 8.
        assert_eq!(shard_boundaries(5, 2), [2, 5]);
        assert_eq!(shard_boundaries(7, 2), [4, 7]);
        assert_eq!(shard_boundaries(10, 4), [2, 5, 8, 10]);
    }

    #[test]
    fn no_argument_makes_the_layout_panic() {
        // Sizes no file has: the sums saturate instead of overflowing.
        assert_eq!(num_shards(u64::MAX, u64::MAX), 1 << 34); // 2^64 bytes in 1 GiB shards
        assert_eq!(num_shards(u64::MAX, 3), 3);
        assert_eq!(shard_boundaries(u64::MAX / 2, 2).len(), 2);
        let huge = [(ImageId(1), u64::MAX), (ImageId(2), u64::MAX)];
        let l = SplitLayout::plan(Split::Validation, &huge);
        assert_eq!(l.num_bytes, u64::MAX);
        assert_eq!(l.shard_lengths.iter().sum::<u64>(), 2);
    }

    #[test]
    fn real_size_gives_32_shards_of_625() {
        // 20,000 examples of the real mean serialized size (2,241,875,698 / 20,000).
        let items: Vec<(ImageId, u64)> = (1..=20_000).map(|n| (ImageId(n), 112_094)).collect();
        let l = SplitLayout::plan(Split::Validation, &items);
        assert_eq!(l.shard_lengths, vec![625; 32]);
        assert_eq!(l.shard_sizes, vec![625 * (112_094 + 16); 32]);
        assert_eq!(l.examples[625].shard, 1);
        assert_eq!(l.examples[625].offset, 0);
        assert_eq!(
            l.shard_file_name(31),
            "imagenet2012_multilabel-validation.tfrecord-00031-of-00032"
        );
    }

    #[test]
    fn plan_places_records_back_to_back_in_key_order() {
        let items: Vec<(ImageId, u64)> = (1..=5).map(|n| (ImageId(n), 100 + n as u64)).collect();
        let l = SplitLayout::plan(Split::ImagenetM, &items);
        assert_eq!(l.shard_lengths, [5]);
        assert_eq!(l.num_bytes, 101 + 102 + 103 + 104 + 105);
        assert_eq!(l.shard_sizes, [l.num_bytes + 5 * 16]);
        let keys: Vec<u128> = l
            .examples
            .iter()
            .map(|p| order_key(Split::ImagenetM, &p.image.file_name()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let mut off = 0;
        for p in &l.examples {
            assert_eq!(p.offset, off);
            off += p.len + 16;
        }
        assert_eq!(
            l.shard_file_name(0),
            "imagenet2012_multilabel-imagenet_m.tfrecord-00000-of-00001"
        );
    }
}
