{#
    Fails for every combination of the given columns that appears more than once
    (dbt_utils is not available: no packages can be installed).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns_csv = combination_of_columns | join(', ') %}
    select {{ columns_csv }}, count(*) as n_records
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1
{% endtest %}
