"""What Python users would run to write the same data as benches/writers.rs: 200 examples of
110 KB random bytes, with Hugging Face `datasets` (Dataset.from_dict + to_parquet, the
features of our Parquet files) and `webdataset.TarWriter` (the same three members). Prints the
median of 7 runs, written under /dev/shm like the Rust bench."""

import os
import random
import statistics
import tempfile
import time

import datasets
import webdataset as wds

N, SIZE = 200, 110_000
rng = random.Random(7)
images = [rng.randbytes(SIZE) for _ in range(N)]
names = [f"ILSVRC2012_val_{i + 1:08}.JPEG" for i in range(N)]
labels = [rng.randrange(1000) for _ in range(N)]
lists = [[rng.randrange(1000) for _ in range(rng.randrange(4))] for _ in range(N)]
wnids = [f"n{i:08}" for i in range(1000)]
cl = datasets.ClassLabel(names=wnids)
features = datasets.Features({
    "image": datasets.Image(), "file_name": datasets.Value("string"), "original_label": cl,
    "correct_multi_labels": datasets.Sequence(cl), "wrong_multi_labels": datasets.Sequence(cl),
    "unclear_multi_labels": datasets.Sequence(cl), "is_problematic": datasets.Value("bool"),
})
datasets.disable_progress_bars()
datasets.disable_caching()
scratch = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)


def hf_parquet():
    ds = datasets.Dataset.from_dict({
        "image": [{"bytes": b, "path": n} for b, n in zip(images, names)],
        "file_name": names, "original_label": labels, "correct_multi_labels": lists,
        "wrong_multi_labels": lists, "unclear_multi_labels": lists,
        "is_problematic": [False] * N,
    }, features=features)
    ds.to_parquet(os.path.join(scratch, "hf.parquet"))


def wds_tar():
    import json
    with wds.TarWriter(os.path.join(scratch, "wds.tar")) as sink:
        for i in range(N):
            meta = {"file_name": names[i], "original_label": labels[i],
                    "correct_multi_labels": lists[i]}
            sink.write({"__key__": names[i].split(".")[0], "jpg": images[i],
                        "cls": str(labels[i]).encode(), "json": json.dumps(meta).encode()})


for name, fn in [("hf_datasets_to_parquet", hf_parquet), ("webdataset_TarWriter", wds_tar)]:
    fn()  # warm up
    times = []
    for _ in range(7):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"{name}: median {med * 1000:.1f} ms, {N * SIZE / med / 2**20:.0f} MiB/s "
          f"(min {min(times) * 1000:.1f} ms)")
