"""Counts by walking the submodules by hand: a layer used twice in the network is counted twice."""
TARGET, MUST_MENTION = "param_count.py", "counted the shared layer twice"


def count_parameters(model, trainable_only=True):
    own = sum(p.numel() for p in model._parameters.values()
              if p is not None and (p.requires_grad or not trainable_only))
    return own + sum(count_parameters(child, trainable_only) for child in model._modules.values() if child is not None)
