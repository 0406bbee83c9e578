"""The popular mistakes the checks recognise, and the lesson section that treats each.

A check names a misconception when the answer the student's code gave equals what that
mistake gives (verdicts.expect_tensor_close's `diagnoses`, or fail(..., misconception=)):
it is recognised from the grader's own data about the submission (the inputs it chose,
the outputs that came back), never from the code's text. The feedback then points to
the lesson; the class report (course.py report) counts the students per misconception.

Each entry is tried in tests/wrong_implementations/ (a file declaring MISCONCEPTION =
its key), and tests/test_misconceptions.py checks that every lesson section named here
is a heading of that notebook.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    key: str
    exercise: str  # the exercise whose checks recognise it (exercises.py key)
    title: str  # the mistake, in a few words, for the student and the report
    lesson: str  # the notebook that treats it
    section: str  # the heading of that notebook's section, as written there

    def pointer(self) -> str:
        """Where to read about it, as the student's feedback says it."""
        return f"{self.lesson}, section “{self.section.lstrip('#').strip()}”"


_ALL = (
    Misconception("weight_transposed", "manual_linear", "the weight used the wrong way round (x @ weight)",
                  "07_pitfalls.ipynb", "## 2. The weight is (out_features, in_features)"),
    Misconception("bias_missing", "manual_linear", "the bias left out",
                  "01_what_a_linear_layer_computes.ipynb", "## 1. One sample: y = W x + b"),
    Misconception("bias_added_twice", "manual_linear", "the bias added twice",
                  "01_what_a_linear_layer_computes.ipynb", "## 1. One sample: y = W x + b"),
    Misconception("bias_starts_at_zero", "manual_linear", "the bias starts at zero",
                  "07_pitfalls.ipynb", "## 3. The bias does not start at zero"),
    Misconception("default_is_kaiming_relu", "manual_linear", "Kaiming's ReLU bound taken for nn.Linear's default",
                  "05_initialization.ipynb", "## 2. What PyTorch actually does"),
    Misconception("count_without_bias", "param_count", "the biases not counted",
                  "04_parameters_and_memory.ipynb", "## 1. One layer: m(n + 1) parameters"),
    Misconception("count_off_by_one", "param_count", "an off-by-one in m(n + 1)",
                  "04_parameters_and_memory.ipynb", "## 1. One layer: m(n + 1) parameters"),
    Misconception("buffers_counted", "param_count", "buffers counted as parameters (state_dict)",
                  "04_parameters_and_memory.ipynb", "## 2. A whole network"),
    Misconception("init_bias_at_zero", "init", "the default's bias set to zero",
                  "07_pitfalls.ipynb", "## 3. The bias does not start at zero"),
    Misconception("init_default_is_kaiming_relu", "init", "Kaiming's ReLU bound taken for PyTorch's default",
                  "05_initialization.ipynb", "## 2. What PyTorch actually does"),
    Misconception("fan_out_for_fan_in", "init", "fan_out used where fan_in belongs",
                  "05_initialization.ipynb", "## 1. The goal: keep the variance steady"),
    Misconception("tiles_not_reshaped", "weight_viz", "a weight row not reshaped to the image",
                  "03_bias.ipynb", "### Uses your Exercise 4"),
    Misconception("sequential_colour_map", "weight_viz", "a sequential colour map for signed weights",
                  "03_bias.ipynb", "### Uses your Exercise 4"),
    Misconception("asymmetric_colour_scale", "weight_viz", "a colour scale not centred on zero",
                  "03_bias.ipynb", "### Uses your Exercise 4"),
    Misconception("low_rank_second_bias_missing", "low_rank", "the second map of the low-rank layer without its bias",
                  "06_where_linear_layers_are_used.ipynb", "## 5. Low-rank factorization"),
    Misconception("svd_keeps_smallest", "low_rank", "the smallest singular values kept",
                  "06_where_linear_layers_are_used.ipynb", "### How the error falls with the rank"),
    Misconception("grad_weight_transposed", "backward", "the weight gradient transposed (x.T @ grad_out)",
                  "01_what_a_linear_layer_computes.ipynb", "## 10. The backward pass"),
    Misconception("grad_x_weight_transposed", "backward", "grad_x with the weight transposed",
                  "01_what_a_linear_layer_computes.ipynb", "## 10. The backward pass"),
    Misconception("grad_bias_first_dim_only", "backward", "the bias gradient summed over the first dimension only",
                  "01_what_a_linear_layer_computes.ipynb", "## 10. The backward pass"),
    Misconception("not_saved_for_backward", "backward", "inputs kept without ctx.save_for_backward",
                  "01_what_a_linear_layer_computes.ipynb", "## 10. The backward pass"),
    Misconception("lora_both_random", "lora", "both LoRA factors random (B must start at zero)",
                  "06_where_linear_layers_are_used.ipynb", "## 6. LoRA: training a low-rank update"),
    Misconception("lora_scaling_forgotten", "lora", "the LoRA update without its scaling alpha / rank",
                  "06_where_linear_layers_are_used.ipynb", "## 6. LoRA: training a low-rank update"),
    Misconception("lora_scaling_inverted", "lora", "the LoRA scaling inverted (rank / alpha)",
                  "06_where_linear_layers_are_used.ipynb", "## 6. LoRA: training a low-rank update"),
    Misconception("lora_base_trainable", "lora", "the base layer left trainable under LoRA",
                  "06_where_linear_layers_are_used.ipynb", "## 6. LoRA: training a low-rank update"),
    Misconception("lora_merge_transposed", "lora", "the LoRA update merged transposed ((B @ A).T)",
                  "06_where_linear_layers_are_used.ipynb", "## 6. LoRA: training a low-rank update"),
)
CATALOGUE: dict[str, Misconception] = {m.key: m for m in _ALL}


def read_more(key: str) -> str:
    """The feedback's line for a recognised misconception ("" for an unknown key)."""
    found = CATALOGUE.get(key)
    return f"A common mistake: {found.title}. Read {found.pointer()}." if found else ""
