-- One row per recommendation / area for improvement of any loaded report (inspections, LSCB reviews and
-- visit letters alike), numbered in document order within the report, with the themes its text matches
-- in the taxonomy (seeds/recommendation_theme_phrases.csv; one row per theme in fct_recommendation_themes).
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

recommendations as (

    select * from {{ ref('stg_extracted__recommendations') }}

),

report_dates as (

    select * from {{ ref('int_report_dates') }}

),

national_framework as (

    select * from {{ ref('national_framework') }}

),

themes as (

    select
        report_id,
        recommendation_number,
        string_agg(theme, '; ' order by theme) as themes

    from {{ ref('int_recommendation_themes_matched') }}
    group by report_id, recommendation_number

),

final as (

    select
        cast(
            recommendations.report_id || ':' || lpad(cast(recommendations.recommendation_number as varchar), 3, '0')
            as varchar
        ) as recommendation_id,
        cast(reports.report_id as varchar) as report_id,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(recommendations.recommendation_number as integer) as recommendation_number,
        cast(recommendations.timescale as varchar) as timescale,
        cast(recommendations.addressed_to as varchar) as addressed_to,
        cast(recommendations.is_priority as boolean) as is_priority,
        cast(recommendations.recommendation_text as varchar) as recommendation_text,
        cast(reports.report_type as varchar) as report_type,
        cast(recommendations.page_number as integer) as page_number,
        cast(recommendations.evidence as varchar) as evidence,
        cast(themes.themes as varchar) as themes,
        cast(report_dates.report_date as date) as report_date,
        cast(recommendations.national_framework_kind as varchar) as national_framework_kind,
        cast(recommendations.national_framework_number as integer) as national_framework_number,
        cast(national_framework.name as varchar) as national_framework_name,
        cast(recommendations.national_framework_as_written as varchar) as national_framework_as_written

    from recommendations
    inner join reports
        on recommendations.report_id = reports.report_id
    left join themes
        on
            recommendations.report_id = themes.report_id
            and recommendations.recommendation_number = themes.recommendation_number
    left join report_dates
        on recommendations.report_id = report_dates.report_id
    left join national_framework
        on
            recommendations.national_framework_kind = national_framework.kind
            and recommendations.national_framework_number = national_framework.number

)

select * from final
