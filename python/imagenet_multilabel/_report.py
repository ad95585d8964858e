"""The grade of one model: typed attributes over the native report, the CLI's table as
``str()``, ``to_dict()`` as ``eval --json`` writes it, and the per-class and mistakes tables."""

from __future__ import annotations

import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ._tables import frame


class Estimate(NamedTuple):
    """An accuracy (a fraction in [0, 1]) and its 95% confidence interval."""

    value: float
    ci95: Tuple[float, float]


class ImagenetM(NamedTuple):
    """ImageNet-M: ``correct`` of ``total`` images, with a Wilson 95% interval of the ratio."""

    correct: int
    total: int
    ci95: Tuple[float, float]


class Counts(NamedTuple):
    """How many images each stage of the protocol kept (see README, ``counts``)."""

    annotated: int
    problematic: int
    graded: int
    unreviewed: int
    background: int


class Coverage(NamedTuple):
    """How much of what should be graded had a prediction."""

    predicted: int
    missing: int
    fraction: float
    imagenet_m_missing: int
    images_in_file: int
    k: int


class RealCounts(NamedTuple):
    """The images ReaL accuracy was taken over."""

    graded: int
    excluded_empty: int
    missing: int
    coverage: float


class MistakeSeverity(NamedTuple):
    """How far the graded mistakes fall from an accepted label in WordNet: the height of the
    lowest common ancestor of the top-1 and the nearest label in correct ∪ unclear (1 = a
    sibling class; Bertinetto et al. 2020). ``mean`` is None when there is no mistake;
    ``histogram[h]`` counts the mistakes of height ``h``."""

    mean: Optional[float]
    n: int
    histogram: Tuple[int, ...]


def _estimate(value: Optional[Dict[str, Any]]) -> Optional[Estimate]:
    if value is None:
        return None
    return Estimate(value["value"], tuple(value["ci95"]))  # type: ignore[arg-type]


def _record(cls: Any, value: Dict[str, Any]) -> Any:
    fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in value.items()}
    return cls(**{name: fields[name] for name in cls._fields})


class Report:
    """One model graded by the protocol (what ``imagenet-multilabel eval`` reports).

    ``print(report)`` shows the CLI's table; the figures are attributes
    (``report.multilabel_accuracy.value``, ``.ci95``, ``report.imagenet_m.correct``, …);
    ``to_dict()`` is one entry of ``eval --json``'s ``"models"`` list; ``per_class()`` and
    ``mistakes()`` are the ``--per-class`` and ``--mistakes`` tables.
    """

    def __init__(self, native: Any) -> None:
        self._native = native
        self._dict: Dict[str, Any] = json.loads(native.model_json())
        d = self._dict
        self.predictions: str = d["predictions"]
        """The predictions' name: the file path, or the ``name=`` of an in-memory input."""
        self.annotations: str = d["annotations"]
        """The annotations file (or built dataset) the labels came from."""
        self.annotations_version: str = d["annotations_version"]
        self.multilabel_accuracy: Estimate = _estimate(d["multilabel_accuracy"])  # type: ignore[assignment]
        self.multilabel_accuracy_strict: Estimate = _estimate(d["multilabel_accuracy_strict"])  # type: ignore[assignment]
        self.multilabel_accuracy_per_image: Estimate = _estimate(d["multilabel_accuracy_per_image"])  # type: ignore[assignment]
        self.multilabel_top5_accuracy: Optional[Estimate] = _estimate(d["multilabel_top5_accuracy"])
        self.imagenet_m: ImagenetM = _record(ImagenetM, d["imagenet_m"])
        self.top1_original_annotated: Estimate = _estimate(d["top1_original_annotated"])  # type: ignore[assignment]
        self.top1_original_all: Optional[Estimate] = _estimate(d["top1_original_all"])
        self.counts: Counts = _record(Counts, d["counts"])
        self.coverage: Coverage = _record(Coverage, d["coverage"])
        self.real_accuracy: Optional[Estimate] = _estimate(d["real_accuracy"])
        self.real_top5_accuracy: Optional[Estimate] = _estimate(d["real_top5_accuracy"])
        self.real_counts: RealCounts = _record(RealCounts, d["real_counts"])
        self.mistake_severity: MistakeSeverity = _record(MistakeSeverity, d["mistake_severity"])
        self.sources: Dict[str, List[str]] = d["sources"]
        """Per figure, the BibTeX keys of the works it rests on."""

    def to_dict(self) -> Dict[str, Any]:
        """The report exactly as one entry of ``imagenet-multilabel eval --json``'s
        ``"models"`` list (a fresh copy)."""
        return json.loads(self._native.model_json())

    def to_json_report(self) -> Dict[str, Any]:
        """The whole ``eval --json`` document (schema 1) for this one model."""
        return json.loads(self._native.report_json())

    def per_class(self) -> Any:
        """One row per class, as ``eval --per-class`` writes them: ``id, wnid, name, is_dog,
        is_organism, graded, correct, accuracy``. A pandas DataFrame when pandas is
        installed, else a list of dicts."""
        return frame(*self._native.per_class())

    def mistakes(self) -> Any:
        """Every graded image whose top-1 is not a hit (and ImageNet-M misses), as ``eval
        --mistakes`` writes them: ``file, original_id, original_name, prediction_id,
        prediction_name, status, problematic, imagenet_m``. ``report.mistakes()`` filtered
        on ``imagenet_m`` lists the ImageNet-M misses. A pandas DataFrame when pandas is
        installed, else a list of dicts."""
        return frame(*self._native.mistakes())

    def __str__(self) -> str:
        return self._native.table()

    def __repr__(self) -> str:
        a = self.multilabel_accuracy
        return (
            f"<Report {self.predictions}: multilabel_accuracy {100 * a.value:.2f}% "
            f"[{100 * a.ci95[0]:.2f}, {100 * a.ci95[1]:.2f}], ImageNet-M "
            f"{self.imagenet_m.correct}/{self.imagenet_m.total}>"
        )
