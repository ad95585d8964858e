"""`import imagenet_multilabel` loads neither numpy nor pandas (numpy alone takes longer to
import than the whole package): they come in only when an array is graded or a table asked for."""

from __future__ import annotations

import subprocess
import sys

from conftest import ANNOTATIONS, RECIPE_PREDICTIONS

HEAVY = ("numpy", "pandas", "torch", "tqdm")


def loaded_after(code: str) -> list:
    """The heavy modules in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    return eval(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_module():
    assert loaded_after("import imagenet_multilabel as iml; help(iml.evaluate)") == []


def test_grading_a_file_or_a_dict_needs_no_numpy():
    code = (
        "import warnings, imagenet_multilabel as iml\n"
        "warnings.simplefilter('ignore')\n"
        f"r = iml.evaluate({str(RECIPE_PREDICTIONS)!r}, annotations={str(ANNOTATIONS)!r})\n"
        "assert 0 < r.multilabel_accuracy.value < 1, r\n"
        "try:\n"
        "    iml.evaluate({'ILSVRC2012_val_00000001.JPEG': 65}, "
        f"annotations={str(ANNOTATIONS)!r})\n"
        "except iml.InputError as e:\n"
        "    assert 'have no prediction' in str(e), e\n"
    )
    assert loaded_after(code) == []


def test_dataset_and_arrays_bring_numpy_in():
    code = "import imagenet_multilabel as iml\nassert 'Dataset' in dir(iml)\niml.Dataset"
    assert loaded_after(code) == ["numpy"]
    # And the lazily loaded class is the documented one.
    import imagenet_multilabel as iml
    from imagenet_multilabel.dataset import Dataset

    assert iml.Dataset is Dataset and "Dataset" in iml.__all__
