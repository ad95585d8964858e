//! The WordNet hierarchy of the 1000 classes, and the height of the lowest common ancestor
//! (LCA) of two classes: the mistake-severity measure of Bertinetto et al. (2020), "Making
//! Better Mistakes".
//!
//! WordNet is a DAG (75 of the 1860 synsets above the classes have two or three parents), so
//! "the" LCA needs a convention. We use the tree of `data/imagenet2012_hierarchy.tsv`: one
//! root-to-class chain per class, chosen by a fixed rule (through *physical entity* when
//! possible, then the longest, then the lexicographically smallest; provenance and the rule's
//! measured quality in `data/README.md`). The 1000 chains are consistent (every synset on
//! them has one parent), so they form a tree of 1818 synsets, and every pair of classes has
//! exactly one LCA in it. docs/METRICS.md defines the measure and says why.
//!
//! Height is the graph-theoretic height of a node in that tree: the number of edges on the
//! longest downward path from it to a class (a class has height 0, the root, *entity*, 18).
//! It depends only on the LCA, and every ancestor is strictly higher than its descendants, so
//! a higher LCA is always the worse mistake.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::classes::{ClassId, NUM_CLASSES};

const HIERARCHY_TSV: &str = include_str!("../data/imagenet2012_hierarchy.tsv");
const SYNSETS_TSV: &str = include_str!("../data/wordnet_synsets_imagenet.tsv");

/// One WordNet synset of the tree: a class or one of its ancestors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synset {
    /// WordNet 3.0 noun id, e.g. `n02084071`.
    pub wnid: &'static str,
    /// The lemmas, comma separated, e.g. `dog, domestic dog, Canis familiaris`.
    pub lemmas: &'static str,
    /// The definition (WordNet gloss without its example sentences).
    pub gloss: &'static str,
    /// Edges from the root (`entity` is 0).
    pub depth: u32,
    /// Edges on the longest downward path to a class (a class is 0).
    pub height: u32,
    /// The parent in the tree; `None` for the root.
    parent: Option<u32>,
}

impl Synset {
    /// The first lemma, e.g. `dog`.
    pub fn name(&self) -> &'static str {
        self.lemmas.split(", ").next().unwrap_or(self.lemmas)
    }
}

/// The tree of the 1000 classes' chosen WordNet chains.
#[derive(Debug)]
pub struct Hierarchy {
    synsets: Vec<Synset>,
    /// `chains[c]`: indices into `synsets` from the root down to class `c`.
    chains: Vec<Vec<u32>>,
}

impl Hierarchy {
    /// The embedded hierarchy, built on first use.
    pub fn embedded() -> &'static Hierarchy {
        static HIERARCHY: OnceLock<Hierarchy> = OnceLock::new();
        HIERARCHY.get_or_init(parse)
    }

    /// The lowest common ancestor of two classes in the tree (the class itself when
    /// `a == b`).
    pub fn lca(&self, a: ClassId, b: ClassId) -> &Synset {
        let (ca, cb) = (&self.chains[a.index()], &self.chains[b.index()]);
        // Both chains start at the root, so the common prefix is never empty.
        let common = ca.iter().zip(cb).take_while(|(x, y)| x == y).count();
        &self.synsets[ca[common.max(1) - 1] as usize]
    }

    /// The height of the lowest common ancestor of `a` and `b`: 0 when `a == b`, up to
    /// [`Hierarchy::max_height`] when they meet only at the root.
    pub fn lca_height(&self, a: ClassId, b: ClassId) -> u32 {
        self.lca(a, b).height
    }

    /// The severity of predicting `prediction` for an image whose correct labels are
    /// `labels`: the LCA height to the nearest of them (the smallest); `None` when `labels`
    /// is empty.
    pub fn severity(&self, prediction: ClassId, labels: &[ClassId]) -> Option<u32> {
        labels.iter().map(|&l| self.lca_height(prediction, l)).min()
    }

    /// The class's synset and its ancestors, from the class up to the root.
    pub fn ancestors(&self, class: ClassId) -> impl Iterator<Item = &Synset> + '_ {
        self.chains[class.index()]
            .iter()
            .rev()
            .map(|&i| &self.synsets[i as usize])
    }

    /// The parent of `synset` in the tree; `None` for the root.
    pub fn parent(&self, synset: &Synset) -> Option<&Synset> {
        synset.parent.map(|p| &self.synsets[p as usize])
    }

    /// The synset with this wnid, if it is in the tree.
    pub fn synset(&self, wnid: &str) -> Option<&Synset> {
        self.synsets.iter().find(|s| s.wnid == wnid)
    }

    /// The root's height: the largest LCA height (a severity histogram has this + 1 bins).
    pub fn max_height(&self) -> u32 {
        self.synsets
            .iter()
            .find(|s| s.parent.is_none())
            .map_or(0, |s| s.height)
    }

    /// Number of synsets in the tree (classes and ancestors).
    pub fn len(&self) -> usize {
        self.synsets.len()
    }

    /// Always false: the embedded tree has the 1000 classes.
    pub fn is_empty(&self) -> bool {
        self.synsets.is_empty()
    }
}

// The embedded tables are checked by the tests below (row count, chain shape, consistency);
// a malformed table is a build defect, not bad user input, as in `classes.rs`.
fn parse() -> Hierarchy {
    let lemmas: HashMap<&'static str, (&'static str, &'static str)> = SYNSETS_TSV
        .lines()
        .skip(1)
        .map(|line| {
            let mut f = line.split('\t');
            let wnid = f.next().unwrap_or_default();
            let lemmas = f.next().unwrap_or_default();
            let gloss = f.next().unwrap_or_default();
            (wnid, (lemmas, gloss))
        })
        .collect();
    let mut synsets: Vec<Synset> = Vec::new();
    let mut by_wnid: HashMap<&'static str, u32> = HashMap::new();
    let mut chains = Vec::with_capacity(NUM_CLASSES);
    for (i, line) in HIERARCHY_TSV.lines().skip(1).enumerate() {
        let f: Vec<&'static str> = line.split('\t').collect();
        assert!(
            f.len() == 3 && f[0] == i.to_string(),
            "embedded hierarchy.tsv row {i}"
        );
        let wnids: Vec<&'static str> = f[2].split('/').collect();
        assert_eq!(wnids.last(), Some(&f[1]), "embedded hierarchy.tsv row {i}");
        let mut chain = Vec::with_capacity(wnids.len());
        let mut parent = None;
        for (depth, wnid) in wnids.iter().enumerate() {
            let index = *by_wnid.entry(wnid).or_insert_with(|| {
                let (lemmas, gloss) = lemmas.get(wnid).copied().unwrap_or_default();
                synsets.push(Synset {
                    wnid,
                    lemmas,
                    gloss,
                    depth: depth as u32,
                    height: 0,
                    parent,
                });
                (synsets.len() - 1) as u32
            });
            let s = &mut synsets[index as usize];
            assert!(
                s.parent == parent && s.depth == depth as u32,
                "embedded hierarchy.tsv row {i}: {wnid} has two parents"
            );
            s.height = s.height.max((wnids.len() - 1 - depth) as u32);
            chain.push(index);
            parent = Some(index);
        }
        chains.push(chain);
    }
    assert_eq!(chains.len(), NUM_CLASSES, "embedded hierarchy.tsv rows");
    Hierarchy { synsets, chains }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(i: i64) -> ClassId {
        ClassId::new(i).unwrap()
    }

    #[test]
    fn the_tree_has_the_documented_shape() {
        let h = Hierarchy::embedded();
        assert_eq!(h.len(), 1818);
        assert_eq!(h.max_height(), 18);
        for class in ClassId::all() {
            let chain: Vec<&Synset> = h.ancestors(class).collect();
            assert_eq!(chain[0].wnid, class.wnid());
            assert_eq!(chain[0].height, 0);
            assert_eq!(chain.last().unwrap().wnid, "n00001740");
            // Heights rise strictly on the way up.
            assert!(chain.windows(2).all(|w| w[0].height < w[1].height));
        }
    }

    #[test]
    fn anchor_pairs_of_the_reference_data() {
        // data/README.md §9's anchor table: the LCA on the chains and its depth.
        let h = Hierarchy::embedded();
        let cases = [
            (0, 1, "n01439121", 15),     // tench, goldfish: cyprinid
            (151, 268, "n02084071", 13), // Chihuahua, Mexican hairless: dog
            (151, 269, "n02083346", 12), // Chihuahua, timber wolf: canine
            (281, 285, "n02121808", 14), // tabby, Egyptian cat: domestic cat
            (817, 864, "n03791235", 10), // sports car, tow truck: motor vehicle
            (134, 517, "n00003553", 3),  // crane (bird), crane (machine): whole
            (0, 999, "n00001930", 1),    // tench, toilet tissue: physical entity
            (657, 744, "n03575240", 5),  // missile, projectile: instrumentality
            (919, 0, "n00001740", 0),    // street sign, tench: entity
        ];
        for (a, b, wnid, depth) in cases {
            let lca = h.lca(c(a), c(b));
            assert_eq!((lca.wnid, lca.depth), (wnid, depth), "{a} {b}");
            assert_eq!(h.lca(c(b), c(a)).wnid, wnid, "symmetric");
        }
        assert_eq!(h.lca(c(151), c(268)).name(), "dog");
    }

    #[test]
    fn heights_order_mistakes_by_how_far_apart_the_classes_are() {
        let h = Hierarchy::embedded();
        assert_eq!(h.lca_height(c(5), c(5)), 0);
        // Two fish of one family: their LCA (cyprinid) is one edge above both.
        assert_eq!(h.lca_height(c(0), c(1)), 1);
        let dogs = h.lca_height(c(151), c(268));
        let dog_wolf = h.lca_height(c(151), c(269));
        let dog_car = h.lca_height(c(151), c(817));
        let fish_sign = h.lca_height(c(0), c(919));
        assert!(dogs < dog_wolf && dog_wolf < dog_car && dog_car < fish_sign);
        assert_eq!(fish_sign, 18);
    }

    #[test]
    fn severity_is_the_distance_to_the_nearest_correct_label() {
        let h = Hierarchy::embedded();
        // Predicting timber wolf for an image labelled Chihuahua and sports car: the dog is
        // nearer than the car.
        assert_eq!(
            h.severity(c(269), &[c(817), c(151)]),
            Some(h.lca_height(c(269), c(151)))
        );
        assert_eq!(h.severity(c(269), &[]), None);
    }
}
