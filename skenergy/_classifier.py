"""What every classifier that computes log class posteriors derives from them."""

import numpy as np


class LogProbaClassifierMixin:
    """``predict_proba`` and ``predict`` from a class's ``predict_log_proba``.

    The classifiers compute their posteriors in the log domain (free energies,
    log-marginals, a softmax's logits), where they are exact and finite; the
    probabilities and the most probable class follow from them once, here.
    """

    def predict_proba(self, X):
        """Class probabilities, ``exp`` of :meth:`predict_log_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, as ``fit`` takes them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, as ``fit`` takes them.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        best = np.argmax(self.predict_log_proba(X), axis=1)  # checks fitting first
        return self.classes_[best]
