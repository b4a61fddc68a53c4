{#-
    Every role of the var column_access_roles exists in the warehouse. A
    missing role gets no grants (the post-hook skips it): a warning that
    counts in the build's results on development targets, an error on the
    production targets (var production_targets). README: "Creating the
    warehouse roles".
-#}
{{ config(
    severity=(
        'error' if target.name in var('production_targets', ['prod']) else 'warn'
    ),
) }}

{{ missing_grant_roles_sql() }}
