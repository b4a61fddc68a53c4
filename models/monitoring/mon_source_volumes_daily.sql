{#-
    Rows landed per raw table per UTC day of load time, days without rows
    as 0 (over the days any table landed something), up to
    monitoring_as_of. The anomaly test on rows_loaded watches each source's
    daily volume.
-#}
with

source_loads as (

    {{ monitoring_source_loads() }}

),

loads as (

    select
        source_name,
        table_name,
        cast(loaded_at as date) as load_date
    from source_loads

),

counted as (

    select
        source_name,
        table_name,
        load_date,
        count(*) as rows_loaded
    from loads
    group by source_name, table_name, load_date

),

load_days as (

    select distinct load_date from loads

),

tables as (

    select distinct
        source_name,
        table_name
    from loads

),

final as (

    select
        tables.source_name,
        tables.table_name,
        load_days.load_date,
        cast(coalesce(counted.rows_loaded, 0) as bigint) as rows_loaded
    from tables
    cross join load_days
    left join counted
        on
            tables.table_name = counted.table_name
            and load_days.load_date = counted.load_date

)

select * from final
