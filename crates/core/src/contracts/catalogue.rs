//! The registry of expectation types: name → kwarg parser (see [`super::check`]). Only a
//! registry: the checks live in their modules, the trait they implement in `check`.

use super::check::Parser;
use super::{aggregate, column_map, leakage, multicolumn, table};

pub(crate) struct Entry {
    pub name: &'static str,
    pub parse: Parser,
}

/// Every supported expectation, GE's core set first, then Shelfcast's leakage checks.
pub(crate) fn entries() -> &'static [Entry] {
    macro_rules! entries {
        ($($name:literal => $parse:path,)*) => {
            &[$(Entry { name: $name, parse: $parse },)*]
        };
    }
    entries! {
        "expect_table_columns_to_match_ordered_list" => table::columns_to_match_ordered_list,
        "expect_table_columns_to_match_set" => table::columns_to_match_set,
        "expect_table_column_count_to_equal" => table::column_count_to_equal,
        "expect_table_column_count_to_be_between" => table::column_count_to_be_between,
        "expect_table_row_count_to_be_between" => table::row_count_to_be_between,
        "expect_table_row_count_to_equal" => table::row_count_to_equal,
        "expect_column_to_exist" => table::column_to_exist,
        "expect_column_values_to_not_be_null" => column_map::not_be_null,
        "expect_column_values_to_be_null" => column_map::be_null,
        "expect_column_values_to_be_between" => column_map::be_between,
        "expect_column_values_to_be_in_set" => column_map::be_in_set,
        "expect_column_values_to_not_be_in_set" => column_map::not_be_in_set,
        "expect_column_values_to_be_of_type" => aggregate::be_of_type,
        "expect_column_values_to_be_in_type_list" => aggregate::be_in_type_list,
        "expect_column_values_to_be_unique" => column_map::be_unique,
        "expect_column_values_to_match_regex" => column_map::match_regex,
        "expect_column_values_to_not_match_regex" => column_map::not_match_regex,
        "expect_column_values_to_match_strftime_format" => column_map::match_strftime_format,
        "expect_column_values_to_be_dateutil_parseable" => column_map::be_dateutil_parseable,
        "expect_column_values_to_be_increasing" => column_map::be_increasing,
        "expect_column_values_to_be_decreasing" => column_map::be_decreasing,
        "expect_column_value_lengths_to_be_between" => column_map::value_lengths_to_be_between,
        "expect_compound_columns_to_be_unique" => multicolumn::compound_columns_to_be_unique,
        "expect_column_pair_values_a_to_be_greater_than_b" => multicolumn::pair_a_greater_than_b,
        "expect_column_pair_values_to_be_equal" => multicolumn::pair_equal,
        "expect_multicolumn_sum_to_equal" => multicolumn::sum_to_equal,
        "expect_column_mean_to_be_between" => aggregate::mean_to_be_between,
        "expect_column_median_to_be_between" => aggregate::median_to_be_between,
        "expect_column_min_to_be_between" => aggregate::min_to_be_between,
        "expect_column_max_to_be_between" => aggregate::max_to_be_between,
        "expect_column_stdev_to_be_between" => aggregate::stdev_to_be_between,
        "expect_column_sum_to_be_between" => aggregate::sum_to_be_between,
        "expect_column_proportion_of_unique_values_to_be_between" => aggregate::proportion_of_unique_values_to_be_between,
        "expect_column_unique_value_count_to_be_between" => aggregate::unique_value_count_to_be_between,
        "expect_column_distinct_values_to_be_in_set" => aggregate::distinct_values_to_be_in_set,
        "expect_column_distinct_values_to_contain_set" => aggregate::distinct_values_to_contain_set,
        "expect_column_distinct_values_to_equal_set" => aggregate::distinct_values_to_equal_set,
        "expect_column_most_common_value_to_be_in_set" => aggregate::most_common_value_to_be_in_set,
        "expect_column_quantile_values_to_be_between" => aggregate::quantile_values_to_be_between,
        "expect_column_values_to_equal_lagged_column" => leakage::equal_lagged_column,
        "expect_column_values_to_equal_rolling_statistic" => leakage::equal_rolling_statistic,
        "expect_lag_features_to_respect_horizon" => leakage::lag_features_respect_horizon,
    }
}

/// The entry for an expectation type, matched case-insensitively.
pub(crate) fn lookup(expectation_type: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.name.eq_ignore_ascii_case(expectation_type.trim()))
}

/// The names of every supported expectation type.
pub fn supported_expectation_types() -> Vec<&'static str> {
    entries().iter().map(|e| e.name).collect()
}
