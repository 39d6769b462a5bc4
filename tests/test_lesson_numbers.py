"""A number in a lesson's text comes from the output beside it, or is labelled (issue #23, item 6).

The solutions store fast-mode outputs, while students run full mode, so a figure quoted in a
markdown cell must either be printed by a code cell near it, or say where it comes from ("in a
full run", "recorded by `make bench`"). This module finds the *measurements* quoted in the
markdown of every ``solutions/<id>/<id>.ipynb`` and fails on each one that is neither.

**What is a measurement.** A decimal number (``0.70``, ``38.4``, ``1.4e3``, ``+5.5 ± 1.4``), or
any number with a unit of time, memory or share (``48 s``, ``2.56 GB``, ``85 %``, ``5.5 points``).
A plain integer is a size or a count in these lessons (16 units, 3,000 reviews, 2015, section 5)
and is never checked. Never checked either: LaTeX math, inline code, code blocks, headings, URLs,
versions (Keras 3.15), bounds that a requirement sets (``at least 0.75``, ``above 0.6``) and the
values of formulas (``ln 2 ≈ 0.693``).

**When it passes.** When

* a code cell beside its markdown cell prints it, after rounding to the text's precision (``38.4``
  matches ``38.36``, ``85 %`` matches ``0.853``, ``5.5 points`` matches ``0.055``). "Beside" runs
  from the WINDOW-th demonstration before the markdown cell to the WINDOW-th after it, every code
  cell in between included. A demonstration is an ungraded code cell that prints text: an exercise
  puts a solution and two graded test cells between a text and the demonstration it talks about,
  and their ✔ lines must not push it out of reach. A sentence that names the section or exercise
  it quotes ("the counterexample in section 2") may quote any output of the notebook;
* or it is a setting, not a result: a literal in the source of a code cell beside it or in the
  markdown cell's own code, or a size or hyperparameter of the lesson in ``rnncourse.config``;
* or it is labelled (:data:`LABELS`). In a sentence that mentions both a label and the stored run
  (:data:`STORED_RUN`), the marker nearest to the number in its clause decides: "0.15 in the stored
  fast run, 5.6 in a full run" labels 5.6 only. A sentence without markers takes its paragraph's
  label when the paragraph's first sentence has one, and a list takes the label of the lead-in
  that introduces it with a colon.

Pure text processing on the stored JSON: no kernel, no TensorFlow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rnncourse import config, course
from rnncourse.notebook import cell_source, nbgrader_metadata

# How many demonstrations (ungraded code cells that print) on each side of a markdown cell are "beside" it.
WINDOW = 3

# Labels of a figure that does not come from the stored fast-mode output: a full-mode run, the record
# of `make bench` (bench/results.json), or chapter 1, whose baseline lesson 04 quotes. CONTRIBUTING.md
# asks for "in a full run on a 2-core machine: ..." and "recorded by `make bench` on DATE".
LABELS = re.compile(
    r"full[- ]mode|\bfull runs?\b|make bench|\brecorded\b|bench/results\.json|\bchapter 1\b|the chapter's",
    re.IGNORECASE,
)
# Mentions of the run whose outputs the notebook stores ("your run" and "this run" are the one beside
# the text). "Our run" is neither a label nor this: it is whatever run its paragraph is about.
STORED_RUN = re.compile(r"\bstored\b|fast[- ]mode|\bfast runs?\b|\b(?:your|this) run\b", re.IGNORECASE)
# A sentence that names where it was printed may quote any output of the notebook.
POINTER = re.compile(r"\b(?:sections?|exercises?) \d", re.IGNORECASE)

NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-+±−]\s?)?"
    r"(?P<body>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<exp>[eE][-+−]?\d+)?"
    r"(?!\w|[.,]\d|-[A-Za-z])"  # not part of a word, of a longer number, or of an adjective ("2-core")
)
# The numbers a unit after them also covers: "4.1 to 8.2 points", "+5.5 ± 1.4 points", "6.5, 2.8 and 0.1 points".
_COMPANIONS = r"(?:\s?(?:,|±|to|and|or|–|-)\s?[-+±−]?[\d.,]*\d)*[\s\u00a0\u202f]?"
# A unit of share makes a number a percentage ("points" are percentage points).
SHARE_UNIT = re.compile(_COMPANIONS + r"(?:%|percent\b|(?:percentage\s+)?points?\b)")
# The units that make an integer a measurement: a duration, a size in memory, a share.
MEASURE_UNIT = re.compile(_COMPANIONS + r"(?:%|percent\b|ms\b|s\b|seconds?\b|minutes?\b|min\b|hours?\b|[GMk]B\b)")
# Words just before a number that make it a reference or a version.
REFERENCE_BEFORE = re.compile(
    r"\b(?:sections?|lessons?|chapters?|exercises?|cells?|items?|issues?|questions?|figures?|tables?|"
    r"keras|python|tensorflow|tf|numpy|version|v)\s*$",
    re.IGNORECASE,
)
# A bound that a requirement or a rule sets: "must reach at least 0.75", "above 0.6", "a margin of 10 %".
BOUND_BEFORE = re.compile(
    r"(?:\bat least|\bat most|\babove|\bbelow|\bover|\bunder|\bmore than|\bless than|\bfewer than|\bup to|"
    r"\bwithin|\bbeyond|\bpasses|\bexceeds?|\bmargin of|\bthreshold of|[≥≤<>])\s*(?:about\s*)?$",
    re.IGNORECASE,
)
# The value of a formula: "ln 2 ≈ 0.693", "sigmoid(3) ≈ 0.95", "$\sigma(1)$ ≈ 0.73".
FORMULA_BEFORE = re.compile(r"[\d)\]$`]\s*[=≈]\s*$")

# Markdown that is not prose: code first (it may hold "$"), then math, then links.
FENCED_CODE = re.compile(r"^\s*```.*?^\s*```[^\n]*$", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"\$[^$]+?\$", re.DOTALL)
LINKS = re.compile(r"<https?://[^>]*>|\]\([^)]*\)|https?://\S+")

HEADING = re.compile(r"^\s*#{1,6}\s")
LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+")
TABLE_ROW = re.compile(r"^\s*\|")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][)\]*\"'”]))\s+(?=[A-Z(\[*_\"'“])")
ABBREVIATION_END = re.compile(r"\b(?:e\.g|i\.e|al|vs|cf|etc|approx|fig)\.$", re.IGNORECASE)
CLAUSE_END = re.compile(r"[,;:]\s")


@dataclass(frozen=True)
class Number:
    """A number as written: its value without sign, the step of its last digit, and whether it is a share."""

    text: str
    value: float  # 85 for "85 %", 1400 for "1.4e3"
    step: float  # 0.01 for "0.70", 100 for "1.4e3"
    percent: bool  # "85 %", "5.5 points": the value is in hundredths

    @property
    def fraction(self) -> float:
        """The value on the scale of a fraction: 0.85 for "85 %"."""
        return self.value / 100 if self.percent else self.value


@dataclass(frozen=True)
class Quote:
    """A measurement quoted in prose: its sentence, where it starts there, and what the text says of it."""

    number: Number
    sentence: str
    start: int
    labelled: bool
    names_its_output: bool  # the sentence names the section or exercise that printed it


@dataclass(frozen=True)
class Finding:
    """A quoted measurement that no output beside it prints and no label explains."""

    cell: int
    number: str
    snippet: str

    def describe(self) -> str:
        """One line of the failure message."""
        return f"  cell {self.cell}: {self.number} in {self.snippet!r}"


def parse_number(match: re.Match[str], percent: bool) -> Number:
    """The :class:`Number` of a :data:`NUMBER` match."""
    body = match["body"].replace(",", "")
    decimals = len(body.split(".")[1]) if "." in body else 0
    exponent = int(match["exp"][1:].replace("−", "-")) if match["exp"] else 0
    return Number(match.group(0).strip(), float(body) * 10.0**exponent, 10.0 ** (exponent - decimals), percent)


def all_numbers(text: str) -> list[Number]:
    """Every number in printed output or in code; a ``%`` right after one makes it a share."""
    return [
        parse_number(match, text[match.end() : match.end() + 2].lstrip().startswith("%"))
        for match in NUMBER.finditer(text)
    ]


def matches_printed(number: Number, printed: Iterable[Number]) -> bool:
    """True if a printed number, rounded to the precision of ``number``, gives ``number``.

    Shares compare as fractions: "85 %" matches 0.853, "0.85" matches 85.3%, "5.5 points" 0.055.
    """
    tolerance = number.step / 2 / (100 if number.percent else 1) * (1 + 1e-9)
    return any(abs(number.fraction - other.fraction) <= tolerance for other in printed)


def equals_setting(number: Number, settings: Iterable[float]) -> bool:
    """True if ``number`` is one of the settings exactly (a literal in code or a configured value)."""
    return any(abs(number.value - abs(value)) <= 1e-9 * max(1.0, abs(value)) for value in settings)


def snippet(sentence: str, start: int, width: int = 110) -> str:
    """``sentence`` cut to about ``width`` characters around position ``start``."""
    if len(sentence) <= width:
        return sentence
    first = max(0, min(start - width // 2, len(sentence) - width))
    last = first + width
    return ("…" if first else "") + sentence[first:last] + ("…" if last < len(sentence) else "")


def prose_and_code(markdown: str) -> tuple[str, list[Number]]:
    """The markdown with the digits of its code and math masked and its links removed; and its code's numbers.

    Code and math keep their words (in "recorded by `make bench`" the label is code) but lose their digits.
    """
    code_numbers: list[Number] = []

    def mask(match: re.Match[str]) -> str:
        return re.sub(r"\d", "#", match.group(0))

    def mask_code(match: re.Match[str]) -> str:
        code_numbers.extend(all_numbers(match.group(0)))
        return mask(match)

    def own_paragraph(masked: str) -> str:
        return "\n\n" + masked.replace("\n", " ") + "\n\n"

    text = FENCED_CODE.sub(lambda match: own_paragraph(mask_code(match)), markdown)
    text = INLINE_CODE.sub(mask_code, text)
    text = DISPLAY_MATH.sub(lambda match: own_paragraph(mask(match)), text)
    text = INLINE_MATH.sub(mask, text)
    return LINKS.sub(" ", text), code_numbers


@dataclass
class _Block:
    """A paragraph, a list item or a table row, joined into one line."""

    text: str
    is_item: bool


def _blocks(prose: str) -> list[_Block]:
    """Prose split into paragraphs, list items and table rows, without headings."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in prose.splitlines():
        if not line.strip() or HEADING.match(line):
            current = None
            continue
        item = LIST_ITEM.match(line)
        if item or TABLE_ROW.match(line) or current is None:
            current = _Block(line[item.end() :] if item else line.strip(), is_item=bool(item))
            blocks.append(current)
        else:
            current.text += " " + line.strip()
    return blocks


def _sentences(text: str) -> list[str]:
    """A block split into sentences (not after "e.g.", "et al." and the like)."""
    sentences: list[str] = []
    for piece in SENTENCE_END.split(text):
        if sentences and ABBREVIATION_END.search(sentences[-1]):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def _is_measurement(sentence: str, match: re.Match[str]) -> bool:
    """True if the number ``match`` of ``sentence`` is a measurement (see the module's docstring)."""
    before = sentence[: match.start()]
    if REFERENCE_BEFORE.search(before) or BOUND_BEFORE.search(before) or FORMULA_BEFORE.search(before):
        return False
    is_integer = not match["exp"] and "." not in match["body"]
    return not is_integer or bool(MEASURE_UNIT.match(sentence, match.end()))


def _marker_verdict(sentence: str, start: int, end: int) -> bool | None:
    """True if a label decides for the number at ``start:end``, False if the stored run does, None if no marker.

    The marker nearest to the number in its clause (clauses end at ", ", "; " and ": ") decides;
    without a marker in the clause, the nearest in the sentence.
    """
    markers = [(m, True) for m in LABELS.finditer(sentence)] + [(m, False) for m in STORED_RUN.finditer(sentence)]
    if not markers:
        return None
    clause_start = max((m.end() for m in CLAUSE_END.finditer(sentence, 0, start)), default=0)
    clause_end = min((m.start() for m in CLAUSE_END.finditer(sentence, end)), default=len(sentence))
    in_clause = [(m, is_label) for m, is_label in markers if clause_start <= m.start() and m.end() <= clause_end]
    by_distance = [(max(m.start() - end, start - m.end(), 0), not is_label) for m, is_label in in_clause or markers]
    return not min(by_distance)[1]  # at equal distance, the label


def quoted_measurements(markdown: str) -> list[Quote]:
    """The measurements quoted in a markdown cell's prose, each with its sentence and label."""
    quotes: list[Quote] = []
    list_labelled = False
    for block in _blocks(prose_and_code(markdown)[0]):
        sentences = _sentences(block.text)
        if not block.is_item:  # a lead-in ending with a colon labels the list after it
            list_labelled = block.text.rstrip().endswith(":") and bool(LABELS.search(sentences[-1]))
        block_labelled = bool(LABELS.search(sentences[0])) or (block.is_item and list_labelled)
        for sentence in sentences:
            for match in NUMBER.finditer(sentence):
                if not _is_measurement(sentence, match):
                    continue
                verdict = _marker_verdict(sentence, match.start(), match.end())
                quotes.append(
                    Quote(
                        number=parse_number(match, bool(SHARE_UNIT.match(sentence, match.end()))),
                        sentence=sentence,
                        start=match.start(),
                        labelled=block_labelled if verdict is None else verdict,
                        names_its_output=bool(POINTER.search(sentence)),
                    )
                )
    return quotes


def printed_text(cell: Mapping[str, Any]) -> str:
    """The text a code cell printed: streams and plain-text results, not figures."""
    parts = []
    for output in cell.get("outputs", []):
        for text in (output.get("text"), output.get("data", {}).get("text/plain")):
            if text is not None:
                text = "".join(text) if isinstance(text, list) else text
                parts.append("" if text.startswith("<Figure size") else text)
    return "\n".join(parts)


def _demonstrates(cell: Mapping[str, Any]) -> bool:
    """True for an ungraded code cell that prints text (a graded test's ✔ line is not a result)."""
    return cell["cell_type"] == "code" and not nbgrader_metadata(cell).get("grade") and bool(printed_text(cell).strip())


def window(cells: Sequence[Mapping[str, Any]], index: int) -> list[int]:
    """The code cells beside markdown cell ``index``: from the WINDOW-th demonstration before it to the one after."""
    demonstrations = [i for i, cell in enumerate(cells) if _demonstrates(cell)]
    before = [i for i in demonstrations if i < index][-WINDOW:]
    after = [i for i in demonstrations if i > index][:WINDOW]
    first, last = (before[0] if before else 0), (after[-1] if after else len(cells) - 1)
    return [i for i in range(first, last + 1) if cells[i]["cell_type"] == "code"]


def unsupported_numbers(cells: Sequence[Mapping[str, Any]], settings: Iterable[float] = ()) -> list[Finding]:
    """The measurements in markdown cells that no output beside them prints and no label explains."""
    settings = list(settings)
    anywhere = [n for cell in cells if cell["cell_type"] == "code" for n in all_numbers(printed_text(cell))]
    findings = []
    for index, cell in enumerate(cells):
        quotes = quoted_measurements(cell_source(cell)) if cell["cell_type"] == "markdown" else []
        if not quotes:
            continue
        beside = window(cells, index)
        printed = [n for i in beside for n in all_numbers(printed_text(cells[i]))]
        literals = [n.value for i in beside for n in all_numbers(cell_source(cells[i]))]
        literals += [n.value for n in prose_and_code(cell_source(cell))[1]] + settings
        for quote in quotes:
            if (
                quote.labelled
                or matches_printed(quote.number, printed)
                or equals_setting(quote.number, literals)
                or (quote.names_its_output and matches_printed(quote.number, anywhere))
            ):
                continue
            findings.append(Finding(index, quote.number.text, snippet(quote.sentence, quote.start)))
    return findings


def lesson_settings(lesson: str) -> list[float]:
    """Every size and hyperparameter of ``lesson`` in ``rnncourse.config``, in both modes."""
    values: list[Any] = [*config.sizes(lesson, "full").values(), *config.sizes(lesson, "fast").values()]
    try:
        values.extend(config.hyperparameters(lesson).values())
    except KeyError:  # only lesson 04 has hyperparameters there
        pass
    flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
    return [float(v) for v in flat if isinstance(v, int | float) and not isinstance(v, bool)]


def failure_message(path: Path, findings: Sequence[Finding]) -> str:
    """What to do, then one line per finding."""
    head = (
        f"{path}: {len(findings)} number(s) in the text are neither printed by a code cell beside them nor "
        "labelled. Quote the figure that the output beside it prints, or say where it comes from: "
        '"in a full run (2 cores): ..." or "recorded by `make bench` on DATE: ...".'
    )
    return "\n".join([head, *(finding.describe() for finding in findings)])


# ---------------------------------------------------------------------------------------------
# The rule on every lesson
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_numbers_in_the_text_are_printed_beside_it_or_labelled(lesson: str) -> None:
    path = course.solution_path(lesson)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    findings = unsupported_numbers(cells, lesson_settings(lesson))
    assert not findings, failure_message(path.relative_to(course.PROJECT_ROOT), findings)


# ---------------------------------------------------------------------------------------------
# The extractor on its own
# ---------------------------------------------------------------------------------------------


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "source": text, "metadata": {}}


def _code(source: str = "", printed: str = "", *, graded: bool = False) -> dict[str, Any]:
    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
    metadata = {"nbgrader": {"grade": True, "grade_id": "test_x", "points": 1}} if graded else {}
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": outputs}


def _quoted(markdown: str) -> list[str]:
    return [quote.number.text for quote in quoted_measurements(markdown)]


def test_math_code_headings_and_links_are_not_prose():
    markdown = (
        "## 2 · Results 0.95\n"
        "The bound is $\\sigma_{\\max}^{10} = 1.049$ and $$x = 0.25$$ here.\n"
        "Call `Adam(learning_rate=0.01)` with ``clipnorm=1.5``.\n\n"
        "```python\nmodel.fit(x, y, validation_split=0.2)\n```\n"
        "See <https://example.org/v0.3> and [the docs](https://example.org/1.5). It scored 0.81."
    )
    assert _quoted(markdown) == ["0.81"]
    assert sorted(n.value for n in prose_and_code(markdown)[1]) == [0.01, 0.2, 1.5]


def test_integers_count_only_with_a_unit():
    markdown = (
        "Section 5 trains 16 units on 3,000 reviews for 2 epochs (Pascanu et al., 2013), in lesson 01. "
        "1. A list item. The fit took 48 s and 2 GB, and 85 % of the reviews are cut, on 2026-12-02."
    )
    quotes = quoted_measurements(markdown)
    assert [(q.number.text, q.number.percent) for q in quotes] == [("48", False), ("2", False), ("85", True)]


def test_versions_bounds_formulas_and_adjectives_are_not_measurements():
    markdown = (
        "In Keras 3.15 the loss of answering 0.5 is ln 2 ≈ 0.693, and sigmoid(3) ≈ 0.95. "
        "The model must reach at least 0.75, a loss above 0.6 is underfitting, and within about 0.01 is close; "
        "a 2-core machine, 6B tokens, 50d vectors. Kept per step back ≈ 1.0."
    )
    assert _quoted(markdown) == ["0.5", "1.0"]


def test_signs_exponents_and_shares_are_read():
    quotes = quoted_measurements(
        "Gains of 6.5, 2.8 and 0.1 points, +5.5 ± 1.4 points, a norm of 1.4e3, a rate of 3e-3."
    )
    numbers = [(q.number.text, q.number.value, q.number.percent) for q in quotes]
    assert numbers == [
        ("6.5", 6.5, True),
        ("2.8", 2.8, True),
        ("0.1", 0.1, True),
        ("+5.5", 5.5, True),
        ("± 1.4", 1.4, True),
        ("1.4e3", 1400.0, False),
        ("3e-3", 0.003, False),
    ]


def test_rounding_matches_what_the_output_prints():
    def printed(text: str, output: str) -> bool:
        return matches_printed(quoted_measurements(text)[0].number, all_numbers(output))

    assert printed("The loss was 38.4.", "clipnorm=1.0: final training loss 38.36")
    assert printed("A norm of about 1.4e3.", "||(diag(g') W)^10|| = 1431")
    assert printed("It cuts 85 % of them.", "cut: 0.853")
    assert printed("It cuts 0.85 of them.", "cut: 85.3%")
    assert printed("A gain of 5.5 points.", "glove - scratch: +0.055 +- 0.014")
    assert printed("A ratio of 0.0063.", "first step / last step = 6.3e-03")
    assert not printed("The loss was 4.68.", "clipvalue=0.5: final training loss 4.672")  # stale by a digit
    assert not printed("The loss was 38.36.", "final training loss 38.4")  # more digits than printed
    assert not printed("It cuts 86 % of them.", "cut: 0.853")


def test_a_label_in_the_sentence_lets_a_number_pass():
    cells = [
        _code(printed="In this run the GRU took 0.70 of the LSTM's time per pass."),
        _markdown(
            "Here the GRU took 0.70 of the LSTM's time. In a full run it took 0.92. "
            "Recorded by `make bench` on 2026-12-02: 0.95. The bench gave 0.97."
        ),
    ]
    assert [(f.cell, f.number) for f in unsupported_numbers(cells)] == [(1, "0.97")]


def test_the_nearest_marker_in_the_clause_decides():
    quotes = quoted_measurements(
        "The ratios were 0.15 and 0.24 in the stored fast run, 5.6 and 0.047 in a full run. "
        "In the run stored here the GRU took 0.70; at the full-mode sizes it took 0.92."
    )
    assert [(q.number.text, q.labelled) for q in quotes] == [
        ("0.15", False),
        ("0.24", False),
        ("5.6", True),
        ("0.047", True),
        ("0.70", False),
        ("0.92", True),
    ]


def test_a_label_covers_its_paragraph_and_a_lead_in_its_list():
    markdown = (
        "In our full-mode run the model scored 0.897. The bag scored 0.891. (It moved from 0.701 to 0.735.)\n\n"
        "Then it scored 0.5.\n\n"
        "What the recorded sweeps say:\n\n"
        "* at 3e-4 the loss was 0.580;\n"
        "* The range test gave 1.8e-2 in our run. It gave 2.5e-2 in this run.\n\n"
        "What the table says:\n\n"
        "* 0.77.\n"
    )
    labelled = {q.number.text: q.labelled for q in quoted_measurements(markdown)}
    assert labelled == {
        "0.897": True,
        "0.891": True,
        "0.701": True,
        "0.735": True,
        "0.5": False,
        "3e-4": True,
        "0.580": True,
        "1.8e-2": True,  # "our run" is the run its paragraph is about
        "2.5e-2": False,  # "this run" is the stored one
        "0.77": False,
    }


def test_the_c48_case_fails():
    """Lesson 02 as issue #23 found it: a full-mode 0.92 beside an output that prints 0.70, unlabelled."""
    cells = [
        _code("ratio = seconds['GRU'] / seconds['LSTM']", "In this run the GRU took 0.70 of the LSTM's time per pass."),
        _markdown("## Key takeaways\n\n* On a CPU the GRU was barely faster (0.92 of the LSTM's time), so measure."),
    ]
    findings = unsupported_numbers(cells)
    assert [(f.cell, f.number) for f in findings] == [(1, "0.92")]
    head, line = failure_message(Path("solutions/02_gru_lstm/02_gru_lstm.ipynb"), findings).splitlines()
    assert head.startswith("solutions/02_gru_lstm/02_gru_lstm.ipynb: 1 number(s)")
    assert "in a full run" in head and "recorded by `make bench` on DATE" in head
    assert line == '  cell 1: 0.92 in "On a CPU the GRU was barely faster (0.92 of the LSTM\'s time), so measure."'
    labelled = [cells[0], _markdown("* On a CPU the GRU was barely faster (0.92 of the LSTM's time in a full run).")]
    assert unsupported_numbers(labelled) == []


def test_only_outputs_beside_the_text_count():
    far = [_code(printed="accuracy 0.812"), *(_code(printed=f"step {i}") for i in range(WINDOW))]
    assert [f.number for f in unsupported_numbers([*far, _markdown("The model scored 0.812.")])] == ["0.812"]
    graded = [_code(printed="accuracy 0.812"), _code("def f(): pass"), *(_code(printed="✔", graded=True),) * WINDOW]
    assert unsupported_numbers([*graded, _markdown("The model scored 0.812.")]) == []  # ✔ lines do not count
    pointed = [*far, _markdown("The model of section 2 scored 0.812.")]
    assert unsupported_numbers(pointed) == []  # the sentence says where it was printed


def test_settings_in_code_and_config_pass():
    cells = [
        _code("learning_rate = 0.01  # Adam's step size"),
        _markdown("Adam at 0.01 and a dropout of 0.3; `Dropout(rate=0.25)` is 0.25. The loss fell to 0.42."),
    ]
    assert [f.number for f in unsupported_numbers(cells, settings=[0.3])] == ["0.42"]
    assert {3e-3, 0.15, 20000.0} <= set(lesson_settings("04_sentiment"))
    assert {30.0, 100.0} <= set(lesson_settings("01_gradients"))


def test_figures_are_not_printed_text():
    cell = {
        "cell_type": "code",
        "source": "",
        "outputs": [
            {"output_type": "display_data", "data": {"text/plain": ["<Figure size 700x380 with 1 Axes>"]}},
            {"output_type": "execute_result", "data": {"text/plain": "0.25"}},
            {"output_type": "stream", "name": "stdout", "text": ["a 0.5\n", "b 0.75\n"]},
        ],
    }
    assert [n.value for n in all_numbers(printed_text(cell))] == [0.25, 0.5, 0.75]
