"""Assignments: named sets of exercises an instructor grades together (`grader grade --assignment`)."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ConfigDict

from grader.errors import BadOption


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    exercises: tuple[str, ...]


ASSIGNMENTS = (
    Assignment(name="core", title="The six core exercises",
               exercises=("sq_loss", "simple_graph", "my_linear", "broadcast_distances", "train_loop",
                          "cnn_classifier")),
    Assignment(name="nma_w1d2", title="Neuromatch W1D2 Tutorial 1: autograd and training",
               exercises=("sq_loss", "simple_graph", "train_loop")),
    Assignment(name="kousaku", title="ディープラーニング工作室: MyLinear and a CNN",
               exercises=("my_linear", "cnn_classifier")),
    Assignment(name="fastbook_ch4", title="fastbook ch. 4: MNIST basics (distance, loss, accuracy)",
               exercises=("mnist_distance", "mnist_loss", "batch_accuracy")),
)


def get(name: str) -> Assignment:
    """The assignment called `name`; BadOption (with close matches) otherwise."""
    for assignment in ASSIGNMENTS:
        if assignment.name == name:
            return assignment
    names = [a.name for a in ASSIGNMENTS]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(names)}."
    raise BadOption(f"--assignment {name}: no such assignment.{hint} Or pass --exercises a,b,c.")
