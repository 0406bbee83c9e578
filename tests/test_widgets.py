"""The widgets' numbers (issue 11's review): an exact rotation keeps area, no "-0", the 65% line, wide sliders."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from linear_exercises import widgets


def test_the_rotation_preset_is_exact_and_keeps_area():
    W, b = widgets._PRESETS["rotation by 30 degrees"]
    W = np.array(W)
    assert W == pytest.approx(np.array([[math.cos(math.pi / 6), -math.sin(math.pi / 6)],
                                        [math.sin(math.pi / 6), math.cos(math.pi / 6)]]), abs=1e-15)
    info = widgets.describe_map(W)
    assert info.det == pytest.approx(1.0, abs=1e-12) and info.keeps_area and not info.reflects
    readout = widgets._readout_html(W, np.array(b, dtype=float))
    assert "det(W) = 1.000" in readout and "areas are kept" in readout


@pytest.mark.parametrize("W", [[[0.0, 0.0], [0.0, -1.0]], [[-1e-9, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, -0.0]]])
def test_no_signed_zero_in_the_readout(W):
    readout = widgets._readout_html(np.array(W), np.zeros(2))
    assert not re.search(r"-0\.0+(?!\d*[1-9])", readout), readout


def test_best_line_through_the_origin_is_the_docstring_s_65_percent():
    X, y = widgets.bias_dataset()
    best = widgets.best_accuracy_through_origin(X, y)
    assert round(100 * best) == 65
    assert "65%" in widgets.bias_dataset.__doc__ + (widgets.__doc__ or "") + (widgets.bias_boundary_demo.__doc__ or "")
    assert widgets.boundary_accuracy([1.0, 1.0], -4.0, X, y) > best  # a bias does better


def test_explorer_sliders_are_wide_and_fine():
    tool = widgets.transformation_explorer()
    w11 = tool.sliders["w11"]
    assert w11.step <= 0.01
    assert int(w11.layout.width.rstrip("px")) >= 400
