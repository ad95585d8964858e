"""Goldens for mistake severity (the LCA height of Bertinetto et al. 2020), computed from
WordNet 3.0 itself, never by our own code or from the chain file the crate embeds.

It reads the noun database `data.noun` of Debian's `wordnet-base` 1:3.0-37 (sha256 checked;
`apt-get install wordnet-base` puts it at /usr/share/wordnet/data.noun), then:

1. takes the 1000 class wnids (crates/imagenet-multilabel/data/imagenet2012_labels.txt) and
   follows hypernym (`@`) and instance-hypernym (`@i`) pointers to the root: the closure DAG;
2. picks one root-to-class path per class by the rule docs/METRICS.md states (through
   `physical entity` n00001930 when the class has such a path; then the longest; then the
   lexicographically smallest sequence of wnids read from the root), and checks that these
   chains are exactly those of the embedded `imagenet2012_hierarchy.tsv`;
3. builds the tree of those chains and computes, with its own algorithms (a recursive height
   over children; the LCA as the deepest node of one chain that is an ancestor of the other),
   the LCA, its depth and its height for a fixed set of class pairs.

Output: crates/imagenet-multilabel/tests/data/severity/lca_heights.tsv, one line per pair
`a  b  lca_wnid  lca_depth  lca_height`. Run from anywhere with Python >= 3.8:

    python3 scripts/goldens/severity.py [path/to/data.noun]
"""
import hashlib
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "crates", "imagenet-multilabel", "data")
OUT = os.path.join(ROOT, "crates", "imagenet-multilabel", "tests", "data", "severity")
DATA_NOUN_SHA256 = "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2"
ROOT_WNID = "n00001740"
PHYSICAL_ENTITY = "n00001930"


def read_hypernyms(path):
    """wnid -> list of hypernym wnids (`@` and `@i` pointers to nouns), from data.noun."""
    with open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DATA_NOUN_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {DATA_NOUN_SHA256} (wordnet-base 1:3.0-37)")
    parents = {}
    for line in raw.decode("utf-8").splitlines():
        if line.startswith("  "):  # the licence header
            continue
        fields = line.split(" | ")[0].split()
        offset, w_cnt = fields[0], int(fields[3], 16)
        at = 4 + 2 * w_cnt
        p_cnt = int(fields[at])
        ups = []
        for k in range(p_cnt):
            symbol, target, pos = fields[at + 1 + 4 * k : at + 4 + 4 * k]
            if symbol in ("@", "@i") and pos == "n":
                ups.append("n" + target)
        parents["n" + offset] = ups
    return parents


def paths_to_root(wnid, parents):
    """Every path from the root down to `wnid`, as lists of wnids."""
    if wnid == ROOT_WNID:
        return [[wnid]]
    return [p + [wnid] for up in parents[wnid] for p in paths_to_root(up, parents)]


def choose(paths):
    physical = [p for p in paths if len(p) > 1 and p[1] == PHYSICAL_ENTITY]
    pool = physical or paths
    longest = max(len(p) for p in pool)
    return min(p for p in pool if len(p) == longest)


def main():
    data_noun = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet/data.noun"
    if not os.path.exists(data_noun):
        sys.exit(f"{data_noun} not found: apt-get install wordnet-base, or pass its path")
    parents = read_hypernyms(data_noun)
    with open(os.path.join(DATA, "imagenet2012_labels.txt")) as f:
        classes = f.read().split()
    assert len(classes) == 1000
    chains = [choose(paths_to_root(w, parents)) for w in classes]

    # The embedded chain file must be exactly what the rule gives on WordNet.
    with open(os.path.join(DATA, "imagenet2012_hierarchy.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    embedded = [row[2].split("/") for row in rows]
    differ = [i for i in range(1000) if embedded[i] != chains[i]]
    assert not differ, f"chains differ from imagenet2012_hierarchy.tsv for classes {differ[:10]}"

    children, depth = {}, {}
    for chain in chains:
        for d, (up, down) in enumerate(zip(chain, chain[1:])):
            children.setdefault(up, set()).add(down)
            depth[up], depth[down] = d, d + 1
    memo = {}

    def height(w):
        if w not in memo:
            memo[w] = 1 + max(height(c) for c in children[w]) if w in children else 0
        return memo[w]

    def lca(a, b):
        above_a = set(chains[a])
        return next(w for w in reversed(chains[b]) if w in above_a)

    pairs = [
        (0, 1), (151, 268), (151, 269), (281, 285), (817, 864), (134, 517), (0, 999),
        (657, 744), (919, 0), (151, 817), (190, 217), (971, 920), (5, 5), (638, 639),
    ]
    rng = random.Random(20201130)
    pairs += [(rng.randrange(1000), rng.randrange(1000)) for _ in range(2000)]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "lca_heights.tsv"), "w") as f:
        f.write("a\tb\tlca_wnid\tlca_depth\tlca_height\n")
        for a, b in pairs:
            w = lca(a, b)
            f.write(f"{a}\t{b}\t{w}\t{depth[w]}\t{height(w)}\n")
    print(f"{len(pairs)} pairs; tree of {len(depth)} synsets, root height {height(ROOT_WNID)}")


if __name__ == "__main__":
    main()
