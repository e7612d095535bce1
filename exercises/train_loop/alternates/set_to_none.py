"""Correct: zero_grad(set_to_none=True) is what zero_grad() does by default in torch 2; the step
follows backward and the loss recorded is the one computed before the step."""


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    loss_record = []
    for epoch in range(n_epochs):
        optimizer.zero_grad(set_to_none=True)
        predictions = model(features)
        loss = loss_fun(predictions, labels)
        loss.backward()
        optimizer.step()
        loss_record.append(loss.item())
    return loss_record
