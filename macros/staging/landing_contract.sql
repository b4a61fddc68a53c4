{#-
    The landing contract's own columns (received_at, loaded_at, source_lsn,
    source_ts_ms) checked at the boundary, plus the plausibility window of
    docs/decisions/0007-hostile-input.md. Every bound is a dbt var, validated
    before it is rendered into SQL. Documented in _staging__macros.yml.
-#}

{#- A var holding a date (YYYY-MM-DD), as a timestamp literal. -#}
{% macro landing_var_date(name) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a date YYYY-MM-DD, got " ~ value) }}
    {%- endif -%}
    {{ return("cast('" ~ value ~ " 00:00:00' as timestamp)") }}
{%- endmacro %}


{#- A var holding a whole number of minutes or days (0 or more). -#}
{% macro landing_var_int(name) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.match('^[0-9]{1,7}$', value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number (0-9999999), got " ~ value) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{#- The build's clock (dbt's run_started_at, UTC), the only wall-clock time
    staging looks at: a landing time later than it (plus the skew) cannot
    have happened yet. -#}
{% macro landing_build_clock() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{#- Epoch milliseconds of a date var, for bounding source_ts_ms before it is
    converted (a conversion out of range raises on every engine). -#}
{% macro landing_var_epoch_ms(name) -%}
    {%- set text = var(name) | string -%}
    {%- do synapse.landing_var_date(name) -%}
    {%- set day = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {%- set epoch = modules.datetime.datetime(1970, 1, 1) -%}
    {{ return(((day - epoch).days * 86400000) | string) }}
{%- endmacro %}


{#- The latest source_ts_ms converted to a timestamp: 9999-12-31 23:59:59.999. -#}
{% macro landing_max_epoch_ms() -%}
    253402300799999
{%- endmacro %}


{#-
    landing_time_reason(loaded_at) -> case branches (no `case`/`end`) for
    the landing time every raw row carries:
        missing_loaded_at   loaded_at is null
        future_loaded_at    loaded_at later than the build clock + skew
-#}
{% macro landing_time_reason(loaded_at='loaded_at') -%}
    {%- set skew = synapse.landing_var_int('landing_clock_skew_minutes') -%}
            when {{ loaded_at }} is null
                then 'missing_loaded_at'
            when {{ loaded_at }} > {{ dbt.dateadd(
                'minute', skew, synapse.landing_build_clock()) }}
                then 'future_loaded_at'
{%- endmacro %}


{#-
    event_landing_reason(occurred_at, received_at, loaded_at) -> case
    branches for an app event whose payload passed the contract's rules:
        missing_received_at      received_at is null
        missing_loaded_at / future_loaded_at
        implausible_received_at  received_at before plausible_since, later
                                 than loaded_at + skew, or more than
                                 max_landing_delay_days before loaded_at
        implausible_timestamp    occurred_at before plausible_since or more
                                 than max_event_age_days before received_at
-#}
{% macro event_landing_reason(
    occurred_at='occurred_at', received_at='received_at', loaded_at='loaded_at'
) -%}
    {%- set since = synapse.landing_var_date('plausible_since') -%}
    {%- set skew = synapse.landing_var_int('landing_clock_skew_minutes') -%}
    {%- set delay = synapse.landing_var_int('max_landing_delay_days') -%}
    {%- set age = synapse.landing_var_int('max_event_age_days') -%}
            when {{ received_at }} is null
                then 'missing_received_at'
            {{ synapse.landing_time_reason(loaded_at) }}
            when
                {{ received_at }} < {{ since }}
                or {{ received_at }} > {{ dbt.dateadd('minute', skew, loaded_at) }}
                or {{ received_at }} < {{ dbt.dateadd('day', -1 * delay, loaded_at) }}
                then 'implausible_received_at'
            when
                {{ occurred_at }} < {{ since }}
                or {{ occurred_at }} < {{ dbt.dateadd('day', -1 * age, received_at) }}
                then 'implausible_timestamp'
{%- endmacro %}


{#-
    Declared widths of the text read from JSON (ADR 0007, "Text widths").
    The var landing_text_widths maps a raw table to {column: width in UTF-8
    bytes}; every width is checked (1 to 65535, Redshift's varchar limit)
    before it is rendered into SQL.
-#}
{% macro landing_text_widths(source_name) -%}
    {%- set by_source = var('landing_text_widths', {}) or {} -%}
    {%- set widths = by_source.get(source_name) if by_source is mapping else none -%}
    {%- if widths is none and not execute -%}
        {#- At parse time source() stands for the model itself. -#}
        {{ return({}) }}
    {%- elif widths is not mapping or widths | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "var landing_text_widths has no {column: width} map for " ~ source_name) }}
    {%- endif -%}
    {%- for column, width in widths.items() -%}
        {%- do synapse.sql_identifier(column, 'landing_text_widths: column') -%}
        {%- if not modules.re.match('^[0-9]{1,5}$', width | string)
            or (width | int) < 1 or (width | int) > 65535 -%}
            {{ exceptions.raise_compiler_error(
                "landing_text_widths." ~ source_name ~ "." ~ column
                ~ " must be a width from 1 to 65535 bytes, got " ~ width) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(widths) }}
{%- endmacro %}


{#- The declared width of one column (a compile error when undeclared). -#}
{% macro landing_text_width(source_name, column) -%}
    {%- set widths = synapse.landing_text_widths(source_name) -%}
    {%- if column not in widths -%}
        {{ exceptions.raise_compiler_error(
            "var landing_text_widths." ~ source_name ~ " declares no width for "
            ~ column) }}
    {%- endif -%}
    {{ return(widths[column] | int) }}
{%- endmacro %}


{#-
    landing_text_width_reason(source_name, expressions={}) -> one case
    branch (no `case`/`end`):
        value_too_long   a column of landing_text_widths[source_name] holds
                         more UTF-8 bytes than its declared width
    Each column is read from the expression of the same name, unless
    `expressions` maps it to another SQL expression (e.g. a json_get_text).
    Bytes, not characters: Redshift's varchar(n) counts bytes, and the count
    is the same on every engine.
-#}
{% macro landing_text_width_reason(source_name, expressions={}) -%}
    {%- set widths = synapse.landing_text_widths(source_name) -%}
    {%- if widths -%}
            when
            {%- for column, width in widths.items() %}
                {% if not loop.first %}or {% endif -%}
                {{ synapse.text_byte_length(expressions.get(column, column)) -}}
                {{ ' > ' ~ (width | int) }}
            {%- endfor %}
                then 'value_too_long'
    {%- endif -%}
{%- endmacro %}


{#-
    landing_text(source_name, column, expr=column) -> the text as
    varchar(<declared width>), or null when it is longer (such a row is
    quarantined as value_too_long): never cut, on any engine.
-#}
{% macro landing_text(source_name, column, expr=none) -%}
    {%- set width = synapse.landing_text_width(source_name, column) -%}
    {%- set value = expr or column -%}
    (case
        when {{ synapse.text_byte_length(value) }} <= {{ width }}
            then cast({{ value }} as varchar({{ width }}))
    end)
{%- endmacro %}
