"""rnncourse.plots.pca_project and plot_words_2d: the 2-D word-vector picture of lesson 03."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnncourse.plots import pca_project, plot_words_2d  # noqa: E402


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
