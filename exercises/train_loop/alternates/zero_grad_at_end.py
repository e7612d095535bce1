"""Correct: clearing the gradients at the end of each epoch, after step(), leaves them clear for
the next epoch's backward(), exactly as zeroing them at the start does (train is handed
an optimizer with no gradients pending, as in the notebook); the loss is recorded after the step,
but loss.item() is the value computed before it (the tensor does not change)."""


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    loss_record = []
    for _ in range(n_epochs):
        loss = loss_fun(model(features), labels)
        loss.backward()
        optimizer.step()
        loss_record.append(loss.item())
        optimizer.zero_grad()
    return loss_record
