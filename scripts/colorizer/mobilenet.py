"""MobileNetV2 1.0 (Sandler et al. 2018) in PyTorch, shaped like the TFLite classifier in the
data pack, and loading of its weights from the TFLite flatbuffer.

The TFLite model has batch norm folded into the convolutions, so every conv here has a bias
and no BN. Stride-2 convolutions use TensorFlow's SAME padding (for even input sizes: 0 before,
1 after), so the dequantized network computes what the TFLite graph computes (up to the
activation quantization). Input: RGB in [-1, 1] (the TFLite input is uint8 with scale 1/128,
zero point 128).
"""
import numpy as np
import torch
import torch.nn as nn

from .tflite import TFLiteModel

# (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]


class ConvAct(nn.Sequential):
    """k x k conv (+bias) with TF SAME padding, optionally followed by ReLU6."""

    def __init__(self, cin, cout, k=1, stride=1, groups=1, act=True):
        layers = []
        if k > 1 and stride == 2:
            layers.append(nn.ZeroPad2d((k // 2 - 1, k // 2, k // 2 - 1, k // 2)))
            pad = 0
        else:
            pad = k // 2
        layers.append(nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=True))
        if act:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)

    @property
    def conv(self):
        return [m for m in self if isinstance(m, nn.Conv2d)][0]


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = []
        if t != 1:
            layers.append(ConvAct(cin, hidden, 1))
        layers.append(ConvAct(hidden, hidden, 3, stride, groups=hidden))
        layers.append(ConvAct(hidden, cout, 1, act=False))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    """features[0] = stem (stride 2), features[1..17] = inverted residual blocks,
    features[18] = 1x1 conv to 1280; classifier = 1x1 conv to 1001 (index 0 = background)."""

    def __init__(self, in_channels=3, num_classes=1001):
        super().__init__()
        feats = [ConvAct(in_channels, 32, 3, 2)]
        cin = 32
        for t, c, n, s in BLOCKS:
            for i in range(n):
                feats.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        feats.append(ConvAct(cin, 1280, 1))
        self.features = nn.Sequential(*feats)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Conv2d(1280, num_classes, 1, bias=True)

    def forward(self, x):
        return self.classifier(self.pool(self.features(x))).flatten(1)


def conv_layers(model):
    """All nn.Conv2d of the model in graph order (the order TFLite lists its conv ops)."""
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


def load_tflite_weights(model, tflite_path_or_model):
    """Copies the dequantized TFLite conv weights and biases into `model` in operator order.
    Returns the number of conv layers loaded. Raises ValueError on any shape mismatch."""
    tm = tflite_path_or_model
    if not isinstance(tm, TFLiteModel):
        tm = TFLiteModel(tm)
    convs = [op for op in tm.operators if op[0] in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    targets = conv_layers(model)
    if len(convs) != len(targets):
        raise ValueError("conv count: tflite %d, model %d" % (len(convs), len(targets)))
    for (kind, ins, _), conv in zip(convs, targets):
        w = tm.tensors[ins[1]].dequantize()
        b = tm.tensors[ins[2]].dequantize()
        if kind == "CONV_2D":      # [O, kh, kw, I] -> [O, I, kh, kw]
            w = w.transpose(0, 3, 1, 2)
        else:                      # [1, kh, kw, C] -> [C, 1, kh, kw]
            w = w.transpose(3, 0, 1, 2)
        if tuple(w.shape) != tuple(conv.weight.shape) or b.shape[0] != conv.bias.shape[0]:
            raise ValueError("shape mismatch %s vs %s" % (w.shape, tuple(conv.weight.shape)))
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            conv.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
    return len(convs)
