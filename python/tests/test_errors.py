"""Bad input raises InputError (a ValueError) naming the row, key or file; the environment
raises OSError; nothing crashes the interpreter."""

from __future__ import annotations

import numpy as np
import pytest

import imagenet_multilabel as iml
from conftest import ANNOTATIONS

A = str(ANNOTATIONS)
NAMES = ["ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG"]


def test_input_error_is_a_value_error():
    assert issubclass(iml.InputError, ValueError)


def test_nan_score_names_the_row():
    x = np.zeros((50000, 1000), np.float32)
    x[123, 4] = np.nan
    with pytest.raises(iml.InputError, match=r"array: row 123.*NaN"):
        iml.evaluate(x, annotations=A)


def test_rows_without_names_must_be_50000():
    with pytest.raises(iml.InputError, match="50000 rows"):
        iml.evaluate(np.zeros((10, 1000), np.float32), annotations=A)


def test_wrong_shape_and_dtype():
    with pytest.raises(iml.InputError, match="shape"):
        iml.evaluate(np.zeros((2, 999), np.float32), file_names=NAMES, annotations=A)
    with pytest.raises(iml.InputError, match="3 dimensions"):
        iml.evaluate(np.zeros((2, 2, 2), np.float32), file_names=NAMES, annotations=A)
    with pytest.raises(iml.InputError, match="dtype"):
        iml.evaluate(np.zeros(2, bool), file_names=NAMES, annotations=A)
    with pytest.raises(iml.InputError, match="ragged"):
        iml.evaluate([[1, 2], [3]], file_names=NAMES, annotations=A)


def test_file_names():
    with pytest.raises(iml.InputError, match=r"file_names\[1\].*not a validation image name"):
        iml.evaluate(np.array([1, 2]), file_names=[NAMES[0], "cat.jpg"], annotations=A)
    with pytest.raises(iml.InputError, match="2 rows of predictions but 1 file names"):
        iml.evaluate(np.array([1, 2]), file_names=NAMES[:1], annotations=A)
    with pytest.raises(iml.InputError, match="duplicate file name"):
        iml.evaluate(np.array([1, 2]), file_names=[NAMES[0], NAMES[0]], annotations=A)


def test_dict_errors_name_the_key():
    with pytest.raises(iml.InputError, match=r'key "ILSVRC2012_val_00000001.JPEG".*n99999999'):
        iml.evaluate({NAMES[0]: "n99999999"}, annotations=A)
    with pytest.raises(iml.InputError, match=r"key 'x'"):
        iml.evaluate({"x": object()}, annotations=A)
    with pytest.raises(iml.InputError, match="key 5"):
        iml.evaluate({5: 1}, annotations=A)


def test_id_out_of_range():
    with pytest.raises(iml.InputError, match="out of range"):
        iml.evaluate(np.array([0, 5000]), file_names=NAMES, annotations=A)


def test_bad_keywords():
    with pytest.raises(iml.InputError, match="class-id convention"):
        iml.evaluate(np.array([0]), file_names=NAMES[:1], annotations=A, class_ids="weird")
    with pytest.raises(iml.InputError, match="not both"):
        iml.evaluate(np.array([0]), annotations=A, dataset=A)
    with pytest.raises(iml.InputError, match="unknown predictions format"):
        iml.evaluate(A, annotations=A, format="xls")


def test_missing_files_are_os_errors(tmp_path):
    with pytest.raises(OSError, match="nope.npy"):
        iml.evaluate(tmp_path / "nope.npy", annotations=A)
    with pytest.raises(OSError, match="missing.json"):
        iml.evaluate(np.array([0]), file_names=NAMES[:1], annotations=tmp_path / "missing.json")
    # No annotations given and none fetched (the session's private home is empty).
    with pytest.raises(FileNotFoundError, match=r"fetch\(\)"):
        iml.evaluate(np.array([0]), file_names=NAMES[:1])


def test_bad_annotations_are_input_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"initial_annots": 3}')
    with pytest.raises(iml.InputError, match="bad.json"):
        iml.load_annotations(bad)


def test_a_bad_predictions_file_names_the_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("file_name,prediction\nILSVRC2012_val_00000001.JPEG,n0\n")
    with pytest.raises(iml.InputError, match=r"p.csv: line 2, column \"prediction\""):
        iml.evaluate(path, annotations=A)


def test_advice_names_python_keywords_not_cli_flags(annotated, logits):
    """The library's advice names command-line flags; from Python it names the keywords."""
    names, _, _ = annotated
    top1 = np.argmax(logits, axis=1)

    def message(*args, **kwargs):
        with pytest.raises(iml.InputError) as caught:
            iml.evaluate(*args, annotations=A, **kwargs)
        text = str(caught.value)
        assert "--" not in text, text
        return text

    # Ids counted from 1 read as sorted: the convention that fits, as a keyword.
    assert 'pass class_ids="one-based"' in message(top1 + 1, file_names=names)
    assert 'for class_ids="devkit"' in message(np.array([0, 5]), file_names=NAMES, class_ids="devkit")
    # A convention for scores, which have none.
    text = message(logits, file_names=names, class_ids="devkit")
    assert text.startswith('array: class ids: class_ids="devkit" applies to integer class ids'), text
    assert text.endswith("drop class_ids="), text
    # 1001 score columns without the keyword that says column 0 is background.
    wide = np.zeros((len(names), 1001), np.float32)
    assert "pass background_class=True (a background top-1" in message(wide, file_names=names)
    # Missing predictions.
    text = message(logits[:-1], file_names=names[:-1])
    assert "pass allow_missing=True to grade only the images that have one" in text, text


def test_a_flag_like_part_of_a_path_is_left_alone(tmp_path):
    path = tmp_path / "run--force" / "model--allow-missing.npy"
    with pytest.raises(OSError) as caught:
        iml.evaluate(path, annotations=A)
    assert str(path) in str(caught.value)
