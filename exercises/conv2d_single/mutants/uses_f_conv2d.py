"""Mistake: calls F.conv2d instead of computing the convolution by hand.
間違い: 畳み込みを手で計算せず、F.conv2d を呼んでいます。
Caught by: by_hand."""

import torch
import torch.nn.functional as F


def conv2d_single(image, kernel, padding=0, stride=1):
    """Cross-correlation of one image with one kernel, zero padding, stride: like F.conv2d, by hand."""
    return F.conv2d(image[None, None], kernel[None, None], padding=padding, stride=stride)[0, 0]
