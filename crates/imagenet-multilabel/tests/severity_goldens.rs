//! LCA heights equal what `scripts/goldens/severity.py` computes from WordNet 3.0's own
//! `data.noun` (its own closure, chain rule, tree height and LCA), never from our code.

use std::path::Path;

use imagenet_multilabel::hierarchy::Hierarchy;
use imagenet_multilabel::ClassId;

#[test]
fn lca_heights_equal_the_wordnet_goldens() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/severity/lca_heights.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let h = Hierarchy::embedded();
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let a = ClassId::new(f[0].parse().unwrap()).unwrap();
        let b = ClassId::new(f[1].parse().unwrap()).unwrap();
        let lca = h.lca(a, b);
        let got = (lca.wnid, lca.depth.to_string(), lca.height.to_string());
        assert_eq!(got, (f[2], f[3].to_string(), f[4].to_string()), "{line}");
        assert_eq!(h.lca_height(a, b).to_string(), f[4], "{line}");
        checked += 1;
    }
    assert_eq!(checked, 2014);
}
