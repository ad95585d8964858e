"""`iml.Dataset` against what the real TFDS yields (scripts/goldens/tfds_dataset.json, made by
scripts/goldens/tfds_dataset.py with tensorflow-datasets; no TensorFlow here), plus indexing,
pickling, fork and spawn workers, and errors."""

import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import sys

import numpy as np
import pytest

import imagenet_multilabel as iml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDENS_DIR = os.path.join(REPO, "scripts", "goldens")
sys.path.insert(0, GOLDENS_DIR)
import dataset_fixture  # noqa: E402

with open(os.path.join(GOLDENS_DIR, "tfds_dataset.json")) as f:
    GOLDENS = json.load(f)

LISTS = ["correct_multi_labels", "wrong_multi_labels", "unclear_multi_labels"]
FEATURES = ["image", "file_name", "original_label"] + LISTS + ["is_problematic"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """The goldens' dataset, rebuilt by the same recipe (our tools, seeded)."""
    return dataset_fixture.make(str(tmp_path_factory.mktemp("dataset")))


def sha(b):
    return hashlib.sha256(b).hexdigest()


def dtype_of(v):
    if isinstance(v, bytes):
        return ["bytes", 0]
    return [str(v.dtype), int(np.ndim(v))]


def rows(split, data_dir):
    """The goldens' row of every example, from three Datasets (one per decoder), iterated."""
    tf, pil, raw = (iml.Dataset(data_dir, split=split, decode=d) for d in ("tfds", "pillow", None))
    want = GOLDENS["splits"][split]["dtypes"]
    out = []
    for i, (ex, p, r) in enumerate(zip(tf, pil, raw)):
        assert list(ex) == FEATURES
        assert {k: dtype_of(v) for k, v in ex.items()} == {k: want[k] for k in FEATURES}
        assert dtype_of(r["image"]) == want["image (decode=None)"]
        assert dtype_of(p["image"]) == want["image"]
        assert ex["file_name"] == p["file_name"] == r["file_name"]
        assert type(ex["original_label"]) is np.int64 and type(ex["is_problematic"]) is np.bool_
        out.append([i, ex["file_name"].decode(), int(ex["original_label"])]
                   + [[int(x) for x in ex[k]] for k in LISTS]
                   + [bool(ex["is_problematic"]), list(ex["image"].shape),
                      sha(ex["image"].tobytes()), sha(p["image"].tobytes()), sha(r["image"])])
    return out


@pytest.mark.parametrize("split", ["validation", "imagenet_m"])
def test_every_example_is_what_tfds_yields(split, data_dir):
    golden = GOLDENS["splits"][split]
    got = rows(split, data_dir)
    assert len(got) == golden["count"] == len(iml.Dataset(data_dir, split=split))
    for want in golden["rows"]:
        # want[-1] is the JPEG's mode: the grayscale and CMYK images are among these rows.
        assert got[want[0]] == want[:-1], f"example {want[0]} ({want[-1]})"
    lines = "\n".join(json.dumps(r, separators=(",", ":")) for r in got)
    assert sha(lines.encode()) == golden["all_sha256"]
    modes = {r[-1] for r in golden["rows"]}
    if split == "validation":
        assert modes == {"RGB", "L", "CMYK"}


def test_random_access_equals_iteration(data_dir):
    ds = iml.Dataset(data_dir)
    seq = list(ds)
    n = len(ds)
    for i in [0, 1, 63, 64, 65, 500, n - 1, -1, -n]:
        got, want = ds[i], seq[i]
        assert got.keys() == want.keys()
        for k in FEATURES:
            assert np.array_equal(got[k], want[k]), (i, k)
    assert ds[np.int64(3)]["file_name"] == seq[3]["file_name"]
    # Writable, like tfds.as_numpy's arrays (torch.from_numpy warns on read-only ones).
    assert ds[0]["image"].flags.writeable
    for bad in [n, -n - 1, 10**12]:
        with pytest.raises(IndexError, match=f"index {bad} is out of range: split validation holds {n} examples"):
            ds[bad]
    with pytest.raises(TypeError, match="integers, not str"):
        ds["0"]


def test_iterators_are_independent_and_arrays_own_their_pixels(data_dir):
    ds = iml.Dataset(data_dir)
    want = [sha(ex["image"].tobytes()) for ex in ds]
    # Two iterators at once, one abandoned part way (its feeder thread must stop, not block
    # the other), and the arrays kept past the iteration that made them.
    a, b = iter(ds), iter(ds)
    first = [next(a) for _ in range(40)]
    kept = [ex["image"] for ex in b]
    del a
    assert [sha(x.tobytes()) for x in kept] == want
    assert [sha(ex["image"].tobytes()) for ex in first] == want[:40]
    # The pixels are handed over without a copy, and an array is the only view of them:
    # writing to one changes no other example, and a re-read decodes afresh.
    img = kept[5]
    assert img.base is not None and type(img.base).__name__ == "Pixels"
    assert img.flags.writeable and img.flags.c_contiguous and img.dtype == np.uint8
    img[:] = 7
    assert sha(ds[5]["image"].tobytes()) == want[5]
    assert [sha(x.tobytes()) for x in kept[:5]] == want[:5]
    assert sum(1 for _ in ds) == len(ds)


def _hashes(ds, indices):
    return [sha(ds[i]["image"].tobytes()) + ds[i]["file_name"].decode() for i in indices]


def _worker(ds, indices, queue):
    queue.put((os.getpid(), _hashes(ds, indices), sum(1 for _ in ds)))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_read_the_same_examples(method, data_dir):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    ds = iml.Dataset(data_dir, split="imagenet_m")
    indices = [0, 5, len(ds) - 1, 7]
    want = _hashes(ds, indices)  # the parent has opened its files and its threads
    list(ds)
    ctx = multiprocessing.get_context(method)
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(ds, indices, queue)) for _ in range(2)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    for pid, got, count in results:
        assert pid != os.getpid()
        assert got == want
        assert count == len(ds)
    # And the parent still reads after its children.
    assert _hashes(ds, indices) == want


def test_pickles_as_its_arguments(data_dir):
    ds = iml.Dataset(data_dir, split="imagenet_m", decode="pillow")
    blob = pickle.dumps(ds)
    assert len(blob) < 500  # the path, not the data or the open files
    back = pickle.loads(blob)
    assert (back.path, back.split, back.decode, len(back)) == (ds.path, "imagenet_m", "pillow", len(ds))
    assert np.array_equal(back[3]["image"], ds[3]["image"])
    assert "imagenet_m" in repr(ds) and f"{len(ds)} examples" in repr(ds)


def test_bad_arguments_say_what_was_expected(data_dir, tmp_path):
    with pytest.raises(ValueError, match='split "test" is not a split of this dataset'):
        iml.Dataset(data_dir, split="test")
    with pytest.raises(ValueError, match=r'decode="jpeg": expected "tfds".*"pillow".*or None'):
        iml.Dataset(data_dir, decode="jpeg")
    with pytest.raises(ValueError, match="no dataset at .*expected dataset_info.json"):
        iml.Dataset(str(tmp_path))


def copy_dataset(data_dir, tmp_path):
    dest = tmp_path / "copy"
    shutil.copytree(data_dir, dest)
    version = dest / "imagenet2012_multilabel" / "3.0.0"
    shard = version / "imagenet2012_multilabel-imagenet_m.tfrecord-00000-of-00001"
    return str(dest), shard


def test_corrupt_shards_name_the_file_and_offset(data_dir, tmp_path):
    root, shard = copy_dataset(data_dir, tmp_path)
    good = shard.read_bytes()
    second = int.from_bytes(good[:8], "little") + 16

    bad = bytearray(good)
    bad[second + 40] ^= 0x55  # inside the second record's data
    shard.write_bytes(bytes(bad))
    ds = iml.Dataset(root, split="imagenet_m")
    ds[0]
    with pytest.raises(iml.InputError, match=rf"imagenet_m\.tfrecord-00000-of-00001: record at byte {second}: bad data CRC"):
        ds[1]
    # Iteration yields the first example, then raises at the second.
    it = iter(ds)
    assert next(it)["file_name"] == ds[0]["file_name"]
    with pytest.raises(ValueError, match=f"record at byte {second}"):
        next(it)

    shard.write_bytes(good[: len(good) - 10])
    with pytest.raises(ValueError, match="truncated record"):
        iml.Dataset(root, split="imagenet_m")[0]

    shard.unlink()
    with pytest.raises(OSError, match="imagenet_m.tfrecord-00000-of-00001"):
        iml.Dataset(root, split="imagenet_m")


def _next_in_child(it, queue):
    try:
        for _ in it:  # the rest of the current batch is already in Python, then the next one
            pass
        queue.put("no error")
    except RuntimeError as e:
        queue.put(str(e))


def test_an_iterator_started_before_fork_refuses_to_continue_in_the_child(data_dir):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    ds = iml.Dataset(data_dir, split="imagenet_m")
    it = iter(ds)
    next(it)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=_next_in_child, args=(it, queue))
    p.start()
    message = queue.get(timeout=60)
    p.join(timeout=60)
    assert "started in the parent process: iterate the Dataset again" in message
    # The parent's iterator goes on.
    assert sum(1 for _ in it) == len(ds) - 1
