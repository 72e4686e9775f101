{#
    Fails for every row where the SQL expression is not true (optionally only rows matching `where`,
    which the standard `config: where:` also provides).
#}
{% test expression_is_true(model, expression, column_name=None) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
