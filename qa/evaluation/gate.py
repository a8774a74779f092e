"""The CI gate: committed thresholds (`evals/thresholds.json`) every metric of the report must meet.

The file maps metric names to {"min": x} or {"max": x}; values come from measured test-split
figures minus a small margin, except citation validity and supported sentences (always 1.0).
A gate on your own questions takes your own file (`qa eval --thresholds FILE`): the seeds' figures say
nothing about another set.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa.errors import QAError, read_json
from qa.evaluation.evalset import EVALS_DIR

THRESHOLDS_FILE = EVALS_DIR / "thresholds.json"
EXAMPLE = '{"answer_correctness": {"min": 0.7}, "answerable_refused": {"max": 0.2}}'


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, dict[str, float]]:
    thresholds = read_json(path, "the gate thresholds")
    if not isinstance(thresholds, dict) or not thresholds:
        raise QAError(f"the gate thresholds {path} must map metric names to bounds, e.g. {EXAMPLE}")
    for name, bound in thresholds.items():
        if not (
            isinstance(bound, dict) and bound and set(bound) <= {"min", "max"}
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bound.values())
        ):
            raise QAError(f"the gate thresholds {path}: {name}: {json.dumps(bound)} is not a bound like {EXAMPLE}")
    return thresholds


def failures(metrics: dict[str, float | None], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric that misses its threshold (a metric the run did not produce fails too)."""
    failed = []
    for name, bound in thresholds.items():
        value = metrics.get(name)
        if value is None:
            failed.append(f"{name}: not measured (threshold {bound})")
        elif "min" in bound and value < bound["min"]:
            failed.append(f"{name} = {value:.4f} is below the minimum {bound['min']}")
        elif "max" in bound and value > bound["max"]:
            failed.append(f"{name} = {value:.4f} is above the maximum {bound['max']}")
    return failed
