"""Decoding throughput of TensorFlow (as tfds.load decodes) and Pillow (as torchvision
loads), one thread, on every *.jpg in DIR; prints the median images/s over REPEATS runs.

    python bench/decode_peers.py DIR [REPEATS]
"""

import glob
import io
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

d = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
jpegs = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(d, "*.jpg")))]


def median(f):
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        rates.append(len(jpegs) / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


def pillow():
    for b in jpegs:
        with Image.open(io.BytesIO(b)) as im:
            im.convert("RGB").tobytes()


# tfds.load runs decode_image inside a tf.data pipeline (a graph), not eagerly per call.
options = tf.data.Options()
options.threading.private_threadpool_size = 1
ds = (
    tf.data.Dataset.from_tensor_slices(jpegs)
    .map(lambda b: tf.io.decode_image(b, channels=3, expand_animations=False))
    .with_options(options)
)


def tfds():
    for _ in ds:
        pass


tfds()  # build the pipeline once before timing
print(f"tensorflow\t{median(tfds):.1f}")
print(f"pillow\t{median(pillow):.1f}")
