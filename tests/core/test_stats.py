"""The one percentile every benchmark and `rathaus eval` print."""

from rathaus.evaluation.stats import percentile


def test_percentile_interpolates_between_ranks_like_numpy():
    import numpy as np

    values = [12.0, 3.0, 7.5, 40.0, 18.25, 9.0]
    for q in (0.0, 0.5, 0.9, 0.95, 1.0):
        assert percentile(values, q) == round(float(np.percentile(values, q * 100)), 1)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_no_values_give_none():
    assert percentile([], 0.95) is None
