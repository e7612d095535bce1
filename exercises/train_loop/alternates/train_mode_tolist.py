"""Correct: model.train() changes nothing for a model without dropout or batch norm (and is what a
careful loop does); zero_grad(set_to_none=False) writes zeros instead of None, and backward()
then adds this epoch's gradient to zeros, which is the same gradient; loss.tolist() of a 0-d
tensor is a Python float."""


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    model.train()
    loss_record = []
    for i in range(n_epochs):
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fun(model(features), labels)
        loss.backward()
        optimizer.step()
        loss_record.append(loss.tolist())
    return loss_record
