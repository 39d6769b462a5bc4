"""bench/variants.py: make bench trains lesson 04's variants as the lesson does, with config's values."""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest

from bench import variants
from rnncourse import config, course, gradients, models


def test_benchmark_variants_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown variants"):
        variants.benchmark_variants(["nope"])


@pytest.mark.slow
def test_benchmark_variants_runs_on_tiny_sizes(isolated_data_env, monkeypatch):
    sizes = {
        "num_train": 64,
        "num_test": 32,
        "num_words": 300,
        "maxlen": 24,
        "epochs": 1,
        "study_num_train": 32,
        "num_val": 16,
        "study_maxlen": 12,
        "study_epochs": 1,
        "short_maxlen": 8,
        "small_num_words": 100,
        "ngram_epochs": 1,
        "final_maxlen": 20,
        "final_epochs": 1,
    }
    runs = []  # (trained model, test set) of every fit_and_evaluate call
    fit_and_evaluate = models.fit_and_evaluate

    def recording_fit_and_evaluate(model, train, test, **kwargs):
        runs.append((model, test))
        return fit_and_evaluate(model, train, test, **kwargs)

    monkeypatch.setattr(models, "fit_and_evaluate", recording_fit_and_evaluate)
    names = ["baseline", "lstm_1_layer", "conv_short_small_vocab", "conv_long", "ngram_baseline", "final_rnn"]
    out = variants.benchmark_variants(names, sizes=sizes)
    assert list(out) == names
    assert out["ngram_baseline"]["num_train"] == 64 and out["ngram_baseline"]["maxlen"] is None
    assert out["baseline"]["num_train"] == 64 and out["baseline"]["maxlen"] == 24
    assert out["lstm_1_layer"]["num_train"] == 32 and out["lstm_1_layer"]["maxlen"] == 12
    assert out["conv_short_small_vocab"]["num_words"] == 100 and out["conv_short_small_vocab"]["maxlen"] == 8
    assert out["conv_long"]["maxlen"] == 24 and out["conv_long"]["num_train"] == 64 - 16
    assert out["lstm_1_layer"]["epochs_run"] == 1
    assert out["final_rnn"]["num_train"] == 64 and out["final_rnn"]["maxlen"] == 20  # the texts, vectorized
    assert all(row["params"] > 0 for row in out.values())
    # Each reported accuracy is its trained model's on the held-out test reviews.
    for (model, (x_test, y_test)), (name, row) in zip(runs, out.items(), strict=True):
        assert len(y_test) == sizes["num_test"], name
        p = model.predict(x_test, verbose=0).ravel()
        assert row["test_accuracy"] == pytest.approx(np.mean((p > 0.5) == y_test), abs=1e-4), name


def _hyperparameter_problems(source: str) -> list[str]:
    """What in a notebook's code disagrees with ``config.hyperparameters("04_sentiment")``.

    Each hyperparameter is assigned once at the top level of a cell, read from config
    (``batch_size = HP["batch_size"]`` with ``HP = config.hyperparameters("04_sentiment")``):
    config is its one home, so a literal is a problem even when it equals config's value.
    """
    readers = set(re.findall(rf"""^(\w+) = config\.hyperparameters\(["']{variants.LESSON}["']\)""", source, re.M))
    problems = []
    for name, value in config.hyperparameters(variants.LESSON).items():
        assigned = re.findall(rf"^{name} = ([^#\n]+?)\s*(?:#.*)?$", source, flags=re.MULTILINE)
        if len(assigned) != 1:
            problems.append(f"{name} is assigned {len(assigned)} times: {assigned}")
            continue
        read = re.fullmatch(rf"""(\w+)\[["']{name}["']\]""", assigned[0])
        if read:
            if read.group(1) not in readers:
                problems.append(f"{name} = {assigned[0]}, but {read.group(1)} is not config.hyperparameters(...)")
        elif ast.literal_eval(assigned[0]) != value:
            problems.append(f"the notebook assigns {name} = {assigned[0]}; config.hyperparameters has {value}")
        else:
            problems.append(f'the notebook assigns {name} = {assigned[0]}; read it as HP["{name}"] from config')
    return problems


def test_the_notebook_uses_the_benchmarked_hyperparameters():
    """make bench trains with config.hyperparameters("04_sentiment"); the lesson must train the same models."""
    path = course.solution_path(variants.LESSON)
    if not path.exists():
        pytest.skip("lesson 04 is not there yet")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert _hyperparameter_problems(source) == []


def test_the_hyperparameter_check_accepts_config_reads_only():
    hp = config.hyperparameters(variants.LESSON)
    literals = "\n".join(f"{name} = {value!r}  # a comment" for name, value in hp.items())
    reads = 'HP = config.hyperparameters("04_sentiment")\n' + "\n".join(
        f'{name} = HP["{name}"]  # a comment' for name in hp
    )
    assert _hyperparameter_problems(reads) == []
    assert _hyperparameter_problems(literals) == [
        f'the notebook assigns {name} = {value!r}; read it as HP["{name}"] from config' for name, value in hp.items()
    ]
    assert _hyperparameter_problems(literals.replace("batch_size = 128", "batch_size = 64"))[0] == (
        "the notebook assigns batch_size = 64; config.hyperparameters has 128"
    )
    assert _hyperparameter_problems(reads.replace("HP = config", "HP = dict(config")) == [
        f'{name} = HP["{name}"], but HP is not config.hyperparameters(...)' for name in hp
    ]
    assert _hyperparameter_problems(reads + "\npatience = 2") == [
        "patience is assigned 2 times: ['HP[\"patience\"]', '2']"
    ]


@pytest.mark.slow
def test_tuning_sweeps_train_one_model_per_setting(isolated_data_env, monkeypatch):
    sizes = {"num_train": 64, "num_test": 32, "num_words": 300, "maxlen": 24, "study_num_train": 32}
    sizes |= {"num_val": 16, "study_maxlen": 12, "study_epochs": 2}
    built = []
    build = models.build_lstm_classifier
    monkeypatch.setattr(models, "build_lstm_classifier", lambda *a: built.append(a) or build(*a))
    hp = config.hyperparameters("04_sentiment")
    out = variants.tuning_sweeps(
        learning_rates=(1e-3, hp["learning_rate"]), batch_sizes=(8, hp["batch_size"]), sizes=sizes
    )
    assert len(built) == 3  # the lesson's own setting (3e-3, 128) is in both sweeps and trains once
    assert out["batch_sizes"][1] is out["learning_rates"][1]
    assert [r["learning_rate"] for r in out["learning_rates"]] == [1e-3, hp["learning_rate"]]
    assert [r["batch_size"] for r in out["batch_sizes"]] == [8, hp["batch_size"]]
    assert out["num_train"] == 32 and out["maxlen"] == 12 and out["epochs"] == 2
    for r in out["learning_rates"] + out["batch_sizes"]:
        assert len(r["loss"]) == len(r["val_loss"]) == 2  # no early stopping
        assert r["best_val_loss"] == min(r["val_loss"]) and r["val_loss"][r["best_epoch"] - 1] == r["best_val_loss"]
        assert r["train_seconds"] > 0


def test_paired_difference_words_follow_the_numbers():
    from bench.final_comparison import paired_difference

    ahead = paired_difference([0.90, 0.91, 0.92], [0.89, 0.90, 0.91])
    assert ahead["mean_points"] == pytest.approx(1.0) and ahead["words"].startswith("ahead by 1.00 ± 0.00 points")
    behind = paired_difference([0.88, 0.87, 0.89], [0.90, 0.90, 0.90])
    assert behind["words"].startswith("behind by 2.00 ± 0.58 points")
    tie = paired_difference([0.8966, 0.8964, 0.8960], [0.8914, 0.8908, 0.8986])  # the old 3-seed record
    assert tie["words"] == "ties (+0.27 ± 0.27 points)" and tie["runs"] == 3


def test_at_an_edge_names_the_axes_where_the_choice_is_the_smallest_or_largest_value_tried():
    from bench.final_comparison import CANDIDATES, at_an_edge

    def pick(maxlen, epochs):
        return {"maxlen": maxlen, "epochs": epochs}

    assert at_an_edge(CANDIDATES, pick(400, 4)) == []  # the centre of the cross
    assert at_an_edge(CANDIDATES, pick(400, 5)) == ["epochs"]
    assert at_an_edge(CANDIDATES, pick(300, 4)) == ["maxlen"]
    assert at_an_edge([pick(400, 3)], pick(400, 3)) == []  # one value tried: no axis to speak of


def test_one_standard_error_rule_takes_the_cheapest_candidate_validation_cannot_tell_from_the_best():
    from bench.final_comparison import choose_within_one_standard_error

    def candidate(name, maxlen, epochs, accuracy):
        return {"name": name, "maxlen": maxlen, "epochs": epochs, "mean_val_accuracy": accuracy}

    selection = [  # the record of 2026-12-04
        candidate("400/4", 400, 4, 0.8905),
        candidate("400/3", 400, 3, 0.8843),
        candidate("400/5", 400, 5, 0.8900),
        candidate("300/4", 300, 4, 0.8845),
        candidate("500/4", 500, 4, 0.8925),
    ]
    chosen, why = choose_within_one_standard_error(selection, 2000)
    assert why["standard_error"] == pytest.approx(0.0069, abs=1e-4)  # sqrt(0.8925 * 0.1075 / 2000)
    assert why["within_one_standard_error"] == ["400/4", "400/5", "500/4"]
    assert chosen["name"] == "400/4" and why["best_on_validation"] == "500/4"
    assert why["best_at_an_edge"] == ["maxlen"]
    # With a hundred times the validation reviews the noise shrinks and the best stands alone.
    assert choose_within_one_standard_error(selection, 200_000)[0]["name"] == "500/4"
    # Equal costs go to the higher accuracy.
    tied = [candidate("a", 400, 5, 0.890), candidate("b", 500, 4, 0.891)]
    assert choose_within_one_standard_error(tied, 2000)[0]["name"] == "b"


def test_a_partial_variants_run_keeps_the_other_variants_and_recomputes_the_target(monkeypatch):
    """``bench/run.py --only variants --variant final_rnn``: the bookkeeping, with made-up figures."""
    import bench.run as bench_run
    import bench.variants as bench_variants_module

    trained = []

    def fake_benchmark_variants(names, *, seed=0):
        trained.append((tuple(names), seed))
        return {name: {"test_accuracy": 0.90 + seed / 1000, "train_seconds": 70.0 + seed} for name in names}

    monkeypatch.setattr(bench_variants_module, "benchmark_variants", fake_benchmark_variants)
    previous = {
        "variants": {"lstm_1_layer": {"test_accuracy": 0.77}, "final_rnn": {"test_accuracy": 0.897}},
        "ngram_baseline": {"test_accuracy_over_seeds": {"median": 0.8914}, "by_seed": {"0": 0.8914}},
        "best_by_seed": {},
        "best_test_accuracy": {"median": 0.8964},
        "best_train_seconds": {"median": 55.4},
    }
    out = bench_run.bench_variants(names=["final_rnn"], previous=previous)
    assert trained == [(("final_rnn",), 0), (("final_rnn",), 1), (("final_rnn",), 2)]  # the bag is not retrained
    assert out["variants"]["lstm_1_layer"] == {"test_accuracy": 0.77}  # kept as it was
    assert out["variants"]["final_rnn"]["test_accuracy"] == 0.90 and "date" in out["variants"]["final_rnn"]
    assert out["ngram_baseline"] is previous["ngram_baseline"]
    assert out["best_test_accuracy"]["median"] == pytest.approx(0.901)
    assert out["best_train_seconds"]["median"] == 71.0
    assert out["meets_target"] is False  # more accurate than the bag, but over the 60 s of fitting


def test_order_pairs_hold_the_same_words_in_both_versions():
    from rnncourse.word_order import NEGATED_AT_A_DISTANCE, ORDER_PAIRS, pair_accuracy, pair_texts

    def words(text):
        return sorted(re.findall(r"[a-z']+", text.lower()))

    assert len(ORDER_PAIRS) >= 10
    for positive, negative in ORDER_PAIRS:
        assert words(positive) == words(negative) and positive != negative
    assert NEGATED_AT_A_DISTANCE.search("It is not very good.")
    assert NEGATED_AT_A_DISTANCE.search("this isn't at all funny")
    assert not NEGATED_AT_A_DISTANCE.search("It is not good.")  # one bigram spans it
    assert not NEGATED_AT_A_DISTANCE.search("A good film, not a long one.")
    assert len(pair_texts()) == 2 * len(ORDER_PAIRS) and pair_texts()[1] == ORDER_PAIRS[0][1]
    assert pair_accuracy([0.9, 0.1, 0.2, 0.8]) == 0.5


@pytest.mark.slow
def test_final_comparison_chooses_on_validation_and_looks_at_the_test_set_once(isolated_data_env, monkeypatch):
    from bench import final_comparison

    evaluated = []  # the inputs of every evaluate/predict call, by size
    for method in ("evaluate", "predict"):
        original = getattr(__import__("keras").Model, method)

        def spy(self, x, *args, _original=original, **kwargs):
            evaluated.append(len(x))
            return _original(self, x, *args, **kwargs)

        monkeypatch.setattr(__import__("keras").Model, method, spy)
    candidates = ({"name": "40 tokens", "maxlen": 40, "epochs": 1}, {"name": "20 tokens", "maxlen": 20, "epochs": 1})
    out = final_comparison.main(
        mode="fast", candidates=candidates, selection_seeds=(0,), final_seeds=(0, 1), bag_max_epochs=2
    )
    sizes = config.sizes("04_sentiment", "fast")
    assert out["selected_on"] == "validation"
    chosen, why = final_comparison.choose_within_one_standard_error(out["rnn_candidates"], sizes["num_val"])
    assert out["rnn_chosen"]["name"] == chosen["name"] and out["rnn_choice"] == why
    assert 1 <= out["bag_epochs_chosen"] <= 2 and len(out["bag_val_accuracy_by_epoch"]) == 2
    assert out["bag_epochs_at_the_edge"] == (out["bag_epochs_chosen"] == 2)
    assert out["rnn_chosen_at_an_edge"] == ["maxlen"]  # two lengths tried, so either choice is an edge
    # The selection scored validation reviews only; the test reviews were predicted once per model and seed.
    test_calls = [n for n in evaluated if n == sizes["num_test"]]
    assert len(test_calls) == 2 * 2, evaluated
    assert evaluated.index(sizes["num_test"]) > len(candidates)  # after every candidate's validation score
    assert set(out["rnn_test_accuracy"]) == {"0", "1"}
    gaps = [100 * (out["rnn_test_accuracy"][s] - out["bag_test_accuracy"][s]) for s in ("0", "1")]
    assert out["rnn_minus_bag"]["mean_points"] == pytest.approx(np.mean(gaps), abs=1e-3)
    order = out["word_order"]
    assert 0 < order["negated_at_a_distance_reviews"] < sizes["num_test"]
    for part in ("negated_at_a_distance", "other", "order_pairs"):
        assert set(order[part]["rnn"]) == {"0", "1"} and "words" in order[part]["rnn_minus_bag"]


@pytest.mark.slow
def test_ablation_changes_one_thing_at_a_time_and_pairs_by_seed(isolated_data_env):
    sizes = {"num_train": 64, "num_test": 32, "num_words": 300, "maxlen": 24, "study_num_train": 32}
    sizes |= {"num_val": 16, "study_maxlen": 12, "study_epochs": 1}
    out = variants.ablation(seeds=(0, 1), sizes=sizes)
    assert list(out["runs"]) == [step[0] for step in variants.ABLATION_STEPS]
    for (name, inputs, cell, optimizer), run in zip(variants.ABLATION_STEPS, out["runs"].values(), strict=True):
        assert (run["input"], run["cell"], run["optimizer"]) == (inputs, cell, optimizer), name
        assert set(run["test_accuracy"]) == {"0", "1"}
    for comparison in out["comparisons"]:
        before, after = out["runs"][comparison["from"]], out["runs"][comparison["to"]]
        changed = [k for k in ("input", "cell", "optimizer") if before[k] != after[k]]
        assert len(changed) == 1, comparison["change"]  # one change at a time
        gaps = [100 * (after["test_accuracy"][s] - before["test_accuracy"][s]) for s in ("0", "1")]
        assert comparison["mean_points"] == pytest.approx(np.mean(gaps), abs=1e-2)


@pytest.mark.slow
def test_lag_sweep_records_every_model_and_seed_and_counts_the_learners():
    from bench import lag_sweep

    out = lag_sweep.main(lags=(6,), seeds=(0, 1), num_train=64, epochs=1)
    assert list(out["runs"]) == list(gradients.lag_sweep_layers(4))  # the lesson's five models, in its order
    for name, per_lag in out["runs"].items():
        assert list(per_lag) == ["6"], name
        run = per_lag["6"]
        assert len(run["test_accuracy"]) == len(run["step0_share"]) == 2
        assert all(0 <= a <= 1 for a in run["test_accuracy"]) and all(s >= 0 for s in run["step0_share"])
        assert run["learned"] == sum(a >= lag_sweep.LEARNED for a in run["test_accuracy"])
    # each run depends on its own seed only: seed 1 alone gives the models it gave after seed 0
    # (so seed 0 of the record is the lesson's own run, whatever ran before it)
    again = lag_sweep.main(lags=(6,), seeds=(1,), num_train=64, epochs=1)
    for name, per_lag in again["runs"].items():
        assert per_lag["6"]["step0_share"][0] == out["runs"][name]["6"]["step0_share"][1], name
