"""Secure logistic regression for vertically split data, and vertical prediction.

A bank holds the labels and some columns, a data platform (and perhaps a third partner) the
other columns of the same customers, rows aligned by PSI. :class:`SecureLogisticRegression`
trains on secret shares (semi2k with a trusted dealer for two data parties, aby3 for three) and
gives each owner its own coefficients (or keeps the weights secret); its prediction reveals the
scores to the result receiver only. :class:`PlainLogisticRegression` is its plaintext twin.

Who learns what (:data:`DISCLOSURE`, plus the engine's): every party, the dealer included,
learns the shapes (rows, each party's number of columns), the settings, the public row plan and,
with early stopping, the validation log loss after each epoch; each feature owner learns its
own coefficients (``reveal="owners"``; the label holder also the intercept), or nobody learns
any weight (``reveal="none"``); a prediction's result receiver learns each row's score and
probability, hence the sum of the other parties' partial scores (with two data parties, the
other party's partial score itself); the dealer learns the masks it deals and nothing else.

Modules: ``params`` (settings, the mapping to scikit-learn's ``C``), ``plan`` (validation split
and batches), ``inputs`` (checks and the hello), ``features``/``masked``/``shared``/``backend``
(products of the secret feature matrix), ``truncation`` (truncations dealt an epoch ahead),
``sgd`` (the training loop), ``loss`` (validation log loss), ``predict``, ``estimator``,
``plain``, ``jobs`` (functions for ``confide.launch``).
"""

from confide.ml.linear.estimator import DISCLOSURE, SecureLogisticRegression
from confide.ml.linear.params import SIGMOID_METHODS, C_to_l2, LinearParams, l2_to_C
from confide.ml.linear.plain import PlainLogisticRegression

__all__ = [
    "DISCLOSURE",
    "SIGMOID_METHODS",
    "C_to_l2",
    "LinearParams",
    "PlainLogisticRegression",
    "SecureLogisticRegression",
    "l2_to_C",
]
