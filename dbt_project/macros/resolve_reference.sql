{#-
    Resolve free-text codes or names from the extracts to reference codes (see int_*_aliased).
    Each returns a scalar subquery, so the caller keeps its own grain; an unknown label gives null.
    int_lines_set_aside uses them to set aside the lines naming an unknown fund, pillar or funding source
    (quarantined with the reason, never silently lost); the not_null tests downstream guard that it did.
-#}

{% macro resolve_fund_code(match_key_expr) -%}
    (select a.fund_code from {{ ref('int_funds_aliased') }} as a where a.match_key = {{ match_key_expr }})
{%- endmacro %}

{% macro resolve_funding_source_code(match_key_expr) -%}
    (select a.funding_source_code from {{ ref('int_funding_sources_aliased') }} as a where a.match_key = {{ match_key_expr }})
{%- endmacro %}

{#
    A pillar name may recur across Police and Crime Plans: prefer the pillar valid on reference_date,
    then the most recent plan.
#}
{% macro resolve_pillar_code(match_key_expr, reference_date_expr) -%}
    (
        select a.pillar_code
        from {{ ref('int_pillars_aliased') }} as a
        where a.match_key = {{ match_key_expr }}
        order by
            case
                when {{ reference_date_expr }} >= coalesce(a.valid_from, {{ dbt.cast("'1900-01-01'", 'date') }})
                 and {{ reference_date_expr }} <= coalesce(a.valid_to, {{ dbt.cast("'9999-12-31'", 'date') }})
                then 0 else 1
            end,
            a.valid_from desc,
            a.pillar_code
        limit 1
    )
{%- endmacro %}
