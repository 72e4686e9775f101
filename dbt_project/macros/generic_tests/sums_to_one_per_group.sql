{#
    Fails for every group whose values of column_name (a share) do not add up to exactly 1,
    among groups whose total in `total_column` is non-zero.
#}
{% test sums_to_one_per_group(model, column_name, group_by, total_column=None) %}
    select {{ group_by | join(', ') }}, sum({{ column_name }}) as total_share
    from {{ model }}
    group by {{ group_by | join(', ') }}
    having sum({{ column_name }}) <> 1
    {%- if total_column %}
       and sum({{ total_column }}) <> 0
    {%- endif %}
{% endtest %}
