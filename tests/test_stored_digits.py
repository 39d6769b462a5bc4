"""Stored outputs that nbval compares print no digit that rounding decides (issue #27, item 1).

`make test` runs every solution under nbval, which compares each code cell's printed output with
the stored one, unless the cell is tagged ``nbval-ignore-output``. A number that depends on the
order of floating-point sums (the CPU, its BLAS kernels, the thread count) then fails on some
machine: the gradient check once printed its relative error as ``9.1e-10`` on an Intel machine and
``4.0e-10`` on an AMD one. This scan reads the stored outputs of the compared cells and fails on
the two shapes such a number takes:

* **rounding noise:** a number below :data:`NOISE` in magnitude (a relative error, a difference of
  two nearly equal floats). Print a bound instead: "relative error below 1e-8: True";
* **too many digits:** a number with :data:`MAX_DIGITS` or more significant digits, more than a
  float32 computation reproduces across machines.

A bound ("below 1e-8", "< 1e-7") is not a measurement and passes. A cell that prints such numbers
on purpose, from data or exact arithmetic, is listed in :data:`EXACT` with the reason. Pure text
processing on the stored JSON: no kernel.
"""

from __future__ import annotations

import json
import re

import pytest

from rnncourse import course

NOISE = 1e-6  # smaller magnitudes are rounding noise in float32 (and in a float64 difference)
MAX_DIGITS = 5  # significant digits from which a printed float is not reproducible across CPUs
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d+|\d+(?:\.\d*)?[eE][-+]?\d+)(?![\w.])")
BOUND_BEFORE = re.compile(r"(?:below|under|above|<|>|≤|≥|<=|>=)\s*$")
# (lesson, cell id) -> why its numbers may have many digits or be tiny
EXACT = {
    ("02_gru_lstm", "cell-068"): "sigmoid(1) ** 100 in float64, printed to one digit: a formula's value",
    ("03_embeddings", "cell-033"): "the first line of the GloVe file it wrote: data read back, not computed",
    ("05_language_model", "cell-005"): "exp(log 2000) printed to one decimal: the uniform model's perplexity",
    ("05_language_model", "cell-011"): "exp(log 2000) printed to one decimal: the uniform model's perplexity",
}


def significant_digits(number: str) -> int:
    mantissa = number.lower().split("e")[0].lstrip("+-")
    return len(mantissa.replace(".", "").lstrip("0"))


def suspicious_numbers(text: str) -> list[str]:
    """The numbers of ``text`` that look like rounding noise or carry too many digits (bounds excepted)."""
    found = []
    for match in NUMBER.finditer(text):
        if BOUND_BEFORE.search(text[: match.start()]):
            continue
        value = float(match.group(0))
        if (value != 0 and abs(value) < NOISE) or significant_digits(match.group(0)) >= MAX_DIGITS:
            found.append(match.group(0))
    return found


def _compared_outputs(lesson: str):
    nb = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            yield cell.get("id"), "".join(text)


def test_the_scan_finds_rounding_noise_and_long_floats_but_not_bounds():
    assert suspicious_numbers("kernel: relative error 9.1e-10") == ["9.1e-10"]
    assert suspicious_numbers("loss 0.693147 after training") == ["0.693147"]
    assert suspicious_numbers("relative error below 1e-8: True, < 1e-9") == []
    assert suspicious_numbers("accuracy 0.853, norm 7.7e+00, ratio 1.5e-04, 2,000 lines") == []
    assert significant_digits("-0.044457") == 5 and significant_digits("2.0e+00") == 2


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_compared_outputs_print_no_digit_that_rounding_decides(lesson):
    problems = [
        f"{cell_id}: {', '.join(numbers)}"
        for cell_id, text in _compared_outputs(lesson)
        if (lesson, cell_id) not in EXACT and (numbers := suspicious_numbers(text))
    ]
    assert not problems, (
        f"solutions/{lesson}: these compared outputs print numbers that depend on the CPU's rounding "
        f"(below {NOISE:g}, or {MAX_DIGITS}+ significant digits): {problems}. Print a bound or fewer "
        "digits, or tag the cell nbval-ignore-output with a first line saying why."
    )


def test_every_exemption_names_a_compared_cell_that_still_needs_it():
    for (lesson, cell_id), reason in EXACT.items():
        texts = [text for cid, text in _compared_outputs(lesson) if cid == cell_id]
        assert texts, f"{lesson} {cell_id} ({reason}): no such compared cell any more; remove it from EXACT"
        assert any(suspicious_numbers(text) for text in texts), f"{lesson} {cell_id}: prints nothing it needs EXACT for"


REASON = "# Output not compared by the tests: "


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_every_cell_whose_output_is_not_compared_says_why(lesson):
    """A cell tagged nbval-ignore-output starts with one comment line that gives the reason."""
    nb = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
    silent = [
        cell.get("id")
        for cell in nb["cells"]
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
        and not "".join(cell["source"]).startswith(REASON)
    ]
    assert not silent, (
        f"solutions/{lesson}: cells {silent} are tagged nbval-ignore-output without a first line "
        f"{REASON!r}<why its output varies>. Tag only output that varies by nature (training, timings, "
        "make bench's record); nbval already skips images."
    )
