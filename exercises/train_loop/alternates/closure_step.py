"""Correct: optimizer.step(closure) calls the closure once (SGD) and steps with the gradients it
leaves; the closure zeroes the gradients, predicts, computes and backpropagates the loss, so each
epoch does the same four steps in the same order; the recorded loss is the closure's."""


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    loss_record = []

    def closure():
        optimizer.zero_grad()
        loss = loss_fun(model(features), labels)
        loss.backward()
        return loss

    for _ in range(n_epochs):
        loss = optimizer.step(closure)
        loss_record.append(loss.item())
    return loss_record
