"""Images per second iterating the validation split with every image decoded to H x W x 3
uint8, one reader per call (bench/python_dataset.sh runs them side by side and takes medians):

    python bench/python_dataset.py ours DATA_DIR N        iml.Dataset(DATA_DIR), iterated
    python bench/python_dataset.py ours-random DATA_DIR N ds[i] in a shuffled order (map-style)
    python bench/python_dataset.py tfds DATA_DIR N        tfds.load(...).as_numpy_iterator()
    python bench/python_dataset.py pil JPEG_DIR N         PIL.Image.open(f).convert("RGB") -> numpy,
                                                           one process (torchvision's loader)
    python bench/python_dataset.py pil-pool JPEG_DIR N    the same in a multiprocessing pool of
                                                           one process per core (DataLoader workers)
    python bench/python_dataset.py pil-pool-bound JPEG_DIR N   the pool decoding without handing
                                                           the pixels back (only their shape): an
                                                           upper bound for any PIL pipeline on
                                                           these cores, hand-over free
    python bench/python_dataset.py extract DATA_DIR JPEG_DIR   writes the JPEGs as files (setup)
    python bench/python_dataset.py camera TAR          replaces every JPEG of the validation TAR with
                                                           a camera-like 500 x 375 picture (Pillow,
                                                           quality 90, 4:2:0; scripts/jpeg_goldens.py's
                                                           scene), the mean ImageNet size (setup;
                                                           the TFDS peer's python: that script
                                                           imports TensorFlow)

N examples from the start of the split (stored order); the time includes opening the reader.
Prints "MODE images_per_second seconds N".
"""

import os
import sys
import time


def ours(data_dir, n, shuffled=False):
    import imagenet_multilabel as iml
    t = time.perf_counter()
    ds = iml.Dataset(data_dir)
    count = 0
    if shuffled:
        import random
        order = list(range(min(n, len(ds))))
        random.Random(1).shuffle(order)
        for i in order:
            count += ds[i]["image"].shape[2] == 3
    else:
        for ex in ds:
            count += ex["image"].shape[2] == 3
            if count == n:
                break
    return count, time.perf_counter() - t


def tfds_load(data_dir, n):
    import tensorflow_datasets as tfds
    t = time.perf_counter()
    ds = tfds.load("imagenet2012_multilabel", split="validation", data_dir=data_dir,
                   shuffle_files=False, download=False)
    count = 0
    for ex in ds.take(n).as_numpy_iterator():
        count += ex["image"].shape[2] == 3
    return count, time.perf_counter() - t


def _pil_load(path):
    import numpy as np
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _pil_shape(path):
    return _pil_load(path).shape


def _files(jpeg_dir, n):
    with open(os.path.join(jpeg_dir, "order.txt")) as f:
        return [os.path.join(jpeg_dir, name) for name in f.read().split()][:n]


def pil(jpeg_dir, n, pool=False, bound=False):
    files = _files(jpeg_dir, n)
    t = time.perf_counter()
    count = 0
    if pool:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as p:
            if bound:
                for shape in p.imap(_pil_shape, files, chunksize=8):
                    count += shape[2] == 3
            else:
                for a in p.imap(_pil_load, files, chunksize=8):
                    count += a.shape[2] == 3
    else:
        for f in files:
            count += _pil_load(f).shape[2] == 3
    return count, time.perf_counter() - t


def extract(data_dir, jpeg_dir):
    import imagenet_multilabel as iml
    os.makedirs(jpeg_dir, exist_ok=True)
    names = []
    for ex in iml.Dataset(data_dir, decode=None):
        name = ex["file_name"].decode()
        with open(os.path.join(jpeg_dir, name), "wb") as f:
            f.write(ex["image"])
        names.append(name)
    with open(os.path.join(jpeg_dir, "order.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


def camera(tar_path):
    import io
    import tarfile
    from PIL import Image
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    from jpeg_goldens import scene
    tmp = tar_path + ".camera"
    with tarfile.open(tar_path) as src, tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as dst:
        for k, member in enumerate(src):
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.endswith(".JPEG"):
                # Keep the fixture's grayscale and CMYK images as they are.
                with Image.open(io.BytesIO(data)) as im:
                    if im.mode == "RGB":
                        out = io.BytesIO()
                        Image.fromarray(scene(500, 375, 1000 + k)).save(out, "JPEG", quality=90)
                        data = out.getvalue()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    os.replace(tmp, tar_path)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "camera":
        camera(path)
        return
    if mode == "extract":
        extract(path, sys.argv[3])
        return
    n = int(sys.argv[3])
    runs = {
        "ours": lambda: ours(path, n),
        "ours-random": lambda: ours(path, n, shuffled=True),
        "tfds": lambda: tfds_load(path, n),
        "pil": lambda: pil(path, n),
        "pil-pool": lambda: pil(path, n, pool=True),
        "pil-pool-bound": lambda: pil(path, n, pool=True, bound=True),
    }
    count, seconds = runs[mode]()
    assert count == n, f"{mode} read {count} images, expected {n}"
    print(f"{mode} {count / seconds:.1f} {seconds:.3f} {count}")


if __name__ == "__main__":
    main()
