"""What the checks read off a student's Keras model: its layers in order, by kind, as one line.

One home for what lessons 02, 03 and 04 (and later 05) need of a model's structure, so that
every check describes a model the same way.
"""

from __future__ import annotations

from typing import Any


def model_layers(model: Any, *, flatten: bool = False) -> list[Any]:
    """The model's layers in order, without the InputLayer (functional models list it, Sequential
    ones do not); ``flatten`` also opens nested models."""
    import keras

    out: list[Any] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if flatten and isinstance(layer, keras.Model):
            out.extend(model_layers(layer, flatten=True))
        else:
            out.append(layer)
    return out


def layers_of(model: Any, *kinds: type) -> list[Any]:
    """The model's layers of the given classes, in order."""
    return [layer for layer in model_layers(model) if isinstance(layer, kinds)]


def layer_kind(layer: Any) -> str:
    """A layer's class name, e.g. ``LSTM``."""
    return type(layer).__name__


def describe(model: Any) -> str:
    """The model as one line: ``Embedding -> LSTM -> Dense``."""
    return " -> ".join(layer_kind(layer) for layer in model_layers(model))
