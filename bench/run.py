"""`make bench`: measure what the course promises about speed, memory and accuracy.

Prints a table and writes bench/results.json (with machine information). Every figure comes
from a run on this machine; nothing is estimated. `make bench QUICK=1` runs a subset.

Method: cheap measurements are repeated (median, min and max shown); each lesson runs in a
fresh process with nbclient, and the peak memory is the kernel's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnncourse import course  # noqa: E402
from rnncourse._imdb_cache import cache_dir  # noqa: E402
from rnncourse.config import child_env  # noqa: E402

TARGETS = {  # lesson -> (full seconds, fast seconds)
    # Full mode: issue #16's budget, 240 s for lesson 04 and 120 s for every other lesson, on an idle machine.
    "01_gradients": (120, 60),  # fast: 11 trained models since the training exercise and the lag sweep
    "02_gru_lstm": (120, 20),
    "03_embeddings": (120, 20),
    "04_sentiment": (240, 45),
    "05_language_model": (180, 30),  # issue #25's budget: three epochs over 480k tokens with a 5,000-word softmax
}
MEMORY_TARGET_GB = 2.5
GRADING_TARGET_S = 30.0  # per full-course submission at JOBS=2
SANDBOX_TARGET_RATIO = 1.10  # grading with the sandbox costs at most 10% more wall time
SECTIONS = (
    "lessons",
    "data",
    "grading",
    "harness",
    "engine",
    "variants",
    "tuning",
    "language_model",
    "final",
    "ablation",
    "lag_sweep",
)

RUN_NOTEBOOK = r"""
import json, os, resource, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
resources = {"metadata": {"path": os.path.dirname(path)}}
NotebookClient(nb, timeout=1800, kernel_name="python3", resources=resources).execute()
wall = time.perf_counter() - start
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
errors = [o.get("ename") for o in outputs if o.get("output_type") == "error"]
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel (Linux: KiB)
print(json.dumps({"wall_s": wall, "peak_rss_gb": peak_kb / 1024 ** 2, "errors": errors}))
"""


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import rnncourse, tensorflow as tf, keras, json; print(json.dumps({"
            "'tensorflow': tf.__version__, 'keras': keras.__version__, "
            "'intra_op_threads': tf.config.threading.get_intra_op_parallelism_threads(), "
            "'inter_op_threads': tf.config.threading.get_inter_op_parallelism_threads()}))",
        ],
        capture_output=True,
        text=True,
        env=child_env(fast=True),
    )
    info = json.loads(probe.stdout.strip().splitlines()[-1]) if probe.returncode == 0 else {}
    info.update(
        cpu=cpu,
        cores=os.cpu_count(),
        python=platform.python_version(),
        platform=platform.platform(),
        memory_gb=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        date=time.strftime("%Y-%m-%d"),
        note="TensorFlow threads 0 = TensorFlow chooses (all cores)",
    )
    return info


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def time_python(code: str, runs: int, **env: str) -> dict:
    """Wall time of `code` in a fresh interpreter (import cost included), `runs` times."""
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], check=True, env=child_env(fast=True, extra=env), capture_output=True
        )
        values.append(time.perf_counter() - start)
    return _stats(values)


def bench_data(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        cold = []
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            os.makedirs(cache)
            cold.append(
                time_python(
                    "from rnncourse.data import load_imdb; load_imdb(num_words=20000, maxlen=200)",
                    1,
                    RNNCOURSE_DATA_DIR=cache,
                )["median"]
            )
        cached = time_python(
            "from rnncourse.data import load_imdb; load_imdb(num_words=20000, maxlen=200)",
            runs,
            RNNCOURSE_DATA_DIR=cache,
        )
    baseline = time_python("import rnncourse.data, rnncourse.glove", runs)
    glove = time_python("from rnncourse.glove import load_glove; load_glove()", runs)
    return {
        "imdb_prepare_cold_s": _stats(cold),
        "imdb_prepare_cached_s": cached,
        "glove_load_s": glove,
        "python_and_import_s": baseline,
        "note": "each figure includes starting Python and importing rnncourse (python_and_import_s)",
    }


def bench_lesson(lesson: str, fast: bool, runs: int) -> dict:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{lesson}.ipynb"
            shutil.copy2(course.solution_path(lesson), path)
            proc = subprocess.run(
                [sys.executable, "-c", RUN_NOTEBOOK, str(path)],
                capture_output=True,
                text=True,
                env=child_env(fast=fast),
            )
            if proc.returncode != 0:
                return {"error": proc.stderr[-1500:]}
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    wall = _stats([r["wall_s"] for r in results])
    peak = max(r["peak_rss_gb"] for r in results)
    full_target, fast_target = TARGETS.get(lesson, (120, 20))
    target = fast_target if fast else full_target
    return {
        "wall_s": wall,
        "peak_rss_gb": peak,
        "errors": sorted({e for r in results for e in r["errors"]}),
        "target_s": target,
        "meets_target": wall["median"] <= target and peak <= MEMORY_TARGET_GB,
    }


def _write_reference_submissions(subs: Path, students: int, lessons: list[str]) -> None:
    """``students`` full-course submissions of the reference answers, flat layout."""
    for index in range(students):
        for lesson in lessons:
            target = subs / f"student{index:02d}" / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(course.reference_submission(lesson)))


def seconds_per_lesson(run: dict) -> dict:
    """A grading run's ``run.json`` -> lesson -> stats of the seconds a worker spent on each notebook."""
    seconds: dict[str, list[float]] = {}
    for key, notebook in run["notebooks"].items():
        seconds.setdefault(key.rsplit("/", 1)[1], []).append(float(notebook["seconds"]))
    return {lesson: _stats(values) for lesson, values in sorted(seconds.items())}


def bench_grading(lessons: list[str], students: int, jobs_list: list[int], sandbox_pairs: int) -> dict:
    """Seconds per full-course submission at each JOBS (sandboxed), and the sandbox's cost at JOBS=2.

    The cost comes from ``sandbox_pairs`` pairs of runs on the same submissions, with and
    without the sandbox, alternated in one process so that both see the same machine.
    """
    from rnncourse.grader import Settings, grade_folder

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        _write_reference_submissions(subs, students, lessons)

        def run(name: str, settings) -> dict:
            result_dir = Path(tmp) / f"out-{name}"  # a fresh OUT: nothing comes from the cache
            start = time.perf_counter()
            rows = grade_folder(subs, result_dir, settings, log=lambda text: None)
            wall = time.perf_counter() - start
            per_lesson = seconds_per_lesson(json.loads((result_dir / "run.json").read_text()))
            shutil.rmtree(result_dir, ignore_errors=True)
            return {
                "seconds_per_submission": wall / students,
                "notebook_seconds_by_lesson": per_lesson,
                "wall_s": wall,
                "submissions": students,
                "lessons_per_submission": len(lessons),
                "statuses": sorted({r["status"] for r in rows}),
                "scores": sorted({(r["lesson"], r["score"], r["max_score"]) for r in rows}),
            }

        for jobs in jobs_list:
            out[f"jobs_{jobs}"] = run(f"jobs{jobs}", Settings(jobs=jobs, progress=False))
        pairs = []
        for index in range(sandbox_pairs):
            with_sandbox = run(f"sandbox{index}", Settings(jobs=2, progress=False))
            without = run(f"nosandbox{index}", Settings(jobs=2, progress=False, sandbox=False))
            pairs.append(
                {
                    "sandbox_s": with_sandbox["wall_s"],
                    "no_sandbox_s": without["wall_s"],
                    "ratio": with_sandbox["wall_s"] / without["wall_s"],
                    "same_scores": with_sandbox["scores"] == without["scores"],
                }
            )
        if pairs:
            ratios = [p["ratio"] for p in pairs]
            out["sandbox_cost"] = {
                "jobs": 2,
                "pairs": pairs,
                "ratio": _stats(ratios),
                "target_ratio": SANDBOX_TARGET_RATIO,
                "meets_target": statistics.median(ratios) <= SANDBOX_TARGET_RATIO,
                "note": "wall time of a grading run with the sandbox / without it, same "
                "submissions, runs alternated in one process",
            }
    out["note"] = (
        "one grading run over all submissions (reference answers), its one-off preparation of the "
        "private nbgrader courses included, divided by the number of submissions; sandboxed"
    )
    out["target_s_per_submission_at_jobs_2"] = GRADING_TARGET_S
    return out


def bench_engine_overhead(counts: tuple[int, ...] = (1000, 10000), jobs: int = 2) -> dict:
    """The Dask engine's own cost per notebook: trivial tasks through Engine.run (no nbgrader, no kernel)."""
    from rnncourse.grader.engine import Engine, echo_job
    from rnncourse.grader.jobs import Job

    notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    runs = {}
    with Engine(jobs) as engine:
        for count in counts:
            work = [Job(student=f"s{i:05d}", lesson="01_gradients", notebook=notebook, digest="") for i in range(count)]
            seen: list[tuple[str, str]] = []
            start = time.perf_counter()
            engine.run(work, None, lambda job, result, seen=seen: seen.append(job.key), task=echo_job)
            wall = time.perf_counter() - start
            assert len(seen) == count == len(set(seen))
            runs[str(count)] = {"wall_s": wall, "ms_per_task": 1000 * wall / count}
    return {
        "jobs": jobs,
        "runs": runs,
        "note": "Engine.run with a task that grades nothing, on a LocalCluster started once (start-up not "
        "included); every result goes through the same submit / as_completed / callback path",
    }


HARNESS_TARGET_RATIO = 1.10  # issue #22: tests in the harness may cost at most 10 % more


def harness_ratio(comparison: dict) -> dict:
    """``grading.harness_ratio`` from an engine comparison against a commit that ran tests in the kernel.

    The section ``harness`` compares against this checkout with its test cells run in the kernel
    (:func:`copy_with_tests_in_kernel`): the same lessons and checks, so only the harness differs.
    """
    median = comparison["ratio"]["median"]
    return {
        "in_kernel_commit": comparison["old_commit"],
        "ratio": comparison["ratio"],
        "pairs": comparison["pairs"],  # seconds per submission, harness then in the kernel, and their ratio
        "target_ratio": HARNESS_TARGET_RATIO,
        "meets_target": median <= HARNESS_TARGET_RATIO,
        "same_scores": all(pair["same_scores"] for pair in comparison["pairs"]),
        "note": "grading wall time with test cells in the harness / with them in the student's kernel "
        "(in_kernel_commit), JOBS=2, same submissions, runs alternated in one bench run",
    }


def pass_pythonpath_on(checkout: Path) -> list[str]:
    """Make an older grader pass PYTHONPATH on to its worker and kernels, as today's does.

    Without it the older grader's worker and kernels import this checkout's ``rnncourse`` (the
    editable install), and the comparison times this checkout's worker twice. Returns the files
    changed (none for a grader that already passes it on); raises when the code is not recognised.
    """
    edits = {
        "rnncourse/grader/process.py": (
            '    if os.environ.get("RNNCOURSE_DATA_DIR"):\n'
            '        base["RNNCOURSE_DATA_DIR"] = os.environ["RNNCOURSE_DATA_DIR"]\n',
            '    if os.environ.get("PYTHONPATH"):\n        base["PYTHONPATH"] = os.environ["PYTHONPATH"]\n',
        ),
        "rnncourse/grader/sandbox.py": ('"RNNCOURSE_DATA_DIR", "TF_NUM', '"RNNCOURSE_DATA_DIR", "PYTHONPATH", "TF_NUM'),
    }
    changed = []
    for rel, (anchor, addition) in edits.items():
        path = checkout / rel
        text = path.read_text(encoding="utf-8")
        if "PYTHONPATH" in text:
            continue
        if anchor not in text:
            raise RuntimeError(f"{rel} at the compared commit does not pass PYTHONPATH on and is not recognised")
        replacement = anchor + addition if rel.endswith("process.py") else addition
        path.write_text(text.replace(anchor, replacement, 1), encoding="utf-8")
        changed.append(rel)
    return changed


IN_KERNEL = "this checkout, test cells in the kernel"  # what the section "harness" compares against
_HARNESS_ON = "\nHARNESS = True\n"  # rnncourse/grader/worker.py: test cells in the harness (and its early import)


def copy_with_tests_in_kernel(target: Path) -> None:
    """This checkout's tracked files, with the worker's harness turned off: test cells run in the kernel.

    The grader as it was before issue #22, with today's lessons and checks, so that the comparison
    measures the harness and nothing else. Only ``make bench`` (section ``harness``) runs this copy.
    """
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    worker = target / "rnncourse" / "grader" / "worker.py"
    text = worker.read_text(encoding="utf-8")
    if text.count(_HARNESS_ON) != 1:
        raise RuntimeError("rnncourse/grader/worker.py no longer turns the harness on as bench expects; update bench")
    worker.write_text(text.replace(_HARNESS_ON, "\nHARNESS = False\n"), encoding="utf-8")


def bench_compare_engines(commit: str, lessons: list[str], students: int, pairs: int) -> dict:
    """Seconds per submission at JOBS=2: this checkout against the grader of ``commit``, alternated in one run.

    ``commit`` may be :data:`IN_KERNEL`: this checkout with its test cells run in the kernel.
    """
    old = Path(tempfile.mkdtemp(prefix="rnncourse-old-")) / "checkout"
    if commit == IN_KERNEL:
        copy_with_tests_in_kernel(old)
    else:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), commit], check=True, capture_output=True
        )
        pass_pythonpath_on(old)
    script = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from rnncourse.grader import Settings, grade_folder\n"
        "start = time.perf_counter()\n"
        "settings = Settings(jobs=2, progress=False)\n"
        "rows = grade_folder(Path(sys.argv[1]), Path(sys.argv[2]), settings, log=lambda t: None)\n"
        "scores = sorted({(r['lesson'], r['score']) for r in rows})\n"
        "print(json.dumps({'wall_s': time.perf_counter() - start, 'scores': scores}))\n"
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            subs = Path(tmp) / "subs"
            _write_reference_submissions(subs, students, lessons)

            data_dir = str(cache_dir())  # one prepared-data cache for both: neither run times building it

            def run(checkout: Path, name: str) -> dict:
                env = {**os.environ, "PYTHONPATH": str(checkout), "RNNCOURSE_DATA_DIR": data_dir}
                proc = subprocess.run(
                    [sys.executable, "-c", script, str(subs), str(Path(tmp) / name)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=checkout,
                )
                if proc.returncode != 0:
                    raise RuntimeError(proc.stderr[-2000:])
                shutil.rmtree(Path(tmp) / name, ignore_errors=True)
                return json.loads(proc.stdout.strip().splitlines()[-1])

            results = []
            for index in range(pairs):
                new = run(ROOT, f"new{index}")
                before = run(old, f"old{index}")
                results.append(
                    {
                        "new_s_per_submission": new["wall_s"] / students,
                        "old_s_per_submission": before["wall_s"] / students,
                        "ratio": new["wall_s"] / before["wall_s"],
                        "same_scores": new["scores"] == before["scores"],
                    }
                )
    finally:
        if commit == IN_KERNEL:
            shutil.rmtree(old.parent, ignore_errors=True)
        else:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    ratios = [r["ratio"] for r in results]
    return {
        "old_commit": commit,
        "jobs": 2,
        "submissions": students,
        "pairs": results,
        "ratio": _stats(ratios),
        "target_ratio": 1.05,
        "meets_target": statistics.median(ratios) <= 1.05,
        "note": "grading wall time of this checkout / of the grader at old_commit, same submissions and "
        "machine, runs alternated",
    }


BEST_VARIANT = "final_rnn"  # lesson 04's final RNN: vectorizer -> GloVe -> Conv1D -> pooling -> BiGRU -> max + mean
REFERENCE = "ngram_baseline"  # what the final RNN must match: the bag of bigrams, over the same seeds
BEST_TARGET = {"train_seconds": 60.0}  # and a median test accuracy at or above the bag's median
ANCHORS = {"seed baseline (the slides)": 0.495, "Keras imdb_cnn_lstm, 2 epochs": 0.85, "Maas et al. 2011": 0.8889}


def bench_variants(
    seeds: tuple[int, ...] = (0, 1, 2), names: list[str] | None = None, previous: dict | None = None
) -> dict:
    """Lesson 04's variants (full mode, seed 0), and the final RNN against the bag of bigrams over `seeds`.

    With ``names`` (``--variant``) only those variants are trained again; the others keep their
    figures from ``previous`` (the last ``lesson04_variants``), and each re-measured one carries
    its own ``date``.
    """
    from bench.variants import VARIANT_NAMES, benchmark_variants

    names = list(names or VARIANT_NAMES)
    measured = benchmark_variants(names, seed=seeds[0])
    variants = measured
    if previous is not None:
        today = time.strftime("%Y-%m-%d")
        variants = {**previous["variants"], **{name: {**measured[name], "date": today} for name in names}}
    by_seed = {}
    for name in (BEST_VARIANT, REFERENCE):
        if name in names:
            by_seed[name] = {seeds[0]: measured[name]}
            for seed in seeds[1:]:
                by_seed[name][seed] = benchmark_variants([name], seed=seed)[name]

    def spread(name: str, key: str) -> dict:
        return _stats([r[key] for r in by_seed[name].values()])

    if REFERENCE in by_seed:
        reference_record = {
            "test_accuracy": variants[REFERENCE]["test_accuracy"],
            "train_seconds": variants[REFERENCE]["train_seconds"],
            "by_seed": {str(seed): r["test_accuracy"] for seed, r in by_seed[REFERENCE].items()},
            "test_accuracy_over_seeds": spread(REFERENCE, "test_accuracy"),
            "train_seconds_over_seeds": spread(REFERENCE, "train_seconds"),
        }
    else:
        reference_record = previous["ngram_baseline"]  # type: ignore[index]
    if BEST_VARIANT in by_seed:
        best_record = {
            "best_by_seed": {str(seed): r for seed, r in by_seed[BEST_VARIANT].items()},
            "best_test_accuracy": spread(BEST_VARIANT, "test_accuracy"),
            "best_train_seconds": spread(BEST_VARIANT, "train_seconds"),
        }
    else:
        best_record = {key: previous[key] for key in ("best_by_seed", "best_test_accuracy", "best_train_seconds")}  # type: ignore[index]
    best, reference = best_record["best_test_accuracy"], reference_record["test_accuracy_over_seeds"]
    return {
        "variants": variants,
        "ngram_baseline": reference_record,
        "best_variant": BEST_VARIANT,
        **best_record,
        "target": {**BEST_TARGET, "test_accuracy": f"median >= the bag of bigrams' median ({reference['median']:.4f})"},
        "meets_target": best["median"] >= reference["median"]
        and best_record["best_train_seconds"]["median"] <= BEST_TARGET["train_seconds"],
        "anchors": ANCHORS,
    }


def print_table(results: dict) -> None:
    m = results["machine"]
    print(f"\nMachine: {m.get('cpu')} · {m.get('cores')} cores · TF {m.get('tensorflow')} · {m.get('date')}")
    print(f"\n{'lesson':<18}{'mode':<6}{'wall s (median [min-max])':>30}{'peak GB':>9}{'target s':>10}  ok")
    for lesson, modes in results["lessons"].items():
        for mode, r in modes.items():
            if "error" in r:
                print(f"{lesson:<18}{mode:<6}  failed: {r['error'][:80]}")
                continue
            w = r["wall_s"]
            span = f"{w['median']:.1f} [{w['min']:.1f}-{w['max']:.1f}] x{w['runs']}"
            print(
                f"{lesson:<18}{mode:<6}{span:>30}{r['peak_rss_gb']:>9.2f}{r['target_s']:>10}  "
                f"{'yes' if r['meets_target'] else 'NO'}"
            )
    d = results.get("data", {})
    if d:
        print("\nData (fresh Python each run, median [min-max]):")
        for key in ("python_and_import_s", "imdb_prepare_cold_s", "imdb_prepare_cached_s", "glove_load_s"):
            s = d[key]
            print(f"  {key:<24}{s['median']:.2f} [{s['min']:.2f}-{s['max']:.2f}] s x{s['runs']}")
    g = results.get("grading", {})
    for key, value in g.items():
        if key.startswith("jobs_"):
            ok = (
                ""
                if key != "jobs_2"
                else f" (target <= {GRADING_TARGET_S:.0f} s: "
                + ("yes)" if value["seconds_per_submission"] <= GRADING_TARGET_S else "NO)")
            )
            print(
                f"\nGrading, {key.replace('_', '=')}: {value['seconds_per_submission']:.1f} s per full-course "
                f"submission ({value['submissions']} submissions x {value['lessons_per_submission']} lessons, "
                f"{value['wall_s']:.0f} s in all){ok}; statuses {value['statuses']}"
            )
    cost = g.get("sandbox_cost")
    if cost:
        r = cost["ratio"]
        print(
            f"\nSandbox cost at JOBS=2: with/without {r['median']:.3f} [{r['min']:.3f}-{r['max']:.3f}] over "
            f"{r['runs']} pairs (target <= {cost['target_ratio']:.2f}: {'yes' if cost['meets_target'] else 'NO'})"
        )
    harness = g.get("harness_ratio")
    if harness:
        r = harness["ratio"]
        print(
            f"\nHarness cost at JOBS=2: tests in the harness / in the kernel ({harness['in_kernel_commit']}) "
            f"{r['median']:.3f} [{r['min']:.3f}-{r['max']:.3f}] over {r['runs']} pairs "
            f"(target <= {harness['target_ratio']:.2f}: {'yes' if harness['meets_target'] else 'NO'}; "
            f"same scores: {'yes' if harness['same_scores'] else 'NO'})"
        )
    e = results.get("engine_overhead")
    if e:
        print(
            "\nEngine overhead (trivial tasks, JOBS={}): ".format(e["jobs"])
            + ", ".join(f"{n} tasks {r['ms_per_task']:.2f} ms each" for n, r in e["runs"].items())
        )
    c = results.get("engine_comparison")
    if c:
        r = c["ratio"]
        print(
            f"\nDask engine / grader at {c['old_commit'][:10]}: {r['median']:.3f} [{r['min']:.3f}-{r['max']:.3f}] "
            f"over {r['runs']} pairs (target <= {c['target_ratio']:.2f}: {'yes' if c['meets_target'] else 'NO'})"
        )
    v = results.get("lesson04_variants", {})
    if v.get("variants"):
        print("\nLesson 04 variants (full mode, seed 0; test accuracy on the held-out reviews):")
        print(
            f"  {'variant':<24}{'reviews':>8}{'tokens':>7}{'words':>7}{'epochs':>7}{'params':>10}"
            f"{'fit s':>8}{'accuracy':>10}"
        )
        for name, r in v["variants"].items():
            print(
                f"  {name:<24}{r['num_train']:>8}{r['maxlen'] or '-':>7}{r['num_words']:>7}{r['epochs_run']:>7}"
                f"{r['params']:>10,}{r['train_seconds']:>8.1f}{r['test_accuracy']:>10.3f}"
            )
        a, t = v["best_test_accuracy"], v["best_train_seconds"]
        print(
            f"  best ({v['best_variant']}) over seeds {', '.join(v['best_by_seed'])}: accuracy "
            f"{a['median']:.3f} [{a['min']:.3f}-{a['max']:.3f}], "
            f"fit {t['median']:.1f} [{t['min']:.1f}-{t['max']:.1f}] s"
            f" (target: {v['target']['test_accuracy']}, fit <= {v['target']['train_seconds']:.0f} s: "
            f"{'yes' if v['meets_target'] else 'NO'})"
        )
        ngram = v.get("ngram_baseline", {}).get("test_accuracy_over_seeds")
        if ngram:
            print(
                f"  bag of bigrams over the same seeds: {ngram['median']:.3f} [{ngram['min']:.3f}-{ngram['max']:.3f}]"
            )
        print("  anchors: " + "; ".join(f"{k} {val}" for k, val in v["anchors"].items()))


def run_bench_module(module: str, *args: str) -> dict:
    """Run ``python -m bench.<module> args`` in a fresh full-mode process; its last stdout line is the record."""
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=child_env(fast=False),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_language_model(seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Lesson 05's GRU language model over ``seeds`` and its count baselines (``bench/language_model.py``)."""
    return run_bench_module("language_model", *map(str, seeds))


def bench_lag_sweep() -> dict:
    """Lesson 01's lag sweep, every model over several seeds (``bench/lag_sweep.py``)."""
    return run_bench_module("lag_sweep")


def bench_final_comparison() -> dict:
    """Lesson 04's final RNN against the bag of bigrams, chosen on validation (``bench/final_comparison.py``)."""
    return run_bench_module("final_comparison")


def print_final_comparison(results: dict) -> None:
    r = results.get("lesson04_final")
    if not r:
        return
    if "error" in r:
        print(f"\nLesson 04 final comparison: failed: {r['error'][:120]}")
        return
    rnn, bag = r["rnn_test_over_seeds"], r["bag_test_over_seeds"]
    print(
        f"\nLesson 04 final comparison (chosen on {r['selected_on']}: RNN {r['rnn_chosen']['name']}, bag "
        f"{r['bag_epochs_chosen']} epochs; test accuracy over seeds {', '.join(r['rnn_test_accuracy'])}): "
        f"RNN median {rnn['median']:.4f} [{rnn['min']:.4f}-{rnn['max']:.4f}], bag median {bag['median']:.4f} "
        f"[{bag['min']:.4f}-{bag['max']:.4f}]; the RNN {r['rnn_minus_bag']['words']} (paired by seed)"
    )
    choice = r.get("rnn_choice")
    if choice:
        print(
            f"  best on validation: {choice['best_on_validation']}; within one standard error "
            f"({choice['standard_error']:.4f}): {', '.join(choice['within_one_standard_error'])}; kept the cheapest"
        )


def print_lag_sweep(results: dict) -> None:
    r = results.get("lesson01_lag_sweep")
    if not r:
        return
    if "error" in r:
        print(f"\nLesson 01 lag sweep: failed: {r['error'][:120]}")
        return
    print(
        f"\nLesson 01 lag sweep ({r['epochs']} epochs, {r['num_train']} sequences; learned = test accuracy >= "
        f"{r['learned_from']} over seeds {r['seeds']}):"
    )
    for name, per_lag in r["runs"].items():
        cells = [
            f"lag {lag}: {run['learned']}/{len(run['test_accuracy'])} "
            f"({min(run['test_accuracy']):.3f}-{max(run['test_accuracy']):.3f})"
            for lag, run in per_lag.items()
        ]
        print(f"  {name:<42} " + "; ".join(cells))


def print_ablation(results: dict) -> None:
    a = results.get("lesson04_ablation")
    if not a:
        return
    print(f"\nLesson 04 ablation ({a['num_train']} study reviews x {a['maxlen']} tokens, seeds {a['seeds']}):")
    for name, r in a["runs"].items():
        print(f"  {name:<30} test accuracy median {r['median_test_accuracy']:.3f}, fit {r['median_fit_seconds']} s")
    for c in a["comparisons"]:
        print(f"  {c['change']}: {c['words']}")


def print_language_model(results: dict) -> None:
    r = results.get("lesson05_language_model")
    if not r:
        return
    if "error" in r:
        print(f"\nLesson 05 language model: failed: {r['error'][:120]}")
        return
    g, gap, fit = r["gru_test"], r["gru_minus_bigram_test"], r["fit_seconds"]
    sd = f" ± {gap['sd']:.1f}" if gap["sd"] is not None else ""
    print(
        f"\nLesson 05 language model (full mode, test perplexity): unigram {r['unigram']['test']:.1f}, "
        f"bigram (k = {r['bigram']['k_by_validation']}, chosen on validation) {r['bigram']['test']:.1f}, "
        f"GRU median {g['median']:.1f} [{g['min']:.1f}-{g['max']:.1f}] over {g['runs']} seeds "
        f"(GRU - bigram {gap['mean']:.1f}{sd}); fit {fit['median']:.0f} [{fit['min']:.0f}-{fit['max']:.0f}] s "
        f"(target: {r['target']}: {'yes' if r['meets_target'] else 'NO'})"
    )


def print_tuning(results: dict) -> None:
    t = results.get("lesson04_tuning")
    if not t:
        return
    print(
        f"\nLesson 04 tuning sweeps ({t['model']}, {t['num_train']} reviews x {t['maxlen']} tokens, "
        f"{t['epochs']} epochs):"
    )
    for sweep, key in (("learning_rates", "learning_rate"), ("batch_sizes", "batch_size")):
        for r in t[sweep]:
            print(
                f"  {key} {r[key]:<8g} best val loss {r['best_val_loss']:.3f} at epoch {r['best_epoch']}, "
                f"last {r['val_loss'][-1]:.3f}; fit {r['train_seconds']:.1f} s"
            )


KEPT_UNLESS_MEASURED = ("install", "lesson04_exploration", "engine_comparison")


def starting_record(previous: dict, machine: dict, *, quick: bool, partial: bool, compare: bool) -> dict:
    """The record a run starts from, before it measures anything.

    A partial run (``--only``) keeps every section of ``previous``. A whole run starts afresh but
    keeps what it does not measure: the fresh-venv install and the final RNN's exploration (both
    measured by hand) and, without ``--compare-with``, the last engine comparison, with its date.
    """
    if partial and previous:
        return {
            **previous,
            "machine": machine,
            "measured": dict(previous.get("measured", {})),
            "measured_on": dict(previous.get("measured_on", {})),
        }
    results: dict = {"quick": quick, "machine": machine, "lessons": {}}
    kept = [key for key in KEPT_UNLESS_MEASURED if key in previous and not (compare and key == "engine_comparison")]
    results.update({key: previous[key] for key in kept})
    if "engine_comparison" in results:
        results["measured"] = {"compare": previous.get("measured", {}).get("compare", "unknown")}
        results["measured_on"] = {"compare": previous.get("measured_on", {}).get("compare", "unknown")}
    return results


def new_grading_section(measured: dict, record: dict) -> dict:
    """The section ``grading`` a grading run writes: its own figures, and the record's harness ratio.

    ``grading.harness_ratio`` is measured by the section ``harness``, not by ``grading``; a run of
    ``grading`` alone must not drop it (a run of ``harness`` afterwards replaces it).
    """
    kept = record.get("grading", {}).get("harness_ratio")
    return {**measured, "harness_ratio": kept} if kept is not None else measured


def mark_measured(results: dict, keys: list[str]) -> None:
    """Record the date and the machine of each section this run measured.

    ``machine`` describes the last run only; a partial run keeps older sections, measured maybe on
    another machine, so ``measured_on`` names each section's CPU.
    """
    date, cpu = results["machine"].get("date"), results["machine"].get("cpu", "unknown")
    for stamps, value in ((results.setdefault("measured", {}), date), (results.setdefault("measured_on", {}), cpu)):
        for key in keys:  # a whole section measured again: its parts' older stamps (lessons/01_...) are stale
            for part in [stamp for stamp in stamps if stamp.startswith(f"{key}/")]:
                del stamps[part]
        stamps.update({key: value for key in keys})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a subset in about 5 minutes")
    parser.add_argument(
        "--out", type=Path, default=None, help="default: bench/results.json (bench/results-quick.json with --quick)"
    )
    parser.add_argument(
        "--compare-with",
        metavar="COMMIT",
        default=None,
        help="also time the grader of COMMIT against this one, alternated (a git worktree)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=None,
        help="measure only these sections and keep the others from the results file",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=None,
        metavar="NAME",
        help="with --only variants: train only this lesson 04 variant again (repeatable) and keep the others' figures",
    )
    parser.add_argument(
        "--lesson",
        action="append",
        default=None,
        metavar="ID",
        help="with --only lessons: measure only this lesson (repeatable) and keep the others' figures",
    )
    args = parser.parse_args()
    if args.out is None:  # a quick run never overwrites the full record
        args.out = ROOT / "bench" / ("results-quick.json" if args.quick else "results.json")
    lessons = course.available_lessons()
    sections = set(args.only or SECTIONS)
    unknown = sorted(set(args.lesson or []) - set(lessons))
    if unknown or (args.lesson and sections != {"lessons"}):
        parser.error(f"--lesson needs --only lessons and one of {lessons}; got {unknown or args.lesson}")
    from bench.variants import VARIANT_NAMES

    unknown_variants = sorted(set(args.variant or []) - set(VARIANT_NAMES))
    if unknown_variants or (args.variant and sections != {"variants"}):
        parser.error(f"--variant needs --only variants and one of {list(VARIANT_NAMES)}; got {args.variant}")
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    results = starting_record(
        previous, machine_info(), quick=args.quick, partial=bool(args.only), compare=bool(args.compare_with)
    )
    runs = 1 if args.quick else 3
    if "lessons" in sections:
        for lesson in args.lesson or lessons:
            results["lessons"][lesson] = {"fast": bench_lesson(lesson, True, runs)}
            if not args.quick:
                results["lessons"][lesson]["full"] = bench_lesson(lesson, False, 1)
            print(f"measured {lesson}", file=sys.stderr, flush=True)
    if "data" in sections:
        results["data"] = bench_data(runs)
    if "grading" in sections:
        measured_grading = bench_grading(
            lessons,
            students=2 if args.quick else 3,
            jobs_list=[2] if args.quick else [1, 2],
            sandbox_pairs=1 if args.quick else 2,
        )
        results["grading"] = new_grading_section(measured_grading, results)
    if "engine" in sections:
        results["engine_overhead"] = bench_engine_overhead((1000,) if args.quick else (1000, 10000))
    if args.compare_with:
        results["engine_comparison"] = bench_compare_engines(args.compare_with, lessons, students=3, pairs=2)
    if not args.quick and "harness" in sections:
        # What the trusted harness costs: the same checkout with test cells in the kernel, alternated (#22)
        comparison = bench_compare_engines(IN_KERNEL, lessons, students=3, pairs=4)  # noisy machines: 4 pairs
        results.setdefault("grading", {})["harness_ratio"] = harness_ratio(comparison)
    if not args.quick and "variants" in sections:
        kept = previous.get("lesson04_variants") if args.variant else None
        if args.variant and not kept:
            parser.error(f"--variant keeps the other variants' figures, and {args.out} has none: run --only variants")
        results["lesson04_variants"] = {  # a partial run keeps the record's date; its variants carry their own
            "date": kept["date"] if kept else results["machine"].get("date"),
            **bench_variants(names=args.variant, previous=kept),
        }
    if not args.quick and "tuning" in sections:
        from bench.variants import tuning_sweeps

        # The learning-rate and batch-size sweeps lesson 04 plots (labelled with this date).
        results["lesson04_tuning"] = {"date": results["machine"].get("date"), **tuning_sweeps()}
    if not args.quick and "language_model" in sections:
        results["lesson05_language_model"] = {"date": results["machine"].get("date"), **bench_language_model()}
    if not args.quick and "ablation" in sections:
        from bench.variants import ablation

        # lesson 04's first step, one change at a time; each record a lesson reads carries its own date
        results["lesson04_ablation"] = {"date": results["machine"].get("date"), **ablation()}
    if not args.quick and "final" in sections:
        results["lesson04_final"] = bench_final_comparison()
    if not args.quick and "lag_sweep" in sections:
        results["lesson01_lag_sweep"] = {"date": results["machine"].get("date"), **bench_lag_sweep()}
    measured = sorted(sections) + (["compare"] if args.compare_with else [])
    if args.lesson:
        measured = [f"lessons/{lesson}" for lesson in args.lesson]
    if args.variant:
        measured = [f"variants/{name}" for name in args.variant]
    mark_measured(results, measured)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print_table(results)
    print_tuning(results)
    print_language_model(results)
    print_final_comparison(results)
    print_ablation(results)
    print_lag_sweep(results)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
