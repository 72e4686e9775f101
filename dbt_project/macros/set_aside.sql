{#-
    A filter for a feed's staged lines: true unless the line is set aside for a reference gap (int_lines_set_aside).
    Every intermediate model reading budgets, commitments, planned projects or grant awards applies it.
-#}
{% macro not_set_aside(line_alias) -%}
    not exists (
        select 1
        from {{ ref('int_lines_set_aside') }} as set_aside
        where set_aside.file_id = {{ line_alias }}.file_id
            and set_aside.line_number = {{ line_alias }}.line_number
            and coalesce(set_aside.sheet, '') = coalesce({{ line_alias }}.sheet, '')
    )
{%- endmacro %}
