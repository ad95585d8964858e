#!/usr/bin/env python3
"""Makes the committed goldens under crates/imagenet-multilabel/tests/goldens/ with the real
TensorFlow Datasets, never with this project's code. Run it through scripts/goldens/regenerate.sh
(which finds the TFDS venv), or directly with a Python that has tensorflow-datasets 4.9.10:

    VENV/bin/python scripts/goldens/make_goldens.py [tiny] [realsize]     (default: both)

tiny (about a minute):
  1. writes ILSVRC2012_img_val.tar (all 50,000 members, bytes by common.image_bytes /
     common.tiny_len) into a scratch folder, beside the committed
     goldens/fixture/human_accuracy_v3.0.0.json;
  2. runs the unmodified TFDS builder on them (../shared/peer/tfds/tfds_build.py: it only
     registers the fixture's checksum for the annotations URL);
  3. copies TFDS's features.json and dataset_info.json to goldens/tfds_tiny/, and writes
     goldens/tfds_tiny/order.json: per split, the shard files TFDS wrote, their example
     counts and the image numbers in stored order (read back with tf.data), and the sha256 of
     each *.labels.txt;
  4. grades goldens/fixture/predictions.csv on that build with the TFDS README's recipe
     (tfds.load; transcribed below) and the imagenet-mistakes notebook's ImageNet-M count, and
     writes goldens/recipe.json (each figure as Python's repr and as the hex of its f64 bits).
     As a cross-check the same recipe also runs on the notebook's own JSON loader (no TFDS);
     both must agree exactly.

realsize (a few minutes, about 2.4 GB of scratch twice):
  the same with 20,000 annotated images of 90-140 KB (common.realsize_annotations /
  realsize_len): TFDS splits the validation split into 32 shards, as for the real data.
  goldens/tfds_realsize/ gets TFDS's dataset_info.json and order.json with, per shard, its
  count, first and last image and the sha256 of its file names joined by "\\n".
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

PEER = os.path.join(common.REPO, "..", "shared", "peer", "tfds")
NAME = "imagenet2012_multilabel"


def tfds_build(tar, js, scratch):
    data_dir = os.path.join(scratch, "tfds")
    cmd = [sys.executable, os.path.join(PEER, "tfds_build.py"), "--tar", tar, "--json", js,
           "--data-dir", data_dir, "--work-dir", os.path.join(scratch, "work")]
    log = os.path.join(scratch, "build.log")
    with open(log, "w") as f:
        if subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT) != 0:
            sys.exit(f"the TFDS build failed; see {log}")
    return os.path.join(data_dir, NAME, "3.0.0")


def shards(version_dir):
    """{split: [shard file names in order]} from the files TFDS wrote."""
    out = {}
    for f in sorted(os.listdir(version_dir)):
        if ".tfrecord-" in f:
            split = f[len(NAME) + 1:].split(".tfrecord-")[0]
            out.setdefault(split, []).append(f)
    return out


def image_numbers(path):
    """The image numbers of the records of one shard file, in stored order, via TF's reader."""
    import tensorflow as tf
    out = []
    for raw in tf.data.TFRecordDataset(path):
        ex = tf.train.Example.FromString(raw.numpy())
        name = ex.features.feature["file_name"].bytes_list.value[0].decode()
        assert name.startswith("ILSVRC2012_val_") and name.endswith(".JPEG"), name
        out.append(int(name[len("ILSVRC2012_val_"):-len(".JPEG")]))
    return out


def order(version_dir, full):
    result = {"splits": {}, "labels_txt_sha256": {}}
    for split, files in shards(version_dir).items():
        entries = []
        for f in files:
            numbers = image_numbers(os.path.join(version_dir, f))
            e = {"file": f, "length": len(numbers)}
            if full:
                e["images"] = numbers
            else:
                e["first"] = numbers[0]
                e["last"] = numbers[-1]
                e["file_names_sha256"] = hashlib.sha256(
                    "\n".join(common.file_name(n) for n in numbers).encode()).hexdigest()
            entries.append(e)
        result["splits"][split] = entries
    for f in sorted(os.listdir(version_dir)):
        if f.endswith(".labels.txt"):
            with open(os.path.join(version_dir, f), "rb") as fh:
                result["labels_txt_sha256"][f] = hashlib.sha256(fh.read()).hexdigest()
    return result


def write_json(obj, path, compact=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if compact:
            # One line: the tiny build's image lists would take a line per number.
            json.dump(obj, f, sort_keys=True, separators=(",", ":"))
        else:
            json.dump(obj, f, sort_keys=True, indent=1)
        f.write("\n")


def copy_metadata(version_dir, dest):
    os.makedirs(dest, exist_ok=True)
    for f in ("features.json", "dataset_info.json"):
        shutil.copyfile(os.path.join(version_dir, f), os.path.join(dest, f))


# ---- the grading recipes ------------------------------------------------------------------


def load_predictions(path):
    """file_name (bytes, as tfds yields it) -> top-1 class id."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["file_name"].encode(): int(r["prediction"]) for r in rows}


def readme_recipe(ds, predictions, strict=False):
    """The NumPy code of TFDS's imagenet2012_multilabel README (tensorflow_datasets 4.9.10,
    datasets/imagenet2012_multilabel/README.md), transcribed. Only two typos of the
    published text are fixed: curly quotes around 'is_problematic' and `is in` for `in`.
    With `strict`, the unclear list is taken as empty: correct alone is a hit, the strict
    companion figure (the README gives only the lenient one)."""
    num_correct_per_class = {}
    num_images_per_class = {}

    for example in ds:
        # We ignore all problematic images
        if example['is_problematic'].numpy():
            continue

        # The label of the image in ImageNet
        cur_class = example['original_label'].numpy()

        # If we haven't processed this class yet, set the counters to 0
        if cur_class not in num_correct_per_class:
            num_correct_per_class[cur_class] = 0
            assert cur_class not in num_images_per_class
            num_images_per_class[cur_class] = 0

        num_images_per_class[cur_class] += 1

        # Get the predictions for this image
        cur_pred = predictions[example['file_name'].numpy()]

        # We count a prediction as correct if it is marked as correct or unclear
        # (i.e., we are lenient with the unclear labels)
        unclear = [] if strict else example['unclear_multi_labels'].numpy()
        if cur_pred in example['correct_multi_labels'].numpy() or cur_pred in unclear:
            num_correct_per_class[cur_class] += 1

    # Check that we have collected accuracy data for each of the 1,000 classes
    num_classes = 1000
    assert len(num_correct_per_class) == num_classes
    assert len(num_images_per_class) == num_classes

    # Compute the per-class accuracies and then average them
    final_avg = 0
    for cid in range(num_classes):
        assert cid in num_correct_per_class
        assert cid in num_images_per_class
        final_avg += num_correct_per_class[cid] / num_images_per_class[cid]
    final_avg /= num_classes
    return final_avg


def notebook_imagenet_m_correct(imagenet_m_ds, predictions):
    """`imagenet_m_correct` of google-research/imagenet-mistakes's notebook
    (When_does_dough_become_a_bagel__ImageNet_M_Evaluation.ipynb), with the top-1 taken from
    the predictions file instead of an argmax over logits."""
    correct = 0
    for example in imagenet_m_ds:
        correct_labels = (list(example['correct_multi_labels'].numpy()) +
                          list(example['unclear_multi_labels'].numpy()))
        top_pred = predictions[example['file_name'].numpy()]
        if top_pred in correct_labels:
            correct += 1
    return correct


class _Tensor:
    """Enough of an eager tensor (`.numpy()`) for the recipes to run on plain values."""

    def __init__(self, v):
        self.v = v

    def numpy(self):
        return self.v


def notebook_examples(json_path):
    """The notebook's own loader: examples straight from the annotations JSON, no TFDS."""
    names = common.wnids()
    wnid_to_cid = {w: i for i, w in enumerate(names)}
    labels_list = [names[c] for c in common.original_labels()[1:]]
    with open(json_path) as f:
        human_accuracy = json.load(f)
    problematic_images = set(human_accuracy['problematic_images'].keys())
    imagenet_m_files = set(human_accuracy['imagenet_m'])
    val, m = [], []
    for image_name, data in human_accuracy['initial_annots'].items():
        if not image_name.startswith('ILSVRC2012_val_'):
            continue
        image_id = int(image_name.split('_')[-1][:-5])
        entry = {
            'file_name': _Tensor(image_name.encode()),
            'is_problematic': _Tensor(image_name in problematic_images),
            'correct_multi_labels': _Tensor([wnid_to_cid[x] for x in data.get('correct', [])]),
            'wrong_multi_labels': _Tensor([wnid_to_cid[x] for x in data.get('wrong', [])]),
            'unclear_multi_labels': _Tensor([wnid_to_cid[x] for x in data.get('unclear', [])]),
            'original_label': _Tensor(wnid_to_cid[labels_list[image_id - 1]]),
        }
        val.append(entry)
        if image_name in imagenet_m_files:
            m.append(entry)
    return val, m


def figure(x):
    return {"repr": repr(x), "f64_bits": f"{struct_bits(x):016x}"}


def struct_bits(x):
    import struct
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def grade(data_dir, json_path, csv_path):
    import tensorflow_datasets as tfds
    predictions = load_predictions(csv_path)
    # The fixture's images are not decodable JPEGs and the recipe never looks at them: skip
    # decoding (the one argument the README's tfds.load call does not have).
    skip = {"image": tfds.decode.SkipDecoding()}
    val = tfds.load(NAME, split="validation", data_dir=data_dir, decoders=skip)
    m = tfds.load(NAME, split="imagenet_m", data_dir=data_dir, decoders=skip)
    lenient = readme_recipe(val, predictions)
    strict = readme_recipe(val, predictions, strict=True)
    m_correct = notebook_imagenet_m_correct(m, predictions)
    # The same recipes on the notebook's JSON loader: TFDS's build must not change a bit.
    nb_val, nb_m = notebook_examples(json_path)
    assert readme_recipe(nb_val, predictions) == lenient
    assert readme_recipe(nb_val, predictions, strict=True) == strict
    assert notebook_imagenet_m_correct(nb_m, predictions) == m_correct
    m_total = sum(1 for _ in m)
    import tensorflow as tf
    return {
        "made_by": "scripts/goldens/make_goldens.py (tensorflow-datasets "
                   f"{tfds.__version__}, tensorflow {tf.__version__})",
        "annotations": "fixture/human_accuracy_v3.0.0.json",
        "predictions": "fixture/predictions.csv",
        "multilabel_accuracy": figure(lenient),
        "multilabel_accuracy_strict": figure(strict),
        "imagenet_m": {"correct": m_correct, "total": m_total},
    }


# ---- the two builds ----------------------------------------------------------------------


def tiny(scratch):
    fixture = os.path.join(common.GOLDENS, "fixture")
    js = os.path.join(fixture, "human_accuracy_v3.0.0.json")
    tar = os.path.join(scratch, "ILSVRC2012_img_val.tar")
    common.write_tar(tar, common.tiny_len)
    version_dir = tfds_build(tar, js, scratch)
    dest = os.path.join(common.GOLDENS, "tfds_tiny")
    copy_metadata(version_dir, dest)
    write_json(order(version_dir, full=True), os.path.join(dest, "order.json"), compact=True)
    recipe = grade(os.path.join(scratch, "tfds"), js, os.path.join(fixture, "predictions.csv"))
    write_json(recipe, os.path.join(common.GOLDENS, "recipe.json"))
    print("tiny:", json.dumps(recipe))


def realsize(scratch):
    doc, chosen = common.realsize_annotations()
    js = os.path.join(scratch, "human_accuracy_v3.0.0.json")
    common.dump_json(doc, js)
    annotated = set(chosen)
    tar = os.path.join(scratch, "ILSVRC2012_img_val.tar")
    common.write_tar(tar, lambda n: common.realsize_len(n) if n in annotated else common.unannotated_len(n))
    version_dir = tfds_build(tar, js, scratch)
    os.remove(tar)
    dest = os.path.join(common.GOLDENS, "tfds_realsize")
    os.makedirs(dest, exist_ok=True)
    shutil.copyfile(os.path.join(version_dir, "dataset_info.json"), os.path.join(dest, "dataset_info.json"))
    result = order(version_dir, full=False)
    write_json(result, os.path.join(dest, "order.json"))
    print("realsize:", {s: [e["length"] for e in v] for s, v in result["splits"].items()})


def main():
    which = sys.argv[1:] or ["tiny", "realsize"]
    for w in which:
        scratch = tempfile.mkdtemp(prefix=f"goldens-{w}.")
        try:
            {"tiny": tiny, "realsize": realsize}[w](scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
