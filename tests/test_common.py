"""scikit-learn's estimator checks on every public estimator.

``parametrize_with_checks`` runs the generic API checks; scikit-learn's own test
suite runs a few more separately (parameter validation, ``set_output``, feature
names), and so do we.
"""

import pytest
from sklearn.utils.estimator_checks import (
    _check_name,
    check_dataframe_column_names_consistency,
    check_get_feature_names_out_error,
    check_global_output_transform_pandas,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    estimator_checks_generator,
    parametrize_with_checks,
)

from skenergy import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    BoltzmannClassifier,
    BoltzmannMachine,
    DeepBeliefClassifier,
    DeepBeliefNetwork,
    DeepBoltzmannMachine,
    DenseHopfieldMemory,
    HopfieldMemory,
    ModernHopfieldClassifier,
    ModernHopfieldMemory,
    RestrictedBM,
)

# Warnings the checks provoke by design, silenced here only: scikit-learn's
# set_output checks fit on a frame and transform an array (and back), which
# warns about feature names for its own transformers too (BernoulliRBM, PCA);
# and the checks fit ModernHopfieldMemory with class labels as values, which it
# rightly warns about when it retrieves them (tests/test_hopfield.py tests that).
pytestmark = [
    pytest.mark.filterwarnings("ignore:X has feature names, but:UserWarning"),
    pytest.mark.filterwarnings("ignore:X does not have valid feature names, but:UserWarning"),
    pytest.mark.filterwarnings("ignore:This memory was fitted with class labels:UserWarning"),
]

# Checks whose data are unbounded reals (normal or uniform on [0, 3], shifted
# to start at 0 when the positive_only tag is set): Bernoulli visible units take
# values in [0, 1], so RestrictedBM rightly refuses them with a ValueError.
_OUTSIDE_UNIT_INTERVAL = (
    "its data fall outside [0, 1], the domain of Bernoulli visible units, and are "
    "refused with a ValueError; the same checks pass with visible='gaussian'"
)
BERNOULLI_EXPECTED_FAILURES = {
    name: _OUTSIDE_UNIT_INTERVAL
    for name in [
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_pipeline_consistency",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_estimators_partial_fit_n_features",
        "check_transformer_n_iter",
    ]
}


# HopfieldMemory and BoltzmannMachine with binarize=None require binary data
# ({0, 1} or {-1, +1}), so they refuse the continuous data of these checks with a
# ValueError that points to the binarize option; the same checks pass with a
# threshold inside their data.
_NOT_BINARY = (
    "its data are continuous, not binary: with binarize=None the estimator refuses "
    "them with a ValueError naming the binarize option; the same checks pass with "
    "binarize=1.5"
)
HOPFIELD_EXPECTED_FAILURES = {
    name: _NOT_BINARY
    for name in [
        "check_fit_score_takes_y",
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
    ]
}

BOLTZMANN_EXPECTED_FAILURES = HOPFIELD_EXPECTED_FAILURES | {
    name: _NOT_BINARY
    for name in [
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
        "check_transformer_n_iter",
    ]
}

CLASSIFIER_EXPECTED_FAILURES = HOPFIELD_EXPECTED_FAILURES | {
    name: _NOT_BINARY
    for name in [
        "check_classifier_data_not_an_array",
        "check_classifiers_one_label",
        "check_classifiers_classes",
        "check_classifiers_train",
        "check_supervised_y_2d",
        "check_non_transformer_estimators_n_iter",
    ]
}

#: For each configuration with expected failures: the failures, and the words
#: of the one error that may cause them.
DOMAIN_ERRORS = {
    "RestrictedBM": (BERNOULLI_EXPECTED_FAILURES, "Bernoulli visible units take values in [0, 1]"),
    "DeepBoltzmannMachine": (
        BERNOULLI_EXPECTED_FAILURES,
        "Bernoulli visible units take values in [0, 1]",
    ),
    "HopfieldMemory": (HOPFIELD_EXPECTED_FAILURES, "needs binary data"),
    "DenseHopfieldMemory": (HOPFIELD_EXPECTED_FAILURES, "needs binary data"),
    "BoltzmannMachine": (BOLTZMANN_EXPECTED_FAILURES, "needs binary data"),
    "BoltzmannClassifier": (CLASSIFIER_EXPECTED_FAILURES, "needs binary data"),
}


def estimators():
    """Every public estimator, in the configurations the checks run on."""
    return [
        RestrictedBM(visible="gaussian", n_components=8, max_iter=5, random_state=0),
        RestrictedBM(n_components=8, max_iter=5, random_state=0),
        RestrictedBM(n_components=8, centered=True, max_iter=5, random_state=0),
        RestrictedBM(n_components=8, method="pt", n_temperatures=3, max_iter=5, random_state=0),
        RestrictedBM(n_components=8, hidden="gaussian", learning_rate=0.001, max_iter=5),
        # The generic checks draw most data from 3 x uniform: 1.5 splits them.
        HopfieldMemory(binarize=1.5, random_state=0),
        HopfieldMemory(random_state=0),
        HopfieldMemory(binarize=1.5, n_components=4, rule="descent", max_iter=5, random_state=0),
        HopfieldMemory(binarize=1.5, n_components=3, hidden_fill="random", random_state=0),
        DenseHopfieldMemory(binarize=1.5, random_state=0),
        DenseHopfieldMemory("exponential", update="sync", random_state=0),
        ModernHopfieldMemory(),
        ModernHopfieldClassifier(),
        BoltzmannMachine(n_components=2, max_iter=5, binarize=1.5, random_state=0),
        BoltzmannMachine(n_components=2, max_iter=5, random_state=0),
        # Thresholded blobs are too little for the accuracy floor: see its poor_score tag.
        BoltzmannClassifier(n_components=2, max_iter=5, binarize=1.5, random_state=0),
        BoltzmannClassifier(n_components=2, max_iter=5, random_state=0),
        # Data outside [0, 1] give the first layer Gaussian visible units, which
        # want a smaller learning rate: no check is expected to fail.
        DeepBeliefNetwork(
            (8, 4), rbm=RestrictedBM(max_iter=5, learning_rate=0.002), random_state=0
        ),
        DeepBeliefNetwork(
            (8, 4),
            rbm=RestrictedBM(max_iter=5, learning_rate=0.002),
            fine_tune_iter=3,
            random_state=0,
        ),  # fmt: skip
        DeepBeliefClassifier((8, 4), rbm=RestrictedBM(max_iter=5), random_state=0),
        DeepBoltzmannMachine(
            (8, 4),
            visible="gaussian",
            learning_rate=0.001,
            pretrain=RestrictedBM(max_iter=2, learning_rate=0.001),
            max_iter=5,
            random_state=0,
        ),  # fmt: skip
        DeepBoltzmannMachine((8, 4), pretrain=RestrictedBM(max_iter=2), max_iter=5, random_state=0),
        # The defaults, as users meet them (Adam), and momentum SGD.
        BackpropMLPClassifier(random_state=0),
        BackpropMLPRegressor(random_state=0),
        BackpropMLPClassifier(hidden_layer_sizes=(8,), solver="sgd", max_iter=20, random_state=0),
        BackpropMLPRegressor(solver="sgd", random_state=0),
    ]


def _restricted_domain(estimator):
    """Whether the estimator runs in the configuration that refuses the checks' data."""
    if isinstance(estimator, RestrictedBM | DeepBoltzmannMachine):
        return estimator.visible == "bernoulli"
    binary_only = (HopfieldMemory, DenseHopfieldMemory, BoltzmannMachine, BoltzmannClassifier)
    return isinstance(estimator, binary_only) and estimator.binarize is None


def expected_failed_checks(estimator):
    if _restricted_domain(estimator):
        return DOMAIN_ERRORS[type(estimator).__name__][0]
    return {}


@parametrize_with_checks(estimators(), expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


ALL = estimators()
IDS = [f"{type(e).__name__}-{i}" for i, e in enumerate(ALL)]


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


UNRESTRICTED = [e for e in ALL if not _restricted_domain(e)]
TRANSFORMERS = [e for e in UNRESTRICTED if hasattr(e, "transform")]


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "check",
    [
        check_set_output_transform,
        check_set_output_transform_pandas,
        check_global_output_transform_pandas,
        check_transformer_get_feature_names_out,
        check_transformer_get_feature_names_out_pandas,
        check_get_feature_names_out_error,
    ],
    ids=lambda c: c.__name__,
)
def test_transformer_checks_run_separately_by_sklearn(estimator, check):
    pytest.importorskip("pandas")
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", UNRESTRICTED, ids=lambda e: type(e).__name__)
def test_dataframe_column_names_consistency(estimator):
    pytest.importorskip("pandas")
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


def _domain_checks():
    return [
        pytest.param(est, check, id=f"{type(est).__name__}-{_check_name(check)}")
        for estimator in ALL
        if _restricted_domain(estimator)
        for est, check in estimator_checks_generator(estimator, mark=None)
        if _check_name(check) in expected_failed_checks(estimator)
    ]


@pytest.mark.parametrize("estimator, check", _domain_checks())
def test_expected_failures_fail_only_on_the_data_domain(estimator, check):
    # Each expected failure must come from the domain check, and nothing else
    # (some checks wrap the error they did not expect in an AssertionError).
    with pytest.raises((ValueError, AssertionError)) as failure:
        check(estimator)
    error = failure.value
    if isinstance(error, AssertionError):
        error = error.__cause__
    assert isinstance(error, ValueError)
    assert DOMAIN_ERRORS[type(estimator).__name__][1] in str(error)
