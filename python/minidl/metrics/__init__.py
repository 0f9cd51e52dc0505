"""minidl.metrics: numbers that say how good a model is (note 004, section 2.7 评估指标).

Unlike the losses these are not differentiated: each reads its inputs through zero-copy NumPy
views and returns a Python float (arrays, such as a confusion matrix or a ROC curve, come back
as minidl tensors). Every function takes ``(input, target)``, PyTorch's loss order
(scikit-learn writes ``(y_true, y_pred)``), and accepts minidl tensors, NumPy arrays or lists.

Classification inputs: (N, C) float scores/logits/probabilities (prediction = argmax), (N,)
float probabilities of class 1 with 0/1 targets (prediction = ``p > 0.5``; for logits pass
``threshold=0.0``), or (N,) integer labels. See ``minidl.metrics.classification``.

- classification: ``accuracy``, ``top_k_accuracy``, ``confusion_matrix``, ``precision``,
  ``recall``, ``f1_score`` (average 'binary' | 'micro' | 'macro' | 'weighted' | None)
- ranking: ``roc_curve``, ``roc_auc_score``
- regression: ``mean_squared_error``, ``root_mean_squared_error``, ``mean_absolute_error``,
  ``r2_score``
- language models: ``perplexity``
- by name, for the training loop: ``get('accuracy')``, ``available()``
"""
from .classification import accuracy, top_k_accuracy, confusion_matrix  # noqa: F401
from .precision_recall import precision, recall, f1_score, UndefinedMetricWarning  # noqa: F401
from .ranking import roc_curve, roc_auc_score  # noqa: F401
from .regression import (  # noqa: F401
    mean_squared_error, root_mean_squared_error, mean_absolute_error, r2_score,
)
from .perplexity import perplexity  # noqa: F401
from .registry import get, available  # noqa: F401

# scikit-learn's names for the same functions
precision_score = precision
recall_score = recall

__all__ = [
    "accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score",
    "precision_score", "recall_score", "UndefinedMetricWarning", "roc_curve", "roc_auc_score",
    "mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score", "perplexity",
    "get", "available",
]
