"""Exercise mnist_distance: the distance between images (fastbook ch. 4, "Computing Metrics Using
Broadcasting").

Fill in the body of `mnist_distance`, then run `grader check mnist_distance`.
"""

import torch


def mnist_distance(a, b):
    """Mean absolute difference (L1 distance) between images, over the last two dimensions.

    Broadcasting does the rest: when one argument is a single image and the other a stack of
    images, PyTorch treats the single image as if it were copied once per image of the stack,
    without allocating that memory, and you get one distance per image.

    Args:
      a: torch.Tensor of images, shape (28, 28), (N, 28, 28) or (B, N, 28, 28).
      b: torch.Tensor of images, e.g. the "ideal" 3 of shape (28, 28).

    Returns:
      torch.Tensor with the leading dimensions of `a` and `b` broadcast together, the last two
      (the pixels) averaged away:

        (28, 28)       and (28, 28)  ->  shape ()      one distance
        (N, 28, 28)    and (28, 28)  ->  shape (N,)    one distance per image
        (B, N, 28, 28) and (28, 28)  ->  shape (B, N)

      The order of the arguments does not matter: `mnist_distance(mean3, valid_3_tens)` is
      `mnist_distance(valid_3_tens, mean3)`.

    Example:
      >>> mnist_distance(a_3, mean3)
      tensor(0.1114)
      >>> valid_3_dist = mnist_distance(valid_3_tens, mean3)
      >>> valid_3_dist, valid_3_dist.shape
      (tensor([0.1050, 0.1526, 0.1186,  ..., 0.1122, 0.1170, 0.1086]), torch.Size([1010]))
    """
    raise NotImplementedError("Distance function `mnist_distance`")
