{#-
    Mapping lines to funds by the rules of fund_mapping_rules.csv (docs/mapping.md). One owner: ledger lines
    (int_transactions_mapped) and budget lines set at cost-centre level (int_budget_lines_resolved) both map
    through fund_mapping_segments().

    Rules are matched against the distinct values of the lines (not line by line), and for each distinct
    combination the calendar is cut into segments where one set of rules is in force; the most specific of
    them wins for the whole segment. A line then finds its fund with an equality join on its values and a
    date range, so the cost of a night follows the number of distinct values, not the number of lines.
-#}

{#- Text as a rule compares it: lower case, trimmed, runs of spaces (non-breaking ones too) as one; '' is null. -#}
{% macro mapping_text(expr) -%}
    nullif(lower(trim(regexp_replace(replace({{ expr }}, chr(160), ' '), '\s+', ' ', 'g'))), '')
{%- endmacro %}

{#- The text value of a JSON object's key (raw's extras), or null. -#}
{% macro json_text_field(json_expr, key_expr) -%}
    {{ return(adapter.dispatch('json_text_field', 'opcc')(json_expr, key_expr)) }}
{%- endmacro %}

{% macro default__json_text_field(json_expr, key_expr) -%}
    (cast(nullif({{ json_expr }}, '') as json) ->> {{ key_expr }})
{%- endmacro %}

{% macro duckdb__json_text_field(json_expr, key_expr) -%}
    (cast(nullif({{ json_expr }}, '') as json) ->> {{ key_expr }})
{%- endmacro %}

{#- One rule condition: an empty rule value matches anything; a value with % is a LIKE pattern (% only:
    `_` and `!` are literal); else the texts are equal. -#}
{% macro rule_matches(rule_value, rule_is_pattern, rule_like, line_value) -%}
    ({{ rule_value }} is null or coalesce(case
        when {{ rule_is_pattern }} then {{ line_value }} like {{ rule_like }} escape '!'
        else {{ line_value }} = {{ rule_value }}
    end, false))
{%- endmacro %}

{#- The rules, normalised, with what makes one more specific than another. -#}
{% macro fund_mapping_rules_prepared() -%}
    {%- set columns = ['expense_area', 'expense_type', 'body', 'supplier', 'extra_value'] %}
    select
        {%- for c in columns %}
        {{ mapping_text(c) }} as {{ c }},
        coalesce(strpos({{ mapping_text(c) }}, '%') > 0, false) as {{ c }}_is_pattern,
        replace(replace({{ mapping_text(c) }}, '!', '!!'), '_', '!_') as {{ c }}_like,
        {%- endfor %}
        nullif(trim(extra_column), '') as extra_column,
        -- specificity: columns constrained, then exact (not pattern) values, then literal characters
        (
            {%- for c in columns %}
            case when {{ mapping_text(c) }} is not null then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as columns_constrained,
        (
            {%- for c in columns %}
            case when strpos({{ mapping_text(c) }}, '%') = 0 then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as exact_values,
        (
            {%- for c in columns %}
            coalesce(length(replace({{ mapping_text(c) }}, '%', '')), 0){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as literal_characters,
        coalesce(effective_from, {{ dbt.cast("'0001-01-01'", 'date') }}) as rule_from,
        coalesce(effective_to, {{ dbt.cast("'9999-12-31'", 'date') }}) as rule_to,
        trim(fund_code) as fund_code,
        -- the rule as finance wrote it, for spend_transactions.mapping_rule
        concat_ws('; ',
            {%- for c in ['expense_area', 'expense_type', 'body', 'supplier'] %}
            case when nullif(trim({{ c }}), '') is not null then '{{ c }} = ' || trim({{ c }}) end,
            {%- endfor %}
            case when nullif(trim(extra_value), '') is not null
                then trim(extra_column) || ' = ' || trim(extra_value) end,
            case when effective_from is not null then 'from ' || {{ dbt.cast('effective_from', dbt.type_string()) }} end,
            case when effective_to is not null then 'to ' || {{ dbt.cast('effective_to', dbt.type_string()) }} end
        ) as mapping_rule
    from {{ ref('fund_mapping_rules') }}
    where nullif(trim(fund_code), '') is not null
{%- endmacro %}

{#-
    For a relation `keys` with the text columns body, expense_area, expense_type, supplier and extras
    (distinct, '' for none), the date segments of each key's mapping: columns key_id (the key's columns
    as given), segment_from, next_from (null: open-ended), fund_code, mapping_rule and mapping_ambiguous
    (another rule as specific, in force on the same days, gives another fund). A date is in a segment when
    segment_from <= date < next_from. Dates no rule covers are in no segment (fund UNMAPPED).
-#}
{% macro fund_mapping_segments(keys) -%}
    {%- set key_columns = ['body', 'expense_area', 'expense_type', 'supplier', 'extras'] %}
    {%- set rank_columns = 'columns_constrained, exact_values, literal_characters, rule_from' %}
    with rules as (

        {{ fund_mapping_rules_prepared() }}

    ),

    key_rules as (

        select
            {%- for c in key_columns %}
            k.{{ c }} as key_{{ c }},
            {%- endfor %}
            rules.*
        from {{ keys }} as k
        inner join rules
            on {{ rule_matches('rules.expense_area', 'rules.expense_area_is_pattern', 'rules.expense_area_like', mapping_text('k.expense_area')) }}
            and {{ rule_matches('rules.expense_type', 'rules.expense_type_is_pattern', 'rules.expense_type_like', mapping_text('k.expense_type')) }}
            and {{ rule_matches('rules.body', 'rules.body_is_pattern', 'rules.body_like', mapping_text('k.body')) }}
            and {{ rule_matches('rules.supplier', 'rules.supplier_is_pattern', 'rules.supplier_like', mapping_text('k.supplier')) }}
            and {{ rule_matches('rules.extra_value', 'rules.extra_value_is_pattern', 'rules.extra_value_like',
                                mapping_text(json_text_field('k.extras', 'rules.extra_column'))) }}

    ),

    boundaries as (

        select {% for c in key_columns %}key_{{ c }}, {% endfor %}rule_from as segment_from
        from key_rules
        union
        select {% for c in key_columns %}key_{{ c }}, {% endfor %}rule_to + 1 as segment_from
        from key_rules
        where rule_to < {{ dbt.cast("'9999-12-31'", 'date') }}

    ),

    segments as (

        select
            boundaries.*,
            lead(segment_from) over (
                partition by {% for c in key_columns %}key_{{ c }}{{ ', ' if not loop.last }}{% endfor %}
                order by segment_from
            ) as next_from
        from boundaries

    ),

    ranked as (

        select
            {%- for c in key_columns %}
            segments.key_{{ c }},
            {%- endfor %}
            segments.segment_from,
            segments.next_from,
            key_rules.fund_code,
            key_rules.mapping_rule,
            row_number() over (
                partition by {% for c in key_columns %}segments.key_{{ c }}, {% endfor %}segments.segment_from
                order by
                    key_rules.columns_constrained desc, key_rules.exact_values desc,
                    key_rules.literal_characters desc, key_rules.rule_from desc,
                    key_rules.fund_code, key_rules.mapping_rule
            ) as rule_rank,
            -- rules exactly as specific as each other (same rank keys) that disagree on the fund
            min(key_rules.fund_code) over (
                partition by {% for c in key_columns %}segments.key_{{ c }}, {% endfor %}segments.segment_from,
                    {% for c in rank_columns.split(', ') %}key_rules.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
            ) <> max(key_rules.fund_code) over (
                partition by {% for c in key_columns %}segments.key_{{ c }}, {% endfor %}segments.segment_from,
                    {% for c in rank_columns.split(', ') %}key_rules.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
            ) as mapping_ambiguous
        from segments
        inner join key_rules
            on {% for c in key_columns %}key_rules.key_{{ c }} = segments.key_{{ c }}
            and {% endfor %}key_rules.rule_from <= segments.segment_from
            and key_rules.rule_to >= segments.segment_from

    )

    select
        {%- for c in key_columns %}
        key_{{ c }} as {{ c }},
        {%- endfor %}
        segment_from,
        next_from,
        fund_code,
        mapping_rule,
        mapping_ambiguous
    from ranked
    where rule_rank = 1
{%- endmacro %}

{#- A fingerprint of the mapping rules and the funds they name: when it changes, every stored line is mapped again
    (spend_transactions). -#}
{% macro fund_mapping_version() -%}
    (
        select md5(coalesce(string_agg(entries.entry, '|' order by entries.entry), ''))
        from (
            select concat_ws(
                ';', 'rule',
                {%- for c in ['expense_area', 'expense_type', 'body', 'supplier', 'extra_column', 'extra_value',
                              'fund_code'] %}
                coalesce({{ c }}, ''),
                {%- endfor %}
                coalesce({{ dbt.cast('effective_from', dbt.type_string()) }}, ''),
                coalesce({{ dbt.cast('effective_to', dbt.type_string()) }}, '')
            ) as entry
            from {{ ref('fund_mapping_rules') }}
            union all
            select concat_ws(';', 'fund', coalesce(fund_code, ''), coalesce(fund_name, ''), coalesce(funding_source_code, ''))
            from {{ ref('funds') }}
        ) as entries
    )
{%- endmacro %}
