"""A notebook's session, as a script: grade a NumPy array, list the ImageNet-M misses, build
the dataset and iterate it. Runs on the demo's synthetic data (`imagenet-multilabel demo --keep DIR`):

    python python/examples/notebook.py DIR
"""

import os
import sys
import tempfile
import warnings

import numpy as np

import imagenet_multilabel as iml

data = sys.argv[1]
annotations = os.path.join(data, "human_accuracy_v3.0.0.json")
warnings.simplefilter("ignore")  # the demo's annotations are synthetic: "unrecognised file"

logits = np.load(os.path.join(data, "strong_model.npy"))  # [50000, 1000] float32
report = iml.evaluate(logits, annotations=annotations)
print(report)
print("multi-label accuracy:", report.multilabel_accuracy.value, report.multilabel_accuracy.ci95)

mistakes = report.mistakes()
rows = mistakes.to_dict("records") if hasattr(mistakes, "to_dict") else mistakes
misses = [r for r in rows if r["imagenet_m"]]
print(f"ImageNet-M: {report.imagenet_m.correct}/{report.imagenet_m.total}; the misses:")
for r in misses[:10]:
    print(f"  {r['file']}: {r['original_name']} -> {r['prediction_name']} ({r['status']})")

with tempfile.TemporaryDirectory() as out:
    summary = iml.build(
        os.path.join(data, "ILSVRC2012_img_val.tar"), out, annotations=annotations, progress=False
    )
    print({split: s["examples"] for split, s in summary["splits"].items()})
    # Grading from the built dataset gives the same figures.
    again = iml.evaluate(logits, dataset=out)
    assert again.multilabel_accuracy == report.multilabel_accuracy
    # Read it back: map-style and iterable, images decoded as tfds.load decodes them.
    ds = iml.Dataset(out, split="validation")
    first = ds[0]
    print(len(ds), "examples; the first:", first["file_name"], first["image"].shape)
    seen = 0
    for ex in ds:
        assert ex["image"].dtype == np.uint8 and ex["image"].shape[2] == 3
        seen += 1
        if seen == 500:
            break
    print("iterated", seen, "decoded examples")
