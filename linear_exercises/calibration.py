"""How far to trust a classifier's confidence (provided, not graded).

The confidence of a prediction is its largest softmax probability. A classifier is
calibrated when, among the predictions it makes with confidence about p, a fraction p is
right. reliability_bins() groups predictions by confidence and expected_calibration_error()
sums up the gaps, as in Guo et al. 2017, "On Calibration of Modern Neural Networks".
"""

from __future__ import annotations

from typing import NamedTuple

import torch


class ReliabilityBins(NamedTuple):
    """Predictions grouped into equal-width confidence bins; each field has shape (n_bins,).

    count: how many predictions fall in each bin;
    confidence: their mean confidence (0 for an empty bin);
    accuracy: the fraction of them that are right (0 for an empty bin).
    """

    count: torch.Tensor
    confidence: torch.Tensor
    accuracy: torch.Tensor


def reliability_bins(logits: torch.Tensor, labels: torch.Tensor, n_bins: int = 15) -> ReliabilityBins:
    """Group a classifier's predictions into n_bins equal-width confidence bins.

    logits: (N, C) raw scores; labels: (N,) class indices. The confidence of a row is its
    largest softmax probability; bin m (counting from 1) holds the rows whose confidence is
    in ((m - 1) / n_bins, m / n_bins].
    """
    probs = logits.detach().float().softmax(dim=-1)
    confidence, predicted = probs.max(dim=-1)
    correct = (predicted == labels).float()
    which = (confidence * n_bins).ceil().long().clamp(1, n_bins) - 1  # 0 .. n_bins - 1
    count = torch.bincount(which, minlength=n_bins)
    per_bin = count.clamp(min=1)  # empty bins: 0 / 1 = 0
    return ReliabilityBins(
        count=count,
        confidence=torch.bincount(which, weights=confidence, minlength=n_bins) / per_bin,
        accuracy=torch.bincount(which, weights=correct, minlength=n_bins) / per_bin,
    )


def expected_calibration_error(logits: torch.Tensor, labels: torch.Tensor, n_bins: int = 15) -> float:
    """The expected calibration error (ECE) of logits (N, C) against labels (N,).

    ECE = sum over the bins of reliability_bins() of
    (share of the N predictions in the bin) * |accuracy of the bin - mean confidence of the bin|.
    0 means calibrated; a model that is always sure (confidence 1) and right 75% of the
    time has an ECE of 0.25. Guo et al. 2017 use 15 bins, the default here.
    """
    bins = reliability_bins(logits, labels, n_bins)
    share = bins.count / bins.count.sum()
    return (share * (bins.accuracy - bins.confidence).abs()).sum().item()
