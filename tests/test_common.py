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

from skenergy import RestrictedBM

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


def estimators():
    """Every public estimator, in the configurations the checks run on."""
    return [
        RestrictedBM(visible="gaussian", n_components=8, max_iter=5, random_state=0),
        RestrictedBM(n_components=8, max_iter=5, random_state=0),
    ]


def expected_failed_checks(estimator):
    if isinstance(estimator, RestrictedBM) and estimator.visible == "bernoulli":
        return BERNOULLI_EXPECTED_FAILURES
    return {}


@parametrize_with_checks(estimators(), expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


ALL = estimators()
IDS = [f"{type(e).__name__}-{getattr(e, 'visible', '')}" for e in ALL]


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


GAUSSIAN = [e for e in ALL if getattr(e, "visible", None) == "gaussian"]


@pytest.mark.parametrize("estimator", GAUSSIAN, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "check",
    [
        check_set_output_transform,
        check_set_output_transform_pandas,
        check_global_output_transform_pandas,
        check_transformer_get_feature_names_out,
        check_transformer_get_feature_names_out_pandas,
        check_get_feature_names_out_error,
        check_dataframe_column_names_consistency,
    ],
    ids=lambda c: c.__name__,
)
def test_checks_run_separately_by_sklearn(estimator, check):
    pytest.importorskip("pandas")
    check(type(estimator).__name__, estimator)


def _bernoulli_checks():
    estimator = RestrictedBM(n_components=8, max_iter=5, random_state=0)
    return [
        pytest.param(est, check, id=_check_name(check))
        for est, check in estimator_checks_generator(estimator, mark=None)
        if _check_name(check) in BERNOULLI_EXPECTED_FAILURES
    ]


@pytest.mark.parametrize("estimator, check", _bernoulli_checks())
def test_expected_failures_fail_only_on_the_data_range(estimator, check):
    # Each expected failure must come from the [0, 1] domain check, and nothing else
    # (some checks wrap the error they did not expect in an AssertionError).
    with pytest.raises((ValueError, AssertionError)) as failure:
        check(estimator)
    error = failure.value
    if isinstance(error, AssertionError):
        error = error.__cause__
    assert isinstance(error, ValueError)
    assert "Bernoulli visible units take values in [0, 1]" in str(error)
