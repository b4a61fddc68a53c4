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
