{#
    Fails when the months in date column `column_name` have a gap: the number of distinct months
    must equal the months from the first to the last, inclusive.
#}
{% test is_contiguous_monthly(model, column_name) %}
    select
        min({{ column_name }}) as first_month,
        max({{ column_name }}) as last_month,
        count(distinct {{ column_name }}) as months_present
    from {{ model }}
    having count(*) > 0
       and count(distinct {{ column_name }})
           <> {{ months_between('min(' ~ column_name ~ ')', 'max(' ~ column_name ~ ')') }} + 1
{% endtest %}
