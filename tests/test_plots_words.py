"""rnncourse.plots.pca_project and plot_words_2d: the 2-D word-vector picture of lesson 03."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnncourse.plots import pca_project, plot_words_2d, spread_labels  # noqa: E402


def test_pca_project_finds_the_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    # Variance 100 along (1, 1, 0)/sqrt(2), 4 along (0, 0, 1), almost none along (1, -1, 0).
    latent = rng.normal(size=(500, 3)) * np.array([10.0, 2.0, 0.01])
    basis = np.array([[1, 1, 0], [0, 0, 1], [1, -1, 0]], dtype=float)
    basis /= np.linalg.norm(basis, axis=1, keepdims=True)
    x = latent @ basis + np.array([5.0, -3.0, 7.0])  # an offset: the PCA must centre
    coords = pca_project(x, 2)
    assert coords.shape == (500, 2) and coords.dtype == np.float64
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-9)
    variances = coords.var(axis=0)
    assert variances[0] > variances[1] > 1
    # The components are the latent coordinates up to sign (and tiny noise from the third axis).
    for k in range(2):
        corr = np.corrcoef(coords[:, k], latent[:, k])[0, 1]
        assert abs(corr) > 0.999


def test_pca_project_matches_the_eigenvectors_of_the_covariance_and_fixes_the_sign():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 5)) @ rng.normal(size=(5, 5))
    coords = pca_project(x, 3)
    centred = x - x.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    order = np.argsort(eigenvalues)[::-1][:3]
    for k, j in enumerate(order):
        direction = eigenvectors[:, j]
        direction = direction * np.sign(direction[np.argmax(np.abs(direction))])
        np.testing.assert_allclose(coords[:, k], centred @ direction, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(pca_project(-x, 3)[:, 0], -coords[:, 0], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "bad, kwargs, message",
    [
        (np.zeros(5), {}, "at least two rows"),
        (np.zeros((1, 5)), {}, "at least two rows"),
        (np.zeros((4, 3)), {"num_components": 4}, "between 1 and 3"),
    ],
)
def test_pca_project_rejects_bad_input(bad, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pca_project(bad, **kwargs)


def test_plot_words_2d_labels_every_word_and_colours_groups():
    words = ["king", "queen", "movie", "film", "good"]
    vectors = np.random.default_rng(2).normal(size=(5, 8))
    ax = plot_words_2d(words, vectors, ["royal", "royal", "cinema", "cinema", "other"], title="t")
    try:
        assert [t.get_text() for t in ax.texts] == words
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["royal", "cinema", "other"]
        assert len(ax.collections) == 3 and ax.get_title() == "t"
        np.testing.assert_allclose([t.xy for t in ax.texts], pca_project(vectors, 2))
    finally:
        plt.close(ax.figure)


def test_plot_words_2d_without_groups_and_with_mismatched_lengths():
    vectors = np.random.default_rng(3).normal(size=(3, 4))
    ax = plot_words_2d(["a", "b", "c"], vectors)
    assert ax.get_legend() is None and len(ax.texts) == 3
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="2 words but 3 vectors"):
        plot_words_2d(["a", "b"], vectors)
    with pytest.raises(ValueError, match="1 group names but 3 words"):
        plot_words_2d(["a", "b", "c"], vectors, ["g"])


# --- the labels do not overlap ------------------------------------------------------------------

LESSON_03_GROUPS = {  # the word groups of lesson 03's PCA plot (cell-031)
    "royalty": ["king", "queen", "prince", "princess", "throne"],
    "family": ["man", "woman", "boy", "girl"],
    "cinema": ["movie", "film", "actor", "actress", "director", "screenplay"],
    "praise": ["excellent", "superb", "wonderful", "brilliant"],
    "criticism": ["awful", "terrible", "horrible", "dreadful"],
}


def label_boxes(ax):
    """The drawn labels' boxes in pixels (the text alone, without a leader line), after a full draw."""
    from matplotlib.text import Text

    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    return [Text.get_window_extent(text, renderer) for text in ax.texts]


def overlapping_pairs(ax):
    boxes = label_boxes(ax)
    return [
        (ax.texts[i].get_text(), ax.texts[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]


def lesson_03_words():
    from rnncourse.glove import load_glove_matrix

    words, matrix = load_glove_matrix()
    index = {word: row for row, word in enumerate(words)}
    plot_words = [w for group in LESSON_03_GROUPS.values() for w in group]
    labels = [name for name, group in LESSON_03_GROUPS.items() for _ in group]
    return plot_words, matrix[[index[w] for w in plot_words]], labels


def crowded_words():
    """30 words whose vectors are nearly equal in three tight clusters, and a few far away."""
    rng = np.random.default_rng(5)
    centres = rng.normal(scale=5.0, size=(3, 10))
    vectors = np.vstack([centres[i % 3] + rng.normal(scale=0.05, size=10) for i in range(30)])
    vectors = np.vstack([vectors, rng.normal(scale=5.0, size=(4, 10))])
    words = [f"word{i:02d}" for i in range(len(vectors))]
    return words, vectors, [f"group {i % 3}" for i in range(len(vectors))]


@pytest.mark.parametrize("make", [lesson_03_words, crowded_words])
def test_plot_words_2d_labels_do_not_overlap(make):
    words, vectors, groups = make()
    plain = plot_words_2d(words, vectors, groups, spread=False)
    assert overlapping_pairs(plain), "the set is not crowded: unspread labels already do not overlap"
    ax = plot_words_2d(words, vectors, groups)
    assert overlapping_pairs(ax) == []
    # Still one label per word, in order, each annotating its own point.
    assert [t.get_text() for t in ax.texts] == words
    np.testing.assert_allclose([t.xy for t in ax.texts], pca_project(vectors, 2))
    # A label moved far from its point has a leader line to it; one that stayed close has none.
    for text in ax.texts:
        moved = np.hypot(*(np.asarray(text.xyann) - (4.0, 3.0))) > 8
        assert (text.arrow_patch is not None) == moved
    plt.close("all")


def test_plot_words_2d_label_placement_is_deterministic():
    words, vectors, groups = crowded_words()
    first = [t.xyann for t in plot_words_2d(words, vectors, groups).texts]
    second = [t.xyann for t in plot_words_2d(words, vectors, groups).texts]
    assert first == second
    assert any(offset != (4.0, 3.0) for offset in first)
    plt.close("all")


def test_spread_labels_pushes_two_labels_on_one_point_apart():
    _, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    texts = [ax.annotate(word, (0.5, 0.5), textcoords="offset points", xytext=(4, 3)) for word in ("alpha", "beta")]
    offsets = spread_labels(texts)
    assert offsets.shape == (2, 2) and overlapping_pairs(ax) == []
    assert offsets[0, 0] == offsets[1, 0] == 4  # apart vertically: that is the smaller overlap
    assert spread_labels([]).shape == (0, 2)
    plt.close("all")
