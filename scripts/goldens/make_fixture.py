#!/usr/bin/env python3
"""Writes the small committed fixture the goldens are computed on:

  crates/imagenet-multilabel/tests/goldens/fixture/human_accuracy_v3.0.0.json
  crates/imagenet-multilabel/tests/goldens/fixture/predictions.csv

    python3 scripts/goldens/make_fixture.py        (standard library only, seeded)

The annotations follow the real schema: `initial_annots` (1-3 validation images per class,
2,000 in all, with absent and empty lists, duplicates, labels in more than one list, and
ImageNetV2 entries a reader must drop), `problematic_images` (keys with reviewer fields in
both spellings), `imagenet_m` (68 names) and keys TFDS ignores. Every class keeps at least
one non-problematic image (the reference recipe asserts all 1000 classes are present), and
most classes with several images have three, so that per-class accuracies are thirds and
the order of the float sum matters.

The predictions give a top-1 class id for every annotated image: mostly a label from the
image's lists, sometimes any class.

The files are committed; the tests read them, never this script. Re-running it with the
same seed rewrites them byte for byte (then re-run make_goldens.py).
"""

import csv
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

SEED = 20261130


def main():
    rng = random.Random(SEED)
    names = common.wnids()
    original = common.original_labels()
    by_class = [[] for _ in range(1000)]
    for n in range(1, common.NUM_IMAGES + 1):
        by_class[original[n]].append(n)

    annots = {}
    problematic = {}
    records = []  # (n, correct, wrong, unclear) as ids, for the predictions
    for c in range(1000):
        k = 1 + c % 3
        images = sorted(rng.sample(by_class[c], k))
        for i, n in enumerate(images):
            # correct: usually the original label, sometimes another or none at all.
            r = rng.random()
            if r < 0.8:
                correct = [c]
            elif r < 0.9:
                correct = [c, rng.randrange(1000)]
            else:
                correct = []
            wrong = [rng.randrange(1000) for _ in range(rng.choice([0, 0, 1, 2]))]
            unclear = [rng.randrange(1000) for _ in range(rng.choice([0, 0, 0, 1]))]
            if rng.random() < 0.03 and correct:
                correct.append(correct[0])  # a duplicate, kept as TFDS keeps it
            if rng.random() < 0.03 and correct:
                wrong.append(correct[0])  # a label in two lists
            entry = {}
            # The three keys may be absent or empty, in any order.
            for key, ids in (("correct", correct), ("wrong", wrong), ("unclear", unclear)):
                if ids or rng.random() < 0.5:
                    entry[key] = [names[x] for x in ids]
            keys = list(entry)
            rng.shuffle(keys)
            annots[common.file_name(n)] = {key: entry[key] for key in keys}
            # The first image of a class is never problematic: every class stays graded.
            if i > 0 and rng.random() < 0.15:
                problematic[common.file_name(n)] = (
                    {"reason": "ambiguous", "reviewer": "r1", "server_username": "alice"}
                    if rng.random() < 0.5
                    else {"reason": "drawing", "server_user_name": "bob"}
                )
            records.append((n, correct, wrong, unclear))
    # ImageNetV2 entries (dropped by every reader) among the validation ones.
    for j in range(5):
        annots[f"imagenet2/{j % 1000}/{rng.getrandbits(64):016x}.jpeg"] = {"correct": [names[rng.randrange(1000)]]}
    problematic["imagenet2/7/00000000deadbeef.jpeg"] = {"reason": "v2"}
    items = list(annots.items())
    rng.shuffle(items)
    imagenet_m = sorted(rng.sample([r[0] for r in records], 68))

    doc = {
        "version": "3.0.0",
        "description": "small fixture for the golden tests, made by scripts/goldens/make_fixture.py",
        "initial_annots": dict(items),
        "stats": {"images": len(records), "ratio": 0.4, "empty": {}, "none": None},
        "problematic_images": problematic,
        "imagenet_m": [common.file_name(n) for n in imagenet_m],
    }
    out = os.path.join(common.GOLDENS, "fixture")
    os.makedirs(out, exist_ok=True)
    common.dump_json(doc, os.path.join(out, "human_accuracy_v3.0.0.json"))

    with open(os.path.join(out, "predictions.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file_name", "prediction"])
        for n, correct, wrong, unclear in records:
            r = rng.random()
            if r < 0.55 and correct:
                p = rng.choice(correct)
            elif r < 0.65 and unclear:
                p = rng.choice(unclear)
            elif r < 0.8 and wrong:
                p = rng.choice(wrong)
            else:
                p = rng.randrange(1000)
            w.writerow([common.file_name(n), p])
    print(f"{len(records)} annotated images, {len(problematic) - 1} problematic, 68 imagenet_m -> {out}")


if __name__ == "__main__":
    main()
