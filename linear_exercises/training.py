"""A small training loop for the course's experiments (provided, not graded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .timing import torch_threads


# Below this many multiply-adds per training step (forward and backward of every linear
# layer), training uses one CPU thread. Measured with benchmarks/bench_threads.py on a
# 2-core machine (median ms per step, 1 thread / 2 threads): 784-256-128-10 at batch 64
# (45 M) took 2.2 / 1.7 alone but 1.6 / 6.4 with a second process training beside it;
# at batch 256 (180 M) 5.8 / 4.0 alone and 8.3 / 9.2 side by side. Small steps gain
# little from a second thread and lose a lot when two kernels fight for the cores.
ONE_THREAD_BELOW = 100_000_000


def training_threads(model: nn.Module, batch_size: int) -> int:
    """CPU threads for training: 1 for small models (see ONE_THREAD_BELOW), else every core torch has."""
    weights = sum(p.numel() for p in model.parameters() if p.dim() >= 2)
    step_macs = 3 * weights * batch_size  # forward, grad of the input, grad of the weight
    return 1 if step_macs < ONE_THREAD_BELOW else torch.get_num_threads()


@dataclass
class History:
    """What happened during training, for plotting.

    step_loss: the loss of every mini-batch, in order.
    epoch_loss: the mean training loss of each epoch.
    test_accuracy: accuracy on (x_test, y_test) after each epoch (empty without them).
    """

    step_loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


def make_mlp(sizes: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers of the given widths with `activation` between them (none after the last).

    make_mlp([64, 32, 10]) = Linear(64, 32), ReLU, Linear(32, 10).
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(activation())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of x (N, n_features) whose arg-max logit equals y (N,)."""
    was_training = model.training
    model.eval()
    correct = (model(x).argmax(dim=-1) == y).float().mean().item()
    model.train(was_training)
    return correct


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    lr: float = 0.1,
    optimizer: str = "sgd",
    momentum: float = 0.0,
    loss_fn: nn.Module | None = None,
    seed: int = 0,
    x_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    progress: bool = True,
    desc: str = "training",
    threads: int | None = None,
) -> History:
    """Train a classifier with mini-batches; return its History.

    x: (N, n_features) float, y: (N,) class indices; the model maps x to logits
    (N, n_classes) and loss_fn defaults to nn.CrossEntropyLoss (which takes logits:
    no softmax in the model). optimizer: "sgd" or "adam". The mini-batch order is drawn
    from `seed`, so the same model state and seed give the same history. A tqdm bar
    shows progress (progress=False hides it) and the number of CPU threads used:
    `threads`, or what training_threads() picks for this model and batch size.
    """
    from tqdm.auto import tqdm

    loss_fn = loss_fn or nn.CrossEntropyLoss()
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    elif optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = -(-len(x) // batch_size)
    history = History()
    model.train()
    threads = threads or training_threads(model, batch_size)
    label = f"{desc} ({threads} thread{'s' if threads > 1 else ''})"
    with torch_threads(threads), tqdm(total=epochs * steps_per_epoch, desc=label, disable=not progress,
                                      leave=False) as bar:
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=generator)
            total = 0.0
            for start in range(0, len(x), batch_size):
                batch = order[start:start + batch_size]
                loss = loss_fn(model(x[batch]), y[batch])
                opt.zero_grad()
                loss.backward()
                opt.step()
                history.step_loss.append(loss.item())
                total += loss.item() * len(batch)
                bar.update(1)
            history.epoch_loss.append(total / len(x))
            if x_test is not None and y_test is not None:
                history.test_accuracy.append(accuracy(model, x_test, y_test))
            bar.set_postfix(loss=f"{history.epoch_loss[-1]:.3f}")
    return history
