"""Exercise conv2d_single: a 2-D convolution by hand (ディープラーニング工作室 ch. 8).

Fill in the body of `conv2d_single`, then run `grader check conv2d_single`.
"""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    """Slide `kernel` over `image` and, at each position, sum the products of the elements that overlap.

    This is what `torch.nn.Conv2d` computes (a cross-correlation: the kernel is NOT flipped), for one
    image with one channel and one kernel. Write it by hand: `F.conv2d`, `nn.Conv2d`, `unfold` and the
    like are not allowed. Use only `image` and `kernel`'s own values, so that gradients flow back to both.

    Args:
      image: torch.Tensor of shape [H, W].
      kernel: torch.Tensor of shape [kh, kw].
      padding: int, the number of rows and columns of zeros added on every side of the image.
      stride: int, how far the kernel moves at each step, down and to the right.

    Returns:
      torch.Tensor of shape [(H + 2*padding - kh) // stride + 1, (W + 2*padding - kw) // stride + 1],
      with the dtype of `image`. Element [i, j] is the sum over a, b of
      padded_image[i*stride + a, j*stride + b] * kernel[a, b].

    Example (the book's "x" image and crossing kernel):
      >>> x = torch.tensor([[1., -1, -1, -1, 1], [-1, 1, -1, 1, -1], [-1, -1, 1, -1, -1],
      ...                   [-1, 1, -1, 1, -1], [1, -1, -1, -1, 1]])
      >>> k = torch.tensor([[1., -1, 1], [-1, 1, -1], [1, -1, 1]])
      >>> conv2d_single(x, k)
      tensor([[ 5., -7.,  5.],
              [-7.,  9., -7.],
              [ 5., -7.,  5.]])
      >>> conv2d_single(x, k, padding=1).shape
      torch.Size([5, 5])
    """
    raise NotImplementedError("Convolution `conv2d_single`")
