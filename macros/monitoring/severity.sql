{#-
    Severity policy of the data checks (docs/decisions/0009): which checks
    fail the build and which only warn, per environment.

    check_severity_profile() -> 'strict' on the prod target, else the var
    check_severity_profile when set, else the env var SYNAPSE_CHECK_PROFILE,
    else 'dev'. CI exports SYNAPSE_CHECK_PROFILE=strict (.ci/run).

    check_severity(kind) -> 'error' or 'warn', from the var
    check_severity_policy[profile][kind].
-#}
{% macro check_severity_profile() -%}
    {%- if target.name == 'prod' -%}
        {{ return('strict') }}
    {%- endif -%}
    {%- set profile = var('check_severity_profile', none)
        or env_var('SYNAPSE_CHECK_PROFILE', 'dev') -%}
    {%- if profile not in ('dev', 'strict') -%}
        {{ exceptions.raise_compiler_error(
            "check severity profile must be 'dev' or 'strict', got '" ~ profile
            ~ "' (var check_severity_profile / env SYNAPSE_CHECK_PROFILE)") }}
    {%- endif -%}
    {{ return(profile) }}
{%- endmacro %}

{% macro check_severity(kind) -%}
    {%- set policy = var('check_severity_policy')[check_severity_profile()] -%}
    {%- if kind not in policy -%}
        {{ exceptions.raise_compiler_error(
            "check_severity: unknown kind '" ~ kind ~ "'; known: "
            ~ policy.keys() | list | join(', ')) }}
    {%- endif -%}
    {{ return(policy[kind]) }}
{%- endmacro %}
