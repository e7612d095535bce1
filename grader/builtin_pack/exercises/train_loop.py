"""Exercise train_loop: the four-step training loop (Neuromatch W1D2, Coding Exercise 3.1).

Fill in the body of `train`, then run `grader check train_loop`.
"""

import torch


def train(features, labels, model, loss_fun, optimizer, n_epochs):
  """
  Training function

  Args:
    features: torch.Tensor
      Features (input) with shape torch.Size([n_samples, 1])
    labels: torch.Tensor
      Labels (targets) with shape torch.Size([n_samples, 1])
    model: torch nn.Module
      The neural network
    loss_fun: function
      Loss function, called as loss_fun(predictions, labels) (e.g. nn.MSELoss())
    optimizer: function
      Optimizer (e.g. torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9))
    n_epochs: int
      Number of training iterations

  Returns:
    loss_record: list
      Record (evolution) of training losses: one Python float per epoch, the loss
      computed in that epoch before the parameters were updated (loss.item())

  Each epoch takes the four steps: set the gradients to 0, compute the predictions
  and the loss, compute the gradients (backward pass), update the parameters.
  Use only the arguments: the model, loss function and optimizer you are given.

  Example:
    >>> losses = train(inputs, targets, wide_net, loss_function, sgd_optimizer, epochs)
    >>> len(losses) == epochs, type(losses[0])
    (True, <class 'float'>)
  """
  loss_record = []  # Keeping recods of loss

  for i in range(n_epochs):
    #################################################
    ## Implement the missing parts of the training loop
    # Complete the function and remove or comment the line below
    raise NotImplementedError("Training loop `train`")
    #################################################
    ...  # Set gradients to 0
    predictions = ...  # Compute model prediction (output)
    loss = ...  # Compute the loss
    ...  # Compute gradients (backward pass)
    ...  # Update parameters (optimizer takes a step)

    loss_record.append(loss.item())
  return loss_record
