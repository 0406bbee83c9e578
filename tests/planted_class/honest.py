# Exercise 1, written from the lesson: y = x W^T + b, one output unit per row of W.


def manual_linear(x, weight, bias=None):
    if len(weight.shape) != 2 or len(x.shape) == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError("cannot apply a weight of shape " + str(tuple(weight.shape))
                         + " to an input of shape " + str(tuple(x.shape)))
    if bias is not None and list(bias.shape) != [weight.shape[0]]:
        raise ValueError("the bias of shape " + str(tuple(bias.shape)) + " does not fit the weight "
                         + str(tuple(weight.shape)))
    y = torch.einsum("...i,oi->...o", x, weight)  # noqa: F821
    return y if bias is None else y + bias


class ManualLinear(nn.Module):  # noqa: F821
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))  # noqa: F821
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None  # noqa: F821
        k = 1.0 / math.sqrt(max(in_features, 1))  # noqa: F821
        with torch.no_grad():  # noqa: F821
            self.weight.uniform_(-k, k)
            if self.bias is not None:
                self.bias.uniform_(-k, k)

    def forward(self, x):
        return manual_linear(x, self.weight, self.bias)
