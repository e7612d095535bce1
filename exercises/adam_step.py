"""Exercise adam_step: one step of the Adam optimizer, as torch.optim.Adam takes it (Keydana ch. 8).

Fill in the body of `adam_step`, then run `grader check adam_step`.
"""

import torch


def adam_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam update of `param`, in torch.optim.Adam's convention (weight_decay 0, amsgrad False).

    With beta1, beta2 = betas:
      exp_avg    <- beta1 * exp_avg    + (1 - beta1) * grad        (first moment)
      exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * grad**2     (second moment)
      m_hat = exp_avg / (1 - beta1**step),  v_hat = exp_avg_sq / (1 - beta2**step)   (bias correction)
      param  <- param - lr * m_hat / (sqrt(v_hat) + eps)           (eps outside the square root)

    The convention this exercise fixes: `step` counts from 1 (the first update has step=1, as
    torch.optim.Adam's state["step"] after it); the moments start at zero; `exp_avg` and `exp_avg_sq` are
    the moments themselves, not their bias-corrected values (they are what Adam keeps from one step to the
    next, torch's state["exp_avg"] and state["exp_avg_sq"]). This is not the book's form (8.7)-(8.9), which
    has no bias correction.

    Args:
      param: torch.Tensor, the parameters before the step (any shape).
      grad: torch.Tensor shaped like `param`, the gradient of the loss at `param`.
      exp_avg, exp_avg_sq: torch.Tensor shaped like `param`, the moments after the previous step
        (zeros before the first).
      step: int >= 1, the number of this step.
      lr, betas, eps: the hyper-parameters, with torch.optim.Adam's defaults.

    Returns:
      The tuple (new_param, new_exp_avg, new_exp_avg_sq) of new tensors, shaped and typed like `param`.
      Leave the arguments unchanged: the caller decides what to keep.

    Example (f(x, y) = 0.2x² + 2y² - 5 at (5.1, 2.3); the first step is about lr * sign(grad)):
      >>> p = torch.tensor([5.1, 2.3], dtype=torch.float64)
      >>> g = torch.tensor([0.4 * 5.1, 4 * 2.3], dtype=torch.float64)
      >>> p, m, v = adam_step(p, g, torch.zeros_like(p), torch.zeros_like(p), step=1, lr=0.1)
      >>> p
      tensor([5.0000, 2.2000], dtype=torch.float64)
    """
    raise NotImplementedError("Optimizer step `adam_step`")
