{#-
    JSON helpers: parse text safely into the engine's JSON value, then read
    members by a path of keys; blank members in place (scrub_json_members,
    for the personal-data scrub). Documented in _cross_db__macros.yml.

        DuckDB    json
        Postgres  jsonb  (via the UDF made by postgres__create_udfs)
        Redshift  super

    Pass column references, not long expressions: the argument is repeated
    in the generated SQL. On Redshift the JSON argument of json_get_text and
    json_type_of must be a column (or alias), since members are read with
    PartiQL navigation (`col."key"`); parse in one CTE, read in the next.
-#}

{#- ------------------------------------------------------------------------
    json_parse_object(text_expr) -> JSON value, or null when text_expr is not
    a JSON object (malformed, truncated, an array, a scalar, empty, null).
    Never raises.

    One meaning per text on every engine (ADR 0007), so these are not
    objects either:
    - a repeated key in the object or in an object directly inside it (the
      levels the models read): DuckDB would read the first copy, Postgres
      and Redshift the last (Redshift, which cannot list keys, refuses a
      repeated key at any level: see _redshift_repeated_key_checks);
    - a \u0000 escape anywhere: Postgres's jsonb cannot hold it.
------------------------------------------------------------------------- -#}
{% macro json_parse_object(text_expr) -%}
    {{ return(adapter.dispatch('json_parse_object', 'synapse')(text_expr)) }}
{%- endmacro %}

{% macro default__json_parse_object(text_expr) -%}
    {{ exceptions.raise_compiler_error(
        "json_parse_object is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_parse_object(text_expr) -%}
    {#- Guard the input, never the output: every test below is total (no
        error on any text), so it does not matter that DuckDB may evaluate
        parts of a case on rows the case skips; try_cast cannot raise either.
        json_valid is lenient where Postgres and Redshift are not: it accepts
        trailing commas and NaN / Infinity. Those are rejected by looking at
        the text left once string literals, true, false and null are replaced:
        no comma may close an object or array, and no letter but the exponent
        e / E may remain. Strings and literals become 0, not nothing, so that
        `["a", "b"]` does not turn into the trailing comma of `[, ]`. -#}
    (case
        when
            json_valid({{ text_expr }})
            and regexp_matches({{ text_expr }}, '^[ \t\n\r]*[{]')
            {#- The string-blanking test is the costly one: it runs only on
                texts that could fail it. json_valid accepts letters outside
                strings only in true / false / null, exponents and its
                lenient NaN / Inf / Infinity tokens (any case), so a text
                with neither such a token nor a comma before a closing
                bracket passes it. An `or`, not `not (a and b)`: DuckDB then
                evaluates the second test only on the rows the first leaves. -#}
            and (
                not regexp_matches(
                    {{ text_expr }}, ',[ \t\n\r]*[}\]]|[nN][aA][nN]|[iI][nN][fF]'
                )
                or not regexp_matches(
                    regexp_replace(
                        regexp_replace({{ text_expr }}, '"(\\.|[^"\\])*"', '0', 'g'),
                        'true|false|null', '0', 'g'
                    ),
                    ',[ \t\n\r]*[}\]]|[a-df-zA-DF-Z]'
                )
            )
            {#- a \u0000 escape: one backslash (not an escaped one) before it;
                the regex only where the six characters occur at all -#}
            and (
                not contains({{ text_expr }}, '\u0000')
                or not regexp_matches({{ text_expr }}, '(^|[^\\])(\\\\)*\\u0000')
            )
            and len(json_keys(try_cast({{ text_expr }} as json)))
                = len(list_distinct(json_keys(try_cast({{ text_expr }} as json))))
            and not coalesce(list_bool_or(list_transform(
                json_keys(try_cast({{ text_expr }} as json), '$.*'),
                lambda member_keys: len(member_keys) != len(list_distinct(member_keys))
            )), false)
            then try_cast({{ text_expr }} as json)
    end)
{%- endmacro %}

{% macro postgres__json_parse_object(text_expr) -%}
    {#- Postgres 15 has no safe cast to jsonb: the PL/pgSQL UDF catches the
        error. -#}
    {{ synapse_udf_schema() }}.try_parse_json_object({{ text_expr }})
{%- endmacro %}

{% macro redshift__json_parse_object(text_expr) -%}
    {#- is_valid_json is false for arrays and malformed text; the object test
        looks at the first character after JSON whitespace (no backslashes,
        see regex_matches). json_parse only sees text already validated. -#}
    {%- set json_whitespace = "' ' || chr(9) || chr(10) || chr(13)" %}
    {#- A \u0000 escape is refused by looking for backslash + u0000 (also
        refuses an escaped backslash followed by the text u0000: stricter,
        never looser). Repeated keys: see _redshift_repeated_key_checks. -#}
    (case
        when
            is_valid_json({{ text_expr }})
            and left(ltrim({{ text_expr }}, {{ json_whitespace }}), 1) = '{'
            and strpos({{ text_expr }}, chr(92) || 'u0000') = 0
            {%- for check in synapse._redshift_repeated_key_checks(text_expr) %}
            and {{ check }}
            {%- endfor %}
            then json_parse({{ text_expr }})
    end)
{%- endmacro %}


{#- ------------------------------------------------------------------------
    _redshift_repeated_key_checks(text_expr, depth=6) -> conditions, all true
    when the JSON text (already valid) has no repeated key. Redshift has no
    function listing an object's keys, so the text is read with PCRE
    (parameter 'p'). Every pattern starts with `"..."(*SKIP)(*F)|`, which
    consumes each string literal whole and skips it, so no match ever starts
    inside a string, whatever it holds.
    - innermost objects (no object or array inside) are searched for a key
      repeated verbatim, then each innermost object or array is collapsed to
      `0`; `depth` times, so every object up to `depth` levels of nesting is
      searched;
    - text still nested deeper than that is refused, and so is a key
      written with an escape (`"\u0061"` is the key `a`, which a verbatim
      comparison would miss).
    DuckDB and Postgres look at the top level and one level down only; this
    looks at every level and refuses what it cannot read: stricter, never
    looser (ADR 0007).
------------------------------------------------------------------------- -#}
{% macro _redshift_repeated_key_checks(text_expr, depth=6) -%}
    {%- set bs = "\\" -%}
    {%- set str = '"(?:[^"' ~ bs ~ bs ~ ']|' ~ bs ~ bs ~ '.)*"' -%}
    {%- set atom = '(?:' ~ str ~ '|[^{}' ~ bs ~ '[' ~ bs ~ ']"])' -%}
    {%- set ws = '[ ' ~ bs ~ 't' ~ bs ~ 'n' ~ bs ~ 'r]*' -%}
    {%- set skip = str ~ '(*SKIP)(*F)|' -%}
    {%- set collapse = skip ~ bs ~ '{' ~ atom ~ '*' ~ bs ~ '}|' ~ bs ~ '[' ~ atom ~ '*' ~ bs ~ ']' -%}
    {%- set repeated = skip ~ bs ~ '{' ~ ws ~ '(?:' ~ atom ~ '*?,' ~ ws ~ ')?(' ~ str ~ ')'
        ~ ws ~ ':' ~ atom ~ '*?,' ~ ws ~ bs ~ '1' ~ ws ~ ':' -%}
    {%- set nested = skip ~ '[{' ~ bs ~ '[]' -%}
    {%- set escaped_key = '"[^"' ~ bs ~ bs ~ ']*' ~ bs ~ bs ~ '.(?:[^"' ~ bs ~ bs ~ ']|'
        ~ bs ~ bs ~ '.)*"' ~ ws ~ ':|' ~ str ~ '(*SKIP)(*F)' -%}
    {#- Redshift string literals read backslash escapes: double them. -#}
    {%- set literal = {} -%}
    {%- for name, pattern in [('collapse', collapse), ('repeated', repeated),
        ('nested', nested), ('escaped_key', escaped_key)] -%}
        {%- do literal.update({name: "'" ~ pattern | replace(bs, bs ~ bs) ~ "'"}) -%}
    {%- endfor -%}
    {%- set checks = [
        "regexp_count(" ~ text_expr ~ ", " ~ literal['escaped_key'] ~ ", 1, 'p') = 0"
    ] -%}
    {%- set level = namespace(text=text_expr) -%}
    {%- for _ in range(depth) -%}
        {%- do checks.append(
            "regexp_count(" ~ level.text ~ ", " ~ literal['repeated'] ~ ", 1, 'p') = 0") -%}
        {%- set level.text = "regexp_replace(" ~ level.text ~ ", "
            ~ literal['collapse'] ~ ", '0', 1, 'p')" -%}
    {%- endfor -%}
    {%- do checks.append(
        "regexp_count(" ~ level.text ~ ", " ~ literal['nested'] ~ ", 1, 'p') = 0") -%}
    {{ return(checks) }}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    Path handling shared by json_get_text and json_type_of. A path is a list
    of object keys (a single string is a one-key path). Keys are limited to
    lowercase identifiers ([a-z_][a-z0-9_]*): Redshift folds unquoted and,
    by default, quoted identifiers to lowercase, so a key with capitals could
    not be read the same way there. Array indexes are not supported.
------------------------------------------------------------------------- -#}
{% macro _json_path_keys(path) -%}
    {%- set keys = [path] if path is string else path -%}
    {%- if keys is string or keys is mapping or keys | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "JSON path must be a non-empty list of keys, got " ~ path) }}
    {%- endif -%}
    {%- for key in keys -%}
        {%- if key is not string or not modules.re.match('^[a-z_][a-z0-9_]*$', key) -%}
            {{ exceptions.raise_compiler_error(
                "JSON path key " ~ key ~ " is not a lowercase identifier "
                ~ "([a-z_][a-z0-9_]*)") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(keys) }}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    json_get_text(json_expr, path) -> text, or null.
        JSON string        its value, unquoted and unescaped
        number / boolean   its JSON text ('123', '1.5', 'true', 'false');
                           numbers are rendered by the engine (DuckDB writes
                           1e2 as '100.0', Postgres as '100'): cast before
                           comparing numbers
        object / array     its JSON text, spacing engine-specific
        JSON null          null
        absent             null (also when a key on the way is not an object)
------------------------------------------------------------------------- -#}
{% macro json_get_text(json_expr, path) -%}
    {%- set keys = synapse._json_path_keys(path) -%}
    {{ return(adapter.dispatch('json_get_text', 'synapse')(json_expr, keys)) }}
{%- endmacro %}

{% macro default__json_get_text(json_expr, path) -%}
    {{ exceptions.raise_compiler_error(
        "json_get_text is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_get_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '$."{{ path | join('"."') }}"')
{%- endmacro %}

{% macro postgres__json_get_text(json_expr, path) -%}
    (({{ json_expr }}) #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}

{% macro redshift__json_get_text(json_expr, path) -%}
    {%- set member = json_expr ~ '."' ~ path | join('"."') ~ '"' -%}
    (case
        when json_typeof({{ member }}) = 'string'
            then cast({{ member }} as varchar(65535))
        when json_typeof({{ member }}) in ('number', 'boolean', 'object', 'array')
            then json_serialize({{ member }})
    end)
{%- endmacro %}


{#- ------------------------------------------------------------------------
    json_get_texts(json_expr, columns) -> select-list items: for each
    name -> path of `columns` (a mapping, in order), json_get_text of the
    path `as` the name. The same values as one json_get_text per column;
    DuckDB reads them all in one pass over the document.
------------------------------------------------------------------------- -#}
{% macro json_get_texts(json_expr, columns) -%}
    {%- set paths = {} -%}
    {%- for name, path in columns.items() -%}
        {%- do synapse.sql_identifier(name, 'json_get_texts: column') -%}
        {%- do paths.update({name: synapse._json_path_keys(path)}) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('json_get_texts', 'synapse')(json_expr, paths)) }}
{%- endmacro %}

{% macro default__json_get_texts(json_expr, columns) -%}
    {%- for name, path in columns.items() %}
        {{ synapse.json_get_text(json_expr, path) }} as {{ name }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro duckdb__json_get_texts(json_expr, columns) -%}
    {#- json_extract_string with a list of paths parses the document once
        and returns the values as a list; the list expression is written
        once per column, and DuckDB evaluates the repeated expression once
        (common subexpression elimination). Measured on 1M events, the
        event deliveries' select: 9.1 s with one call per column, 6.5-6.9 s
        with this (docs/performance/staging.md). -#}
    {%- set quoted = [] -%}
    {%- for path in columns.values() -%}
        {%- do quoted.append("'$.\"" ~ path | join('"."') ~ "\"'") -%}
    {%- endfor -%}
    {%- set values = 'json_extract_string(' ~ json_expr ~ ', [' ~ quoted | join(', ') ~ '])' -%}
    {%- for name in columns.keys() %}
        {{ values }}[{{ loop.index }}] as {{ name }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    json_type_of(json_expr, path) -> 'string', 'number', 'boolean', 'object',
    'array' or 'null' (a JSON null); SQL null when the member is absent.
------------------------------------------------------------------------- -#}
{% macro json_type_of(json_expr, path) -%}
    {%- set keys = synapse._json_path_keys(path) -%}
    {{ return(adapter.dispatch('json_type_of', 'synapse')(json_expr, keys)) }}
{%- endmacro %}

{% macro default__json_type_of(json_expr, path) -%}
    {{ exceptions.raise_compiler_error(
        "json_type_of is not implemented for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_type_of(json_expr, path) -%}
    {#- json_type names the storage type; every numeric one is a JSON number.
        An unforeseen name falls through lowercased rather than as null
        (which would read as "absent"). -#}
    {%- set json_path = "'$.\"" ~ path | join('"."') ~ "\"'" -%}
    {%- set duck_type = "json_type(" ~ json_expr ~ ", " ~ json_path ~ ")" -%}
    (case {{ duck_type }}
        when 'VARCHAR' then 'string'
        when 'BIGINT' then 'number'
        when 'UBIGINT' then 'number'
        when 'HUGEINT' then 'number'
        when 'DOUBLE' then 'number'
        when 'BOOLEAN' then 'boolean'
        when 'OBJECT' then 'object'
        when 'ARRAY' then 'array'
        when 'NULL' then 'null'
        else lower({{ duck_type }})
    end)
{%- endmacro %}

{% macro postgres__json_type_of(json_expr, path) -%}
    jsonb_typeof(({{ json_expr }}) #> '{ {{- path | join(',') -}} }')
{%- endmacro %}

{% macro redshift__json_type_of(json_expr, path) -%}
    json_typeof({{ json_expr }}."{{ path | join('"."') }}")
{%- endmacro %}


{#- ------------------------------------------------------------------------
    scrub_json_members(json_column, keys) -> text: the JSON object in
    json_column (the engine's JSON value, as made by json_parse_object)
    serialised with every listed top-level key that is present set to JSON
    null. Keys that are absent stay absent; every other member keeps its
    value. Pass a column (Redshift navigates it with PartiQL).
------------------------------------------------------------------------- -#}
{% macro scrub_json_members(json_column, keys) -%}
    {%- for key in keys -%}
        {%- do synapse._json_path_keys([key]) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('scrub_json_members', 'synapse')(json_column, keys)) }}
{%- endmacro %}

{% macro default__scrub_json_members(json_column, keys) -%}
    {{ exceptions.raise_compiler_error(
        "scrub_json_members is implemented for DuckDB, Postgres and Redshift only") }}
{%- endmacro %}

{% macro duckdb__scrub_json_members(json_column, keys) -%}
    {#- json_merge_patch removes a key patched with null (RFC 7386) and keeps
        the other members; the keys that were present are then put back,
        first, with a null value. -#}
    {%- set patch = '{' ~ keys | map('tojson') | join(':null,') ~ ':null}' -%}
    {%- set removed = "cast(json_merge_patch(" ~ json_column ~ ", '" ~ patch
        ~ "') as varchar)" -%}
    {%- set present -%}
        ({% for key in keys -%}
            case
                when json_type({{ json_column }}, '$."{{ key }}"') is not null
                    then '"{{ key }}":null,'
                else ''
            end{% if not loop.last %} || {% endif %}
        {%- endfor %})
    {%- endset -%}
    (case
        when {{ removed }} = '{}'
            then '{' || rtrim({{ present }}, ',') || '}'
        else '{' || {{ present }} || substr({{ removed }}, 2)
    end)
{%- endmacro %}

{% macro postgres__scrub_json_members(json_column, keys) -%}
    {#- create_missing = false: an absent key is not added. -#}
    {%- set ns = namespace(expr=json_column) -%}
    {%- for key in keys -%}
        {%- set ns.expr = "jsonb_set(" ~ ns.expr ~ ", '{" ~ key
            ~ "}', cast('null' as jsonb), false)" -%}
    {%- endfor -%}
    cast({{ ns.expr }} as text)
{%- endmacro %}

{% macro redshift__scrub_json_members(json_column, keys) -%}
    {#- SUPER has no "set member" function that keeps the other members
        (OBJECT_TRANSFORM keeps only the KEEP paths). The object is
        serialised compactly and each member's compact text, which the same
        serialiser writes identically, is replaced: `"key":<value>` cannot
        occur inside a string (its quotes would be escaped), only as a member.
        Caveat: a nested object holding the same key with the same value is
        blanked too. An absent key matches `"key":null`, a no-op. -#}
    {%- set ns = namespace(expr="json_serialize(" ~ json_column ~ ")") -%}
    {%- for key in keys -%}
        {%- set ns.expr = "replace(" ~ ns.expr ~ ", '\"" ~ key ~ "\":' || coalesce("
            ~ "json_serialize(" ~ json_column ~ ".\"" ~ key ~ "\"), 'null'), '\""
            ~ key ~ "\":null')" -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}
