"""minidl.train: a training loop with history, callbacks and a progress bar.

    history = minidl.train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()),
                               train_loader, val_loader, epochs=20, metrics=['accuracy'],
                               callbacks=[EarlyStopping(patience=3)])
    history.plot(); history.to_csv('run.csv')

PyTorch has no ``fit``: this is the loop its tutorials write by hand, with Keras' ``History``,
callbacks and names around it. ``evaluate`` and ``predict`` run a model without training it.
"""
from .callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint
from .evaluate import evaluate, predict
from .fit import Trainer, fit
from .history import Best, History

__all__ = ["fit", "evaluate", "predict", "History", "Best", "Trainer", "Callback", "EarlyStopping",
           "LambdaCallback", "ModelCheckpoint"]
